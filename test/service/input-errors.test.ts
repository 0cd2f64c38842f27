// A job whose input is at fault (issue 12, defect 7): refused at submission when the spec can
// tell (a generator asked for more classes than rows), and when it gets to a worker all the same
// (queued before this check, or by another version) it fails once as `invalid_input` naming the
// problem, never `internal` after JOB_ATTEMPTS tries.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { newId } from '../../src/ids.js';
import { type JobRecord, resolveTraining } from '../../src/spec/index.js';
import { connectRedis, createStores } from '../../src/store/index.js';
import { follow } from '../helpers/events.js';
import { http, startService, type TestService, waitForJob } from '../helpers/service.js';

let service: TestService;
let redis: Redis;
beforeAll(async () => {
  // retries quick and several: a retried job would show more than one try at once
  service = await startService({
    env: { JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '10' },
    workers: 1,
  });
  redis = connectRedis(service.config.redisUrl);
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const network = {
  inputSize: 2,
  layers: [{ units: 100, activation: 'softmax' as const }],
  divergence: 'cross_entropy' as const,
};
const tooFewRows = { generator: 'spirals' as const, classes: 100, samples: 10 };

describe('input at fault', () => {
  it('POST /v1/jobs refuses 100 classes from 10 rows with a 400 naming dataset.samples', async () => {
    const res = await http(service, 'POST', '/v1/jobs', { network, dataset: tooFewRows });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        path: 'dataset.samples',
        message: 'must be at least 100, one per class',
      },
    ]);
  });

  it('a job that reaches a worker anyway fails invalid_input after exactly one try', async () => {
    // queued as an API without the check would have: record first, then the queue
    const stores = createStores(redis, service.config.keyPrefix, defaultTenant, {
      blobs: service.app.services.blobs,
    });
    const jobId = newId();
    const at = new Date().toISOString();
    const spec = { network, dataset: tooFewRows, training: resolveTraining({ epochs: 5 }) };
    const record: JobRecord = { id: jobId, status: 'queued', spec, createdAt: at };
    expect(await stores.jobs.create(record, { type: 'status', status: 'queued', at })).toBe('ok');
    const queue = service.app.services.queue;
    await queue.add('train', { jobId, tenant: defaultTenant, spec }, { jobId });

    const failed = await waitForJob(service, jobId, (j) => j.status === 'failed');
    expect(failed.error).toEqual({
      code: 'invalid_input',
      message: "the job's input was refused: samples: must be at least 100, one per class",
    });
    const events = await follow(service, jobId);
    expect(events.map((e) => e.type)).toEqual(['status', 'status', 'status', 'failed']);
    expect(events.filter((e) => e.type === 'retrying')).toHaveLength(0);
    // BullMQ's own record: one try, failed for good (not waiting for another)
    // the thread records the failure before BullMQ moves its job: wait for that move
    while ((await queue.getJobState(jobId)) === 'active')
      await new Promise((r) => setTimeout(r, 20));
    const bull = await queue.getJob(jobId);
    expect(bull?.attemptsMade).toBe(1);
    expect(await bull?.getState()).toBe('failed');
    expect(bull?.failedReason).toBe(failed.error.message);
  });
});
