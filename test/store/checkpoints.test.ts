// The checkpoint store against a real Redis: what is saved loads back exactly (bytes of every
// float, the double sums, an infinite best error), a save replaces the previous checkpoint whole,
// and delete removes it.

import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import type { TrainCheckpoint } from '../../src/engine/index.js';
import { connectRedis, createStores, deleteKeysUnder } from '../../src/store/index.js';

const prefix = `bp:test:${randomUUID().slice(0, 8)}`;
const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const stores = createStores(redis, prefix, defaultTenant);
afterAll(async () => {
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

const floats = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * 1e3 + 1 / (i + 1));

function checkpoint(withBest: boolean): TrainCheckpoint {
  return {
    epoch: 7,
    position: 48,
    errorSum: 123.45678901234567,
    correct: 41,
    order: Uint32Array.from([4, 0, 3, 1, 2, 4294967295]),
    random: 3735928559,
    params: { W: [floats(12, 1), floats(6, 2)], b: [floats(4, 3), floats(3, 4)] },
    optimizer: { steps: 31, slots: [floats(12, 5), floats(6, 6), floats(4, 7), floats(3, 8)] },
    best: withBest
      ? { W: [floats(12, 9), floats(6, 10)], b: [floats(4, 11), floats(3, 12)] }
      : null,
    bestError: withBest ? 0.25 : Number.POSITIVE_INFINITY,
    ...(withBest
      ? {
          bestReport: {
            epoch: 5,
            error: 0.3,
            validationError: 0.25,
            learningRate: 0.1,
            elapsedMs: 12.5,
            samplesPerSecond: 1e5,
          },
        }
      : {}),
    sinceBest: 2,
    calm: 1,
    elapsedMs: 1234.5,
  };
}

describe('checkpoint store', () => {
  it('loads back exactly what was saved, with and without best weights', async () => {
    for (const withBest of [true, false]) {
      const saved = checkpoint(withBest);
      await stores.checkpoints.save('job1', saved);
      expect(await stores.checkpoints.load('job1')).toEqual(saved);
    }
  });

  it('a save replaces the previous checkpoint whole; delete removes it', async () => {
    await stores.checkpoints.save('job2', checkpoint(true));
    await stores.checkpoints.save('job2', checkpoint(false));
    const loaded = await stores.checkpoints.load('job2');
    expect(loaded?.best).toBeNull();
    expect(await redis.hexists(stores.keys.checkpoint('job2'), 'best')).toBe(0);
    await stores.checkpoints.delete('job2');
    expect(await stores.checkpoints.load('job2')).toBeNull();
    expect(await stores.checkpoints.load('never')).toBeNull();
  });

  it('with a finished-job TTL, a checkpoint nobody finishes expires', async () => {
    const bounded = createStores(redis, prefix, defaultTenant, { finishedTtlSeconds: 60 });
    await bounded.checkpoints.save('job3', checkpoint(false));
    const ttl = await redis.ttl(bounded.keys.checkpoint('job3'));
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});
