// Two workers and a Redis outage longer than the worker lock: the job's lock lapses, the other
// worker takes the job over from its checkpoint, and the first, once Redis is back, finds its
// fence taken at its next write and stops, writing nothing more. The job ends once, with the
// weights and history of an uninterrupted run and each epoch's event exactly once, in order;
// the blob store ends with the two models' files only (no checkpoint's, none the loser put).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/store/index.js';
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

beforeAll(async () => {
  redis = await redisServer();
  service = await startService({
    workers: 2,
    env: {
      REDIS_URL: redis.url,
      WORKER_LOCK_MS: '1000',
      WORKER_CONCURRENCY: '1',
      CHECKPOINT_INTERVAL_MS: '200',
      JOB_BACKOFF_MS: '200',
    },
  });
});

afterAll(async () => {
  await service?.stop();
  await redis?.remove();
});

const job = secondsLongJob(5, { epochs: 60 });
const epochs = Array.from({ length: 60 }, (_, i) => i + 1);

describe('a Redis outage longer than the worker lock, with two workers', () => {
  it('one worker trains the job to the end; the one that lost it writes nothing', async () => {
    const reference = (await http(service, 'POST', '/v1/jobs', job)).body.id;
    const done = await waitForJob(service, reference, (j) => j.status === 'succeeded', 120_000);
    const expected = (await http(service, 'GET', `/v1/models/${done.modelId}`)).body;

    const id = (await http(service, 'POST', '/v1/jobs', job)).body.id;
    await waitForJob(service, id, (j) => j.progress.epoch >= 8, 120_000);
    await redis.stop();
    // away for three lock periods: the job's lock lapses while its thread waits for Redis
    await new Promise((r) => setTimeout(r, 3000));
    await redis.start();
    const finished = await waitForJob(service, id, (j) => j.status === 'succeeded', 180_000);
    const model = (await http(service, 'GET', `/v1/models/${finished.modelId}`)).body;
    expect(model.weights).toEqual(expected.weights);
    expect(model.history).toEqual(expected.history);

    const events = await follow(service, id);
    expect(events.filter((e) => e.type === 'epoch').map((e) => e.data.epoch)).toEqual(epochs);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'status').map((e) => e.data.status)).toEqual([
      'queued',
      'running',
      'succeeded',
    ]);
    const resumed = events.filter((e) => e.type === 'resumed');
    expect(resumed.length).toBeGreaterThanOrEqual(1); // the job was taken over

    // the loser may still be dropping a checkpoint it put in the outage: wait for the store to
    // settle (at most a few seconds), then it holds the models' files and nothing else
    const client = connectRedis(redis.url);
    const blobs = await service.blobs();
    try {
      const modelBlobs: string[] = [];
      for (const modelId of [done.modelId, finished.modelId]) {
        const key = `${service.config.keyPrefix}:tenant:default:model:${modelId}`;
        modelBlobs.push(
          (JSON.parse((await client.get(key))!) as { weights: { blob: string } }).weights.blob,
        );
      }
      const stored = async () => {
        const keys: string[] = [];
        for await (const key of blobs.list()) keys.push(key);
        return keys.sort();
      };
      for (let i = 0; i < 50 && (await stored()).length > 2; i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(await stored()).toEqual(modelBlobs.sort());
    } finally {
      await Promise.all([client.quit(), blobs.close()]);
    }
    process.stdout.write(
      `after the outage: resumed from epoch ${resumed.map((e) => e.data.epoch).join(', ')}\n`,
    );
  }, 300_000);
});
