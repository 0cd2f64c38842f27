// Per-tenant limits with real processes and Redis: queued jobs (429 with Retry-After, nothing
// left behind), jobs training at once (the rest wait their turn; other tenants are not held
// back), and requests per key per minute (@fastify/rate-limit, counted in Redis).
import { afterAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { connectRedis, keysUnder } from '../../src/store/index.js';
import { http, secondsLongJob, startService, type TestService } from '../helpers/service.js';

const alice = newApiKey('alice');
const bob = newApiKey('bob');
const as = (key: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${key}`,
  ...extra,
});
const tinyJob = (seed: number) => ({
  network: { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }], divergence: 'l2' },
  dataset: {
    inputs: [
      [0, 0],
      [1, 1],
    ],
    targets: [[0], [1]],
  },
  training: { epochs: 5, seed },
});

const services: TestService[] = [];
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
});

async function service(env: Record<string, string>, workers = 0) {
  const s = await startService({
    workers,
    env: { API_KEYS: `${alice.entry},${bob.entry}`, ...env },
  });
  services.push(s);
  return s;
}

describe('MAX_TENANT_QUEUED_JOBS', () => {
  it('answers 429 with Retry-After past the cap, keeps nothing of the refused job, and counts each tenant alone', async () => {
    const s = await service({ MAX_TENANT_QUEUED_JOBS: '2' }); // no workers: jobs stay queued
    const first = await http(s, 'POST', '/v1/jobs', tinyJob(1), as(alice.key));
    const second = await http(s, 'POST', '/v1/jobs', tinyJob(2), as(alice.key));
    expect([first.status, second.status]).toEqual([202, 202]);

    const redis = connectRedis(s.config.redisUrl);
    const before = await keysUnder(redis, s.config.keyPrefix);
    const refused = await http(
      s,
      'POST',
      '/v1/jobs',
      tinyJob(3),
      as(alice.key, { 'idempotency-key': 'third' }),
    );
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body.detail).toContain('MAX_TENANT_QUEUED_JOBS = 2');
    // no record, no inline dataset, no idempotency key of the refused request
    expect(await keysUnder(redis, s.config.keyPrefix)).toEqual(before);
    await redis.quit();

    // bob's queue is his own
    expect((await http(s, 'POST', '/v1/jobs', tinyJob(4), as(bob.key))).status).toBe(202);
    // a cancelled job frees a place; the refused key may be used again
    const cancelled = await http(
      s,
      'POST',
      `/v1/jobs/${first.body.id}/cancel`,
      undefined,
      as(alice.key),
    );
    expect(cancelled.body.status).toBe('cancelled');
    const retried = await http(
      s,
      'POST',
      '/v1/jobs',
      tinyJob(3),
      as(alice.key, { 'idempotency-key': 'third' }),
    );
    expect(retried.status).toBe(202);
  });

  it('holds under concurrent submissions: never more than the cap queued', async () => {
    const s = await service({ MAX_TENANT_QUEUED_JOBS: '5' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => http(s, 'POST', '/v1/jobs', tinyJob(i), as(alice.key))),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((c) => c === 202)).toHaveLength(5);
    expect(statuses.filter((c) => c === 429)).toHaveLength(15);
    const list = await http(s, 'GET', '/v1/jobs?status=queued&limit=100', undefined, as(alice.key));
    expect(list.body.jobs).toHaveLength(5);
  });
});

describe('MAX_TENANT_RUNNING_JOBS', () => {
  it("trains one of a tenant's jobs at a time while another tenant's runs beside it", async () => {
    const s = await service(
      { MAX_TENANT_RUNNING_JOBS: '1', TENANT_THROTTLE_DELAY_MS: '100', WORKER_CONCURRENCY: '3' },
      1,
    );
    const job = { ...secondsLongJob(1), training: { ...secondsLongJob(1).training, epochs: 8 } };
    const a1 = (await http(s, 'POST', '/v1/jobs', job, as(alice.key))).body.id;
    const a2 = (await http(s, 'POST', '/v1/jobs', job, as(alice.key))).body.id;
    const b1 = (await http(s, 'POST', '/v1/jobs', job, as(bob.key))).body.id;
    let aliceRunningAtOnce = 0;
    let aliceAndBobTogether = false;
    const get = async (id: string, key: string) =>
      (await http(s, 'GET', `/v1/jobs/${id}`, undefined, as(key))).body;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const [x, y, z] = await Promise.all([
        get(a1, alice.key),
        get(a2, alice.key),
        get(b1, bob.key),
      ]);
      const aliceRunning = [x, y].filter((j) => j.status === 'running').length;
      aliceRunningAtOnce = Math.max(aliceRunningAtOnce, aliceRunning);
      if (aliceRunning > 0 && z.status === 'running') aliceAndBobTogether = true;
      if ([x, y, z].every((j) => j.status === 'succeeded')) {
        // the second of alice's jobs started only after the first finished
        const [early, late] = [x, y].sort((p, q) => p.startedAt.localeCompare(q.startedAt));
        expect(late.startedAt >= early.finishedAt).toBe(true);
        break;
      }
      if (Date.now() > deadline) throw new Error('jobs did not finish');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(aliceRunningAtOnce).toBe(1);
    expect(aliceAndBobTogether).toBe(true);
  }, 120_000);
});

describe('RATE_LIMIT_PER_MINUTE', () => {
  it('answers 429 with Retry-After past the limit, per key, and never limits health checks', async () => {
    const s = await service({ RATE_LIMIT_PER_MINUTE: '5' });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++)
      codes.push((await http(s, 'GET', '/v1/jobs', undefined, as(alice.key))).status);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await http(s, 'GET', '/v1/jobs', undefined, as(alice.key));
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(limited.body.detail).toContain('RATE_LIMIT_PER_MINUTE = 5');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // bob's key has its own count; health checks are not counted
    expect((await http(s, 'GET', '/v1/jobs', undefined, as(bob.key))).status).toBe(200);
    for (let i = 0; i < 8; i++) expect((await http(s, 'GET', '/healthz')).status).toBe(200);
    // the count lives in Redis, under the service's prefix: a second API process sees it
    await s.restartApi();
    expect((await http(s, 'GET', '/v1/jobs', undefined, as(alice.key))).status).toBe(429);
  });
});
