// scripts/ensure-redis.sh, which `npm test` (and .ci/run) runs first: with no Redis answering on
// the port it starts redis-server there; with one answering it does nothing at all.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { freePort } from '../helpers/service.js';

const script = join(packageRoot(), 'scripts', 'ensure-redis.sh');

function run(port: number) {
  const result = spawnSync('sh', [script], {
    cwd: packageRoot(),
    env: { ...process.env, REDIS_TEST_PORT: String(port) },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ensure-redis.sh', () => {
  it('starts redis-server on a port where none answers, then leaves the running one alone', async () => {
    const port = await freePort();
    expect(run(port)).toEqual({
      status: 0,
      stdout: `ensure-redis: no Redis on 127.0.0.1:${port}: starting redis-server\n`,
      stderr: '',
    });
    const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
    redis.on('error', () => {}); // it is shut down at the end
    try {
      await redis.connect();
      expect(await redis.config('GET', 'port')).toEqual(['port', String(port)]);
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      const pid = (await redis.info('server')).match(/process_id:(\d+)/)?.[1];
      expect(run(port)).toEqual({ status: 0, stdout: '', stderr: '' });
      expect((await redis.info('server')).match(/process_id:(\d+)/)?.[1]).toBe(pid);
    } finally {
      await redis.call('SHUTDOWN', 'NOSAVE').catch(() => {}); // the server we started
      redis.disconnect();
      rmSync(join(packageRoot(), '.ci', `redis-${port}.log`), { force: true });
    }
  });
});
