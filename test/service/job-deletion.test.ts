// DELETE /v1/jobs/:id: a finished job goes with everything it owns (record, events, checkpoint,
// Idempotency-Key, inline dataset) but not its model; 204 then 404; a queued or running job is a
// 409 saying to cancel it first; another tenant's id answers as a missing one. An inline dataset
// is the job's: it goes when the job finishes. Real API, worker process and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { connectRedis, createStores, keysUnder, metricsKeysFor } from '../../src/store/index.js';
import {
  http,
  secondsLongJob,
  startService,
  type TestService,
  xorNetwork,
  xorRows,
} from '../helpers/service.js';

const alice = newApiKey('alice');
const bob = newApiKey('bob');
const as = (key: string, more: Record<string, string> = {}) => ({
  authorization: `Bearer ${key}`,
  ...more,
});

const inlineJob = {
  network: xorNetwork,
  dataset: xorRows,
  training: { epochs: 50, learningRate: 2, seed: 3 },
};

let service: TestService;
let redis: ReturnType<typeof connectRedis>;
beforeAll(async () => {
  service = await startService({
    workers: 1,
    env: { API_KEYS: [alice.entry, bob.entry].join(','), WORKER_CONCURRENCY: '1' },
  });
  redis = connectRedis(service.config.redisUrl);
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const stores = () =>
  createStores(redis, service.config.keyPrefix, 'alice', {
    blobs: service.app.services.blobs,
  });

/** Alice's job once `done(job)` (waitForJob, with her key). */
async function waitFor(id: string, done: (job: any) => boolean) {
  for (;;) {
    const job = (await http(service, 'GET', `/v1/jobs/${id}`, undefined, as(alice.key))).body;
    if (done(job)) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('DELETE /v1/jobs/:id', () => {
  it('a finished job with all it owns, not its model: 204, then 404', async () => {
    const submitted = await http(
      service,
      'POST',
      '/v1/jobs',
      inlineJob,
      as(alice.key, { 'idempotency-key': 'delete-me' }),
    );
    expect(submitted.status).toBe(202);
    const id = submitted.body.id as string;
    const datasetId = submitted.body.spec.dataset.id as string;
    const { keys } = stores();
    const done = await waitFor(id, (j) => j.status !== 'queued' && j.status !== 'running');
    expect(done.status).toBe('succeeded');
    // the inline dataset went with the job's end, and counts no more
    expect(await redis.exists(keys.dataset(datasetId))).toBe(0);
    expect(await redis.hget(`${keys.own}:usage`, `dataset:${datasetId}`)).toBeNull();
    expect(await redis.exists(keys.idempotency('delete-me'))).toBe(1);
    const counts = metricsKeysFor(service.config.keyPrefix).jobsByStatus;
    const succeeded = Number(await redis.hget(counts, 'succeeded'));

    // another tenant's id answers as a missing one, and leaves it be
    const missing = await http(service, 'DELETE', '/v1/jobs/01NOPE', undefined, as(bob.key));
    const foreign = await http(service, 'DELETE', `/v1/jobs/${id}`, undefined, as(bob.key));
    expect(foreign.status).toBe(404);
    expect(foreign.body.title).toBe(missing.body.title);
    expect(foreign.body.detail).toBe(missing.body.detail.replace('01NOPE', id));

    const deleted = await http(service, 'DELETE', `/v1/jobs/${id}`, undefined, as(alice.key));
    expect(deleted.status).toBe(204);
    expect(await keysUnder(redis, keys.job(id))).toEqual([]);
    expect(await redis.exists(keys.idempotency('delete-me'))).toBe(0);
    expect(await redis.zscore(keys.jobs, id)).toBeNull();
    expect(await redis.zscore(`${keys.jobsByStatus}succeeded`, id)).toBeNull();
    expect(Number(await redis.hget(counts, 'succeeded'))).toBe(succeeded - 1);
    const model = await http(
      service,
      'GET',
      `/v1/models/${done.modelId}`,
      undefined,
      as(alice.key),
    );
    expect(model.status).toBe(200);

    const again = await http(service, 'DELETE', `/v1/jobs/${id}`, undefined, as(alice.key));
    expect(again.status).toBe(404);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await http(service, 'GET', `/v1/jobs/${id}`, undefined, as(alice.key))).status).toBe(
      404,
    );
    const list = await http(service, 'GET', '/v1/jobs', undefined, as(alice.key));
    expect(list.body.jobs.map((j: { id: string }) => j.id)).not.toContain(id);
  });

  it('a running job is a 409 saying to cancel it first; cancelled, it deletes', async () => {
    const job = secondsLongJob(3);
    const id = (await http(service, 'POST', '/v1/jobs', job, as(alice.key))).body.id as string;
    expect((await waitFor(id, (j) => j.status !== 'queued')).status).toBe('running');
    const refused = await http(service, 'DELETE', `/v1/jobs/${id}`, undefined, as(alice.key));
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('is running');
    expect(refused.body.detail).toContain(`POST /v1/jobs/${id}/cancel`);
    expect(await redis.exists(stores().keys.job(id))).toBe(1);

    await http(service, 'POST', `/v1/jobs/${id}/cancel`, undefined, as(alice.key));
    await waitFor(id, (j) => j.status === 'cancelled');
    const deleted = await http(service, 'DELETE', `/v1/jobs/${id}`, undefined, as(alice.key));
    expect(deleted.status).toBe(204);
    expect(await keysUnder(redis, stores().keys.job(id))).toEqual([]);
  });

  it('a queued job is a 409 too; its inline dataset goes when it is cancelled', async () => {
    // the one worker slot is busy with this job, so the next one waits in the queue
    const busy = (await http(service, 'POST', '/v1/jobs', secondsLongJob(4), as(alice.key))).body
      .id as string;
    const queued = await http(service, 'POST', '/v1/jobs', inlineJob, as(alice.key));
    const id = queued.body.id as string;
    const datasetId = queued.body.spec.dataset.id as string;
    const { keys } = stores();
    const refused = await http(service, 'DELETE', `/v1/jobs/${id}`, undefined, as(alice.key));
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('is queued');
    expect(await redis.exists(keys.dataset(datasetId))).toBe(1);
    await http(service, 'POST', `/v1/jobs/${id}/cancel`, undefined, as(alice.key));
    expect(await redis.exists(keys.dataset(datasetId))).toBe(0);
    expect(await redis.hget(`${keys.own}:usage`, `dataset:${datasetId}`)).toBeNull();
    await http(service, 'POST', `/v1/jobs/${busy}/cancel`, undefined, as(alice.key));
  });
});
