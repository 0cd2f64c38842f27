// What a long job leaves in Redis is bounded: its event stream keeps about MAX_JOB_EVENTS of
// the newest events (the final ones among them), the model's history at most MAX_HISTORY_POINTS
// (first and last epoch kept), and a stream resumed from a trimmed id gives what is still kept,
// ending with `done`. Real API, worker process and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, createStores } from '../../src/store/index.js';
import { follow } from '../helpers/events.js';
import {
  http,
  startService,
  type TestService,
  waitForJob,
  xorNetwork,
} from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startService({
    workers: 1,
    env: { MAX_JOB_EVENTS: '200', MAX_HISTORY_POINTS: '50' },
  });
});
afterAll(async () => {
  await service?.stop();
});

const epochs = 3000;
const longJob = {
  network: xorNetwork,
  dataset: { generator: 'xor', samples: 8, seed: 1 },
  training: { epochs, learningRate: 0.5, seed: 2, tolerance: 0 },
};

describe('a job of many epochs', () => {
  it('leaves a trimmed stream and a model history of bounded resolution', async () => {
    const id = (await http(service, 'POST', '/v1/jobs', longJob)).body.id;
    const done = await waitForJob(service, id, (j) => j.status === 'succeeded', 120_000);
    expect(done.metrics.epochs).toBe(epochs);
    const redis = connectRedis(service.config.redisUrl);
    const stores = createStores(redis, service.config.keyPrefix, 'default', {
      blobs: service.app.services.blobs,
    });
    try {
      // MAXLEN ~ trims whole stream nodes (100 entries here), so a little over 200 may stay
      const length = await redis.xlen(stores.keys.jobEvents(id));
      expect(length).toBeGreaterThanOrEqual(200);
      expect(length).toBeLessThanOrEqual(300);
      const kept = await stores.events.after(id, '0', 1000);
      expect(kept.map((e) => e.event.type).slice(-2)).toEqual(['status', 'done']);
      const epochsKept = kept.filter((e) => e.event.type === 'epoch').map((e) => e.event);
      expect(epochsKept[epochsKept.length - 1]).toMatchObject({ epoch: epochs });

      const model = (await http(service, 'GET', `/v1/models/${done.modelId}`)).body;
      const history = model.history.map((h: { epoch: number }) => h.epoch);
      expect(history.length).toBeLessThanOrEqual(50);
      expect(history[0]).toBe(1);
      expect(history[history.length - 1]).toBe(epochs);
      process.stdout.write(
        `${epochs} epochs: ${length} events kept, ${history.length} history points\n`,
      );

      // resuming from an id trimmed long ago: the events still kept, then the stream ends
      const resumed = await follow(service, id, { lastEventId: '1-0' });
      expect(resumed.length).toBe(length);
      expect(resumed[resumed.length - 1]!.type).toBe('done');
    } finally {
      await redis.quit();
    }
  });
});
