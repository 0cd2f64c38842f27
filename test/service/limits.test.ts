// A job that trains longer than MAX_JOB_SECONDS fails with error.code time_limit, once: a
// failure of its own, not retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow } from '../helpers/events.js';
import { http, startService, type TestService, waitForJob } from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startService({ env: { MAX_JOB_SECONDS: '1', WORKER_CONCURRENCY: '1' } });
  await service.startWorker();
});
afterAll(() => service?.stop());

describe('MAX_JOB_SECONDS', () => {
  it('fails a job that runs past it with time_limit, without retrying it', async () => {
    const submitted = await http(service, 'POST', '/v1/jobs', {
      network: {
        inputSize: 64,
        layers: [
          { units: 256, activation: 'relu' },
          { units: 10, activation: 'softmax' },
        ],
        divergence: 'cross_entropy',
      },
      dataset: { builtin: 'digits', subset: 'train' },
      training: { epochs: 100_000, batchSize: 4, tolerance: 0, seed: 1 },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id;
    const failed = await waitForJob(service, id, (j) => j.status === 'failed', 30_000);
    expect(failed.error).toEqual({
      code: 'time_limit',
      message: 'training ran longer than the 1 s a job may (MAX_JOB_SECONDS)',
    });
    const events = await follow(service, id);
    expect(events.filter((e) => e.type === 'failed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'retrying')).toHaveLength(0);
    // BullMQ saw the attempt end normally: nothing will try it again
    const queued = await service.app.services.queue.getJob(id);
    expect(queued ? await queued.getState() : 'removed').not.toMatch(/waiting|delayed|active/);
    expect(queued?.attemptsMade ?? 0).toBeLessThanOrEqual(1);
  });
});
