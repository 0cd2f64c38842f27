// Redis key names. Every key lives under the configured prefix (`bp` in
// production, `bp:test:<run>` in tests), so a test run can find and remove exactly its own.
// The connections themselves are made in connection.ts.
import type { Redis } from 'ioredis';

import { scanTargets } from './connection.js';

export {
  bullConnection,
  connectRedis,
  duplicateRedis,
  type RedisTarget,
  redisOptions,
  scanTargets,
} from './connection.js';

export type Keys = ReturnType<typeof keysFor>;

/**
 * The key names of one tenant's things. Each tenant's datasets, jobs, models and idempotency
 * keys live under `<prefix>:tenant:<name>`, so one tenant's id never names another's record and
 * every list is the tenant's own. The pub/sub channels are shared (ids are unique).
 */
export function keysFor(prefix: string, tenant: string) {
  const own = `${prefix}:tenant:${tenant}`;
  return {
    prefix,
    tenant,
    /** Every key of this tenant starts with this. */
    own,
    dataset: (id: string) => `${own}:dataset:${id}`,
    /** Sorted set of the uploaded datasets' ids (score 0, by id = creation time; not a job's own rows). */
    datasets: `${own}:datasets`,
    job: (id: string) => `${own}:job:${id}`,
    jobEvents: (id: string) => `${own}:job:${id}:events`,
    /** The id of the model a job makes (claimed once). */
    jobModel: (id: string) => `${own}:job:${id}:model`,
    /** The running job's latest training checkpoint (a hash; gone once the job ends). */
    checkpoint: (id: string) => `${own}:job:${id}:checkpoint`,
    /** Sorted set of every job id (score 0, ordered by id = creation time). */
    jobs: `${own}:jobs`,
    /** Prefix of the per-status sorted sets: `${jobsByStatus}queued`, … */
    jobsByStatus: `${own}:jobs:status:`,
    /** Finished jobs by the time (s) their keys expire, for the sweep that takes them off lists. */
    expiringJobs: `${own}:jobs:expiring`,
    /** Every tenant's jobs by status, counted together (for /metrics). */
    jobCounts: `${prefix}:metrics:jobs-by-status`,
    model: (id: string) => `${own}:model:${id}`,
    ...blobKeysFor(prefix),
    /** A model's summary hash (json, name, version): what the model list reads. */
    modelSummary: (id: string) => `${own}:model:${id}:summary`,
    /** Sorted set of every model id (score 0, ordered by id = creation time). */
    models: `${own}:models`,
    /** Sorted set of the names that have a version. */
    names: `${own}:names`,
    /** A name's versions: hash version → model id. */
    nameVersions: (name: string) => `${own}:name:${name}:versions`,
    /** A name's aliases: hash alias → version. */
    nameAliases: (name: string) => `${own}:name:${name}:aliases`,
    /** A name's last version handed out (INCR; versions are never reused). */
    nameCounter: (name: string) => `${own}:name:${name}:counter`,
    idempotency: (key: string) => `${own}:idempotency:${key}`,
    /** A sweep's hash (issue 17): status, request, objective, best trial, counts by status. */
    sweep: (id: string) => `${own}:sweep:${id}`,
    /** A sweep's trials, one hash: `<index>:params|spec|job|status|epochs|metric` → value. */
    sweepTrials: (id: string) => `${own}:sweep:${id}:trials`,
    /** A sweep's trial jobs: hash job id → trial index. */
    sweepJobs: (id: string) => `${own}:sweep:${id}:jobs`,
    /** The rungs' epochs a sweep has recorded values at (a set; for delete). */
    sweepRungs: (id: string) => `${own}:sweep:${id}:rungs`,
    /** One ASHA rung: hash trial index → its value there (`''`: the rungs' prefix). */
    sweepRung: (id: string, epoch: number | '') => `${own}:sweep:${id}:rung:${epoch}`,
    /** Sorted set of every sweep id (score 0, ordered by id = creation time). */
    sweeps: `${own}:sweeps`,
    /** Prefix of the per-status sorted sets of sweep ids: `${sweepsByStatus}running`, … */
    sweepsByStatus: `${own}:sweeps:status:`,
    ...channelsFor(prefix),
  };
}

/** The blob store's bookkeeping, one for the whole prefix (blobs are shared: blob-refs.ts). */
export function blobKeysFor(prefix: string) {
  return {
    /** Blob key → how many records name it. */
    blobRefs: `${prefix}:blob-refs`,
    /** Blob key → until when (ms) it is being deleted: a save of that content waits, then puts it again. */
    blobDeleting: `${prefix}:blob-deleting`,
    /** Held (SET NX, expiring) by the process whose orphan sweep runs this round. */
    blobSweep: `${prefix}:blob-sweep`,
  };
}

/** The pub/sub channels every API and worker process of a prefix shares. */
export function channelsFor(prefix: string) {
  return {
    /** A job id published here asks the worker running it to stop. */
    cancelChannel: `${prefix}:cancel`,
    /** `tenant/id` of a deleted model, so that API processes drop their cached copy. */
    modelDeletedChannel: `${prefix}:model-deleted`,
  };
}

/**
 * Upper bounds (seconds) of the epoch-duration histogram's buckets: workers count epochs into
 * them and the API exposes them, so both read this one list. From a tiny network's milliseconds
 * to a large one's minutes.
 */
export const epochSecondsBuckets = [
  0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300,
] as const;

/**
 * The service-wide metrics workers keep in Redis for the API's /metrics: training happens in
 * other processes, so these are counted where it happens and read at scrape time.
 */
export function metricsKeysFor(prefix: string) {
  const own = `${prefix}:metrics`;
  return {
    /** Epochs trained, by every worker (INCR). */
    epochs: `${own}:epochs`,
    /**
     * The epoch-duration histogram, a hash: how many epochs fell in each bucket (field: its upper
     * bound, `epochBucketOf`; not cumulative, so an epoch is one HINCRBY) and `sum`, the seconds
     * over all epochs. The API adds the buckets up into Prometheus's cumulative ones.
     */
    epochSeconds: `${own}:epoch-seconds`,
    /** Jobs by status over every tenant, a hash kept by the job store's scripts as jobs move. */
    jobsByStatus: `${own}:jobs-by-status`,
  };
}

/** The field of the epoch-duration hash that an epoch of `seconds` counts in. */
export function epochBucketOf(seconds: number): string {
  return String(epochSecondsBuckets.find((bound) => seconds <= bound) ?? '+Inf');
}

/** Every key under the prefix, sorted (by SCAN: never blocks Redis as KEYS would). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (const server of await scanTargets(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = await server.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys.sort();
}

/** Deletes every key under the prefix (tests clean up only their own keys with this). */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<number> {
  const keys = await keysUnder(redis, prefix);
  let deleted = 0;
  for (let i = 0; i < keys.length; i += 500)
    deleted += await redis.unlink(...keys.slice(i, i + 500));
  return deleted;
}

/**
 * A page of a sorted set of ids (score 0, ids ordering by creation time), newest first: at most
 * `limit` after `cursor` (the last id of the page before), and the cursor of the next page.
 */
export async function pageOfIds(
  redis: Redis,
  set: string,
  limit: number,
  cursor?: string,
): Promise<{ page: string[]; nextCursor: string | null }> {
  const ids = await redis.zrevrangebylex(
    set,
    cursor ? `(${cursor}` : '+',
    '-',
    'LIMIT',
    0,
    limit + 1,
  );
  const page = ids.slice(0, limit);
  return { page, nextCursor: ids.length > limit ? page[page.length - 1]! : null };
}
