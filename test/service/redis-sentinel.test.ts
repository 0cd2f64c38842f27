// The whole service through Redis Sentinel: a master and a replica with passwords, and two
// sentinels with a password of their own, all redis-servers of this test (in a scratch folder, on
// free ports). The service gets REDIS_SENTINELS + REDIS_SENTINEL_NAME and a REDIS_URL whose host
// and port nothing listens on (only its password and database are used), so a connection that
// bypassed Sentinel would fail. /readyz, a job through queue, worker process and thread, its
// events over SSE, predict; then SENTINEL FAILOVER, and the same again on the new master.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { keysFor } from '../../src/store/redis.js';
import { runsAJob } from '../helpers/runs-a-job.js';
import { freePort, http, startService, type TestService, xorNetwork } from '../helpers/service.js';

const dir = mkdtempSync(join(tmpdir(), 'backprop-redis-sentinel-'));
const servers: ChildProcess[] = [];
const password = 'master-secret';
const sentinelPassword = 'sentinel-secret';
const name = 'bp-master';
const db = 3;

/** redis-cli against a port of ours, as the given password; its trimmed output. */
function cli(port: number, auth: string, ...args: string[]): string {
  const run = spawnSync(
    'redis-cli',
    ['-h', '127.0.0.1', '-p', String(port), '-a', auth, '--no-auth-warning', ...args],
    { encoding: 'utf8' },
  );
  return run.stdout.trim();
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting: ${what}`);
}

// A redis-server of ours (no persistence); resolves once it answers PING.
async function startRedis(port: number, args: string[], auth: string): Promise<void> {
  servers.push(spawn('redis-server', args, { stdio: 'ignore' }));
  await until(`redis-server on ${port}`, () => cli(port, auth, 'ping') === 'PONG');
}

function dataServer(port: number, extra: string[] = []): string[] {
  return [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no'],
    ...['--requirepass', password, '--masterauth', password],
    ...extra,
  ];
}

// A sentinel's own config file (sentinels rewrite theirs, so each has one).
function sentinelConfig(port: number, masterPort: number): string {
  const file = join(dir, `sentinel-${port}.conf`);
  writeFileSync(
    file,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `requirepass ${sentinelPassword}`,
      `sentinel sentinel-pass ${sentinelPassword}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel auth-pass ${name} ${password}`,
      `sentinel down-after-milliseconds ${name} 2000`,
      `sentinel failover-timeout ${name} 10000`,
      '',
    ].join('\n'),
  );
  return file;
}

/** The master's port as the sentinel at `port` names it. */
function masterPortSeenBy(port: number): number {
  const reply = cli(port, sentinelPassword, 'sentinel', 'get-master-addr-by-name', name);
  return Number(reply.split('\n')[1]);
}

/** How many of the service's keys the server at `port` holds in our database. */
function keysOn(port: number, service: TestService): number {
  const reply = cli(
    port,
    password,
    '-n',
    String(db),
    '--scan',
    '--pattern',
    `${service.config.keyPrefix}:*`,
  );
  return reply === '' ? 0 : reply.split('\n').length;
}

describe('Redis Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME)', () => {
  let service: TestService;
  let masterPort: number;
  let replicaPort: number;
  let sentinelPorts: number[];

  beforeAll(async () => {
    masterPort = await freePort();
    replicaPort = await freePort();
    sentinelPorts = [await freePort(), await freePort()];
    const nowhere = await freePort(); // REDIS_URL's port: nothing listens there
    await startRedis(masterPort, dataServer(masterPort), password);
    await startRedis(
      replicaPort,
      dataServer(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]),
      password,
    );
    await until('the replica in sync', () =>
      cli(replicaPort, password, 'info', 'replication').includes('master_link_status:up'),
    );
    for (const port of sentinelPorts)
      await startRedis(port, [sentinelConfig(port, masterPort), '--sentinel'], sentinelPassword);
    // each sentinel knows the replica and the other sentinel before anything fails over
    await until('the sentinels to know each other and the replica', () =>
      sentinelPorts.every((port) => {
        const master = cli(port, sentinelPassword, 'sentinel', 'master', name);
        const lines = master.split('\n');
        const field = (key: string) => Number(lines[lines.indexOf(key) + 1]);
        return field('num-slaves') === 1 && field('num-other-sentinels') === 1;
      }),
    );
    service = await startService({
      env: {
        REDIS_URL: `redis://:${password}@127.0.0.1:${nowhere}/${db}`,
        REDIS_SENTINELS: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
        REDIS_SENTINEL_NAME: name,
        REDIS_SENTINEL_PASSWORD: sentinelPassword,
      },
      workers: 1,
    });
  });

  afterAll(async () => {
    await service?.stop();
    await Promise.all(
      servers.map((s) =>
        s.exitCode === null ? new Promise((r) => s.once('exit', r).kill('SIGTERM')) : null,
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a job on the master the sentinels name, in REDIS_URL’s database', async () => {
    expect(masterPortSeenBy(sentinelPorts[0]!)).toBe(masterPort);
    const id = await runsAJob(service);
    expect(
      cli(
        masterPort,
        password,
        '-n',
        String(db),
        'exists',
        keysFor(service.config.keyPrefix, defaultTenant).job(id),
      ),
    ).toBe('1');
    expect(keysOn(masterPort, service)).toBeGreaterThan(0);
    expect(cli(masterPort, password, '-n', '0', 'dbsize')).toBe('0');
  });

  it('follows a failover mid-job: the running job goes on, and new jobs run on the new master', async () => {
    // a job far longer than the test: it runs through the failover, then is cancelled
    const long = await http(service, 'POST', '/v1/jobs', {
      network: xorNetwork,
      dataset: { generator: 'xor', samples: 4000, seed: 1 },
      training: { epochs: 1_000_000, learningRate: 0.5, seed: 2, tolerance: 0 },
    });
    expect(long.status).toBe(202);
    const epochNow = async () =>
      (await http(service, 'GET', `/v1/jobs/${long.body.id}`)).body as {
        status: string;
        progress: { epoch: number };
      };
    await until('the long job running', async () => (await epochNow()).progress.epoch > 0);
    expect(cli(sentinelPorts[0]!, sentinelPassword, 'sentinel', 'failover', name)).toBe('OK');
    await until('the sentinels to name the replica', () =>
      sentinelPorts.every((port) => masterPortSeenBy(port) === replicaPort),
    );
    await until('the old master to follow the new one', () =>
      cli(masterPort, password, 'info', 'replication').includes('role:slave'),
    );
    await until('the service ready again', async () => {
      const ready = await fetch(`${service.url}/readyz`).catch(() => undefined);
      return ready?.status === 200;
    });
    // the long job's progress goes on being written, now to the new master
    const after = (await epochNow()).progress.epoch;
    await until('the long job past the failover', async () => {
      const now = await epochNow();
      return now.status === 'running' && now.progress.epoch > after;
    });
    expect((await http(service, 'POST', `/v1/jobs/${long.body.id}/cancel`)).status).toBe(200);
    await until('the long job cancelled', async () => (await epochNow()).status === 'cancelled');
    const id = await runsAJob(service);
    // written on the new master (and copied to the old one, now its replica)
    expect(
      cli(
        replicaPort,
        password,
        '-n',
        String(db),
        'exists',
        keysFor(service.config.keyPrefix, defaultTenant).job(id),
      ),
    ).toBe('1');
  });
});
