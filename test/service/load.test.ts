// Many jobs at once, with a worker killed while they run: every job completes exactly once,
// with one model each, and none is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/store/index.js';
import { http, startService, type TestService } from '../helpers/service.js';

const jobs = 400;
let service: TestService;
beforeAll(async () => {
  service = await startService({ env: { WORKER_LOCK_MS: '1000', WORKER_CONCURRENCY: '2' } });
  await Promise.all([service.startWorker(), service.startWorker()]);
});
afterAll(() => service?.stop());

const job = (seed: number) => ({
  network: {
    inputSize: 2,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    divergence: 'binary_cross_entropy',
  },
  dataset: { generator: 'xor', samples: 64, seed },
  training: { epochs: 200, seed, tolerance: 0 },
});

describe('under load', () => {
  it(`${jobs} jobs submitted at once all complete exactly once, through a worker's death`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < jobs; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, jobs - i) }, (_, k) =>
          http(service, 'POST', '/v1/jobs', job(i + k)),
        ),
      );
      for (const r of batch) {
        expect(r.status).toBe(202);
        ids.push(r.body.id);
      }
    }
    // one worker dies with jobs in hand; another takes its place
    await new Promise((r) => setTimeout(r, 300));
    const victim = service.workers[0]!;
    await new Promise((r) => victim.once('exit', r).kill('SIGKILL'));
    await service.startWorker();

    const deadline = Date.now() + 120_000;
    let pending = [...ids];
    while (pending.length > 0) {
      if (Date.now() > deadline) throw new Error(`${pending.length} jobs never finished`);
      const views = await Promise.all(
        pending.map((id) => http(service, 'GET', `/v1/jobs/${id}`).then((r) => r.body)),
      );
      for (const v of views) expect(['queued', 'running', 'succeeded']).toContain(v.status);
      pending = views.filter((v) => v.status !== 'succeeded').map((v) => v.id);
      if (pending.length > 0) await new Promise((r) => setTimeout(r, 200));
    }
    // exactly one model per job
    const redis = connectRedis(service.config.redisUrl);
    const keys = (await redis.keys(`${service.config.keyPrefix}:tenant:default:model:*`)).filter(
      (key) => !key.endsWith(':summary'), // each model's summary for the list
    );
    const owners = await Promise.all(
      keys.map(async (k) => (JSON.parse((await redis.get(k))!) as { jobId: string }).jobId),
    );
    await redis.quit();
    expect(owners.length).toBe(jobs);
    expect(new Set(owners)).toEqual(new Set(ids));
    process.stdout.write(`${jobs} jobs under load: ${jobs} succeeded, ${owners.length} models\n`);
  });
});
