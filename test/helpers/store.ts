// For the store suites: a Redis connection under a key prefix of the suite's own (its keys are
// removed after the suite), and the smallest job spec a job record can hold.
import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { connectRedis, deleteKeysUnder, type StoredModel } from '../../src/store/index.js';

/** Call at a suite's top level: the connection and prefix, cleaned up after the suite. */
export function scratchRedis() {
  const prefix = `bp:test:${randomUUID().slice(0, 8)}`;
  const redis = connectRedis('redis://127.0.0.1:6379');
  afterAll(async () => {
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
  });
  return { redis, prefix };
}

/** A job spec for records only (nothing trains it). */
export const recordOnlySpec = {
  network: {
    inputSize: 1,
    layers: [{ units: 1, activation: 'identity' as const }],
    divergence: 'l2' as const,
  },
  dataset: { generator: 'sine' as const },
  training: {} as never,
};

/** The smallest whole model document (a 1-1 identity network), under `id`. */
export function storedModel(id: string, fields: Partial<StoredModel> = {}): StoredModel {
  return {
    id,
    format: 'backprop-model/1',
    createdAt: new Date().toISOString(),
    network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
    training: {},
    weights: [{ W: [[0.5]], b: [0.1] }],
    scaler: null,
    metrics: {
      epochs: 3,
      stopReason: 'max_epochs',
      stopMessage: 'reached the maximum of 3 epochs',
      trainRows: 10,
      validationRows: 0,
      durationMs: 1,
    },
    history: [],
    ...fields,
  };
}

/**
 * The bytes of the dataset file a stored dataset names (its hash's `blob`) in `blobs`, and the
 * hash's fields: what a dataset's `bytes` counts (issue 16).
 */
export async function datasetFile(
  redis: import('ioredis').Redis,
  key: string,
  blobs: import('../../src/store/blobs/index.js').BlobStore,
): Promise<{ fields: string[]; bytes: number }> {
  const fields = (await redis.hkeys(key)).sort();
  const blob = await redis.hget(key, 'blob');
  let bytes = 0;
  const stream = blob ? await blobs.get(blob) : null;
  if (stream) for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return { fields, bytes };
}
