// The Redis-backed stores, made together from one connection and one key prefix.
import type { Redis } from 'ioredis';
import type { BlobStore } from './blobs/index.js';
import { createCheckpointStore } from './checkpoints.js';
import { createDatasetStore } from './datasets.js';
import { createEventStore } from './events.js';
import { createIdempotencyStore } from './idempotency.js';
import { createJobStore } from './jobs.js';
import { createModelStore } from './models.js';
import { createOutputStore } from './outputs.js';
import { keysFor } from './redis.js';
import { createSweepStore } from './sweeps.js';
import { createUsage } from './usage.js';

export interface StoreOptions {
  /** How long a finished job's record, events and checkpoint stay (0: for ever). */
  finishedTtlSeconds?: number;
  /** About how many events each job's stream keeps (0: all). */
  maxJobEvents?: number;
  /** The most bytes of datasets and models a tenant may store (0: no quota). */
  storageQuotaBytes?: number;
  /** Where datasets', models' and checkpoints' bytes go (issue 16); without one, in Redis. */
  blobs?: BlobStore;
}

/** One tenant's stores. */
export function createStores(
  redis: Redis,
  prefix: string,
  tenant: string,
  options: StoreOptions = {},
) {
  const keys = keysFor(prefix, tenant);
  const ttl = options.finishedTtlSeconds ?? 0;
  const maxEvents = options.maxJobEvents ?? 0;
  const usage = createUsage(redis, keys, options.storageQuotaBytes ?? 0);
  return {
    keys,
    usage,
    checkpoints: createCheckpointStore(redis, keys, ttl, options.blobs),
    datasets: createDatasetStore(redis, keys, usage, options.blobs),
    events: createEventStore(redis, keys, maxEvents),
    idempotency: createIdempotencyStore(redis, keys),
    jobs: createJobStore(redis, keys, {
      finishedTtlSeconds: ttl,
      maxEvents,
      blobs: options.blobs,
    }),
    models: createModelStore(redis, keys, options.blobs),
    outputs: createOutputStore(redis, keys),
    sweeps: createSweepStore(redis, keys),
  };
}

export type Stores = ReturnType<typeof createStores>;

/** Each tenant's stores, made on first use and kept (a process serves a few tenants). */
export function storesByTenant(
  redis: Redis,
  prefix: string,
  options: StoreOptions = {},
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
export {
  checkStoredSize,
  type DatasetMeta,
  isReady,
  type PendingDatasetMeta,
  type ReadData,
  type ReadyDatasetMeta,
  type RowsDatasetMeta,
  readyOrRefuse,
  storedBytesOf,
  type TableDatasetMeta,
  type UploadKind,
} from './datasets.js';
export * from './events.js';
export type { Fence } from './fence.js';
export {
  fileDocumentOf,
  type ModelListOptions,
  type ModelSummary,
  type NameRecord,
  namingOf,
  type StoredModel,
  summaryOf,
} from './models.js';
export * from './redis.js';
export {
  type NewTrial,
  type SweepBest,
  type SweepEnd,
  type SweepListOptions,
  type SweepModel,
  type SweepStatus,
  type SweepSummary,
  type SweepTrial,
  type SweepView,
  sweepStatuses,
  type TrialEnd,
  type TrialStatus,
  trialStatuses,
} from './sweep-record.js';
