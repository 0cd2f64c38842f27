// The API's one shared event reader across a Redis restart, with a Redis server this test starts
// itself: the streams open when Redis goes away end (their clients reconnect with
// Last-Event-ID), and once it is back new streams are served by the same reader again.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, http, startService, type TestService } from '../helpers/service.js';

const dir = mkdtempSync(join(tmpdir(), 'backprop-sse-redis-'));
let port = 0;
let redis: ChildProcess | undefined;
let service: TestService;

// redis-server with AOF in our folder, on our port; resolves once it answers PING.
async function startRedis(): Promise<void> {
  redis = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 200; i++) {
    const ping = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    if (ping.stdout.trim() === 'PONG') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not answer');
}

async function stopRedis(): Promise<void> {
  const r = redis;
  if (!r || r.exitCode !== null) return;
  await new Promise((done) => r.once('exit', done).kill('SIGTERM')); // writes the AOF out
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  service = await startService({
    // no heartbeat (and so no look at the job) within the test: what the streams get and when
    // they end comes from the shared reader alone
    env: { REDIS_URL: `redis://127.0.0.1:${port}`, SSE_HEARTBEAT_MS: '600000' },
  });
});

afterAll(async () => {
  await service?.stop();
  await stopRedis();
  rmSync(dir, { recursive: true, force: true });
});

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: RegExp) {
  let text = '';
  for (;;) {
    if (until.test(text)) return { text, ended: false };
    const chunk = await reader.read();
    if (chunk.done) return { text, ended: true };
    text += new TextDecoder().decode(chunk.value);
  }
}

describe('event streams across a Redis restart', () => {
  it('end while Redis is away, and are served again once it is back', async () => {
    const job = await http(service, 'POST', '/v1/jobs', {
      network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: { generator: 'sine' },
    });
    expect(job.status).toBe(202);
    const events = `${service.url}/v1/jobs/${job.body.id}/events`;
    const before = (await fetch(events)).body!.getReader();
    expect((await readUntil(before, /event: status/)).ended).toBe(false);

    await stopRedis();
    // the stream ends (not hangs), so its EventSource reconnects
    expect((await readUntil(before, /(?!)/)).ended).toBe(true);
    await startRedis();
    let res = await fetch(events);
    while (res.status === 503) res = await fetch(events); // until the API has reconnected
    expect(res.status).toBe(200);
    const after = res.body!.getReader();
    const first = await readUntil(after, /event: status/);
    expect(first.text).toContain('"status":"queued"');
    // live events reach it through the reader: the cancel's, and then the end
    expect((await http(service, 'POST', `/v1/jobs/${job.body.id}/cancel`)).status).toBe(200);
    const rest = await readUntil(after, /(?!)/);
    expect(rest.ended).toBe(true);
    expect(rest.text).toContain('event: cancelled');
  });
});
