// Redis restarting (AOF on) under a running job, with a Redis server this test starts itself:
// the API answers 503 on /readyz while it is away and recovers by itself; the training thread's
// try fails (an infrastructure failure), BullMQ tries again after a backoff and that try resumes
// from the checkpoint; the job completes once, with the weights of an uninterrupted run.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow } from '../helpers/events.js';
import { type RedisServer, redisServer } from '../helpers/redis-server.js';
import {
  http,
  secondsLongJob,
  startService,
  type TestService,
  waitForJob,
} from '../helpers/service.js';

let redis: RedisServer;
let service: TestService;

const job = secondsLongJob(4);

beforeAll(async () => {
  redis = await redisServer();
  service = await startService({
    env: {
      REDIS_URL: redis.url,
      WORKER_LOCK_MS: '1000',
      WORKER_CONCURRENCY: '1',
      CHECKPOINT_INTERVAL_MS: '200',
      JOB_BACKOFF_MS: '200',
      // a training thread gives up on Redis at once: the outage fails its try, and the next
      // try resumes from the checkpoint
      WORKER_REDIS_RETRIES: '1',
    },
  });
  await service.startWorker();
});

afterAll(async () => {
  await service?.stop();
  await redis?.remove();
});

const ready = async () => (await fetch(`${service.url}/readyz`)).status;

describe('Redis restarting mid-run', () => {
  it('503 while it is away, then the job completes once with uninterrupted weights', async () => {
    const reference = (await http(service, 'POST', '/v1/jobs', job)).body.id;
    const done = await waitForJob(service, reference, (j) => j.status === 'succeeded', 120_000);
    const expected = (await http(service, 'GET', `/v1/models/${done.modelId}`)).body.weights;

    const id = (await http(service, 'POST', '/v1/jobs', job)).body.id;
    await waitForJob(service, id, (j) => j.progress.epoch >= 10, 120_000);
    await redis.stop();
    expect(await ready()).toBe(503);
    expect((await fetch(`${service.url}/v1/jobs/${id}`)).status).toBe(503);
    await new Promise((r) => setTimeout(r, 1500)); // away for a while: the job's lock lapses
    await redis.start();
    // the API reconnects by itself
    const deadline = Date.now() + 15_000;
    while ((await ready()) !== 200) {
      if (Date.now() > deadline) throw new Error('/readyz did not recover');
      await new Promise((r) => setTimeout(r, 100));
    }
    const finished = await waitForJob(service, id, (j) => j.status === 'succeeded', 120_000);
    expect((await http(service, 'GET', `/v1/models/${finished.modelId}`)).body.weights).toEqual(
      expected,
    );
    const events = await follow(service, id);
    expect(events.filter((e) => e.type === 'epoch').map((e) => e.data.epoch)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
    // the outage failed a try and the job went on from its checkpoint (taken up again by the
    // retry, or first by the stalled-job check when the lock lapsed meanwhile)
    const queued = await service.app.services.queue.getJob(id);
    expect(queued?.attemptsMade ?? 0).toBeGreaterThanOrEqual(1);
    const resumed = events.filter((e) => e.type === 'resumed');
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    process.stdout.write(
      `after the Redis restart: ${queued?.attemptsMade} failed tries, ${resumed.length} resumed events (from epoch ${resumed.map((e) => e.data.epoch).join(', ')})\n`,
    );
    // one model for the job: it did not run twice to completion
    const client = new Redis(redis.port, '127.0.0.1');
    const models = (await client.keys(`${service.config.keyPrefix}:tenant:default:model:*`)).filter(
      (key) => !key.endsWith(':summary'), // each model's summary for the list
    );
    await client.quit();
    expect(models).toHaveLength(2); // the reference's and this job's
  });
});
