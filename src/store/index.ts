// The Redis-backed stores, made together from one connection and one key prefix.
import type { Redis } from 'ioredis';
import { createCheckpointStore } from './checkpoints.js';
import { createDatasetStore } from './datasets.js';
import { createEventStore } from './events.js';
import { createJobStore } from './jobs.js';
import { createModelStore } from './models.js';
import { keysFor } from './redis.js';

/**
 * One tenant's stores. `finishedTtlSeconds`: how long a finished job's events and checkpoint stay
 * (0: for ever).
 */
export function createStores(
  redis: Redis,
  prefix: string,
  tenant: string,
  options: { finishedTtlSeconds?: number } = {},
) {
  const keys = keysFor(prefix, tenant);
  const ttl = options.finishedTtlSeconds ?? 0;
  return {
    keys,
    checkpoints: createCheckpointStore(redis, keys, ttl),
    datasets: createDatasetStore(redis, keys),
    events: createEventStore(redis, keys),
    jobs: createJobStore(redis, keys, ttl),
    models: createModelStore(redis, keys),
  };
}

export type Stores = ReturnType<typeof createStores>;

/** Each tenant's stores, made on first use and kept (a process serves a few tenants). */
export function storesByTenant(
  redis: Redis,
  prefix: string,
  options: { finishedTtlSeconds?: number } = {},
): (tenant: string) => Stores {
  const made = new Map<string, Stores>();
  return (tenant) => {
    let stores = made.get(tenant);
    if (!stores) {
      stores = createStores(redis, prefix, tenant, options);
      made.set(tenant, stores);
    }
    return stores;
  };
}
export { checkStoredSize, type DatasetMeta, storedBytesOf } from './datasets.js';
export * from './events.js';
export type { JobRecord, JobSpecRecord, Progress } from './jobs.js';
export type { StoredModel } from './models.js';
export * from './redis.js';
