// Job records in Redis: one hash per job, a sorted set of all job ids and one per status (ids
// sort by creation time, so listing pages newest first by id). Status changes are atomic and
// conditional (Lua, job-scripts.ts), fenced per try, and write their events in the same step.
import type { Redis } from 'ioredis';
import {
  finalStatuses,
  type JobEvent,
  type JobRecord,
  type JobStatus,
  type Progress,
} from '../spec/index.js';
import { blobRefs } from './blob-refs.js';
import type { BlobStore } from './blobs/index.js';
import type { Fence } from './fence.js';
import { fromHash, toHash } from './job-record.js';
import {
  claimScript,
  createScript,
  discardScript,
  removeScript,
  setSpecScript,
  sweepBatch,
  sweepScript,
  transitionScript,
} from './job-scripts.js';
import { type Keys, pageOfIds } from './redis.js';
import { usageKey } from './usage.js';

export interface ListOptions {
  status?: JobStatus | undefined;
  limit: number;
  /** The last id of the previous page. */
  cursor?: string | undefined;
  /** Only these jobs (a sweep's trials: at most its trial count), those that exist. */
  ids?: readonly string[] | undefined;
}

export interface JobStoreOptions {
  /** How long a finished job's record, events and model-id claim are kept (0: for ever). */
  finishedTtlSeconds?: number;
  /** About how many events each job's stream keeps (0: all). */
  maxEvents?: number;
  /** Where checkpoints' blobs are: a job's end deletes its last one's. */
  blobs?: BlobStore | undefined;
}

export function createJobStore(redis: Redis, keys: Keys, options: JobStoreOptions = {}) {
  const ttl = options.finishedTtlSeconds ?? 0;
  const maxEvents = options.maxEvents ?? 0;
  const { deleteBlob } = blobRefs(redis, keys, options.blobs);
  // After a script that ended a job: its checkpoint's blob goes. The job's change is made, so a
  // blob store that fails now only leaves the blob to the orphan sweep (blob-sweep.ts).
  const dropCheckpointBlob = (sha256: string) => deleteBlob(sha256).catch(() => {});
  /** Takes finished jobs past their TTL off the lists (and out of the counts). */
  const sweep = () =>
    redis.eval(
      sweepScript,
      4,
      keys.expiringJobs,
      keys.jobs,
      keys.jobCounts,
      usageKey(keys),
      keys.jobsByStatus,
      sweepBatch,
    );
  /** `ids` that are jobs (in `status`, when given), newest first, a page of `limit` after `cursor`. */
  async function listOf(
    ids: readonly string[],
    { status, limit, cursor }: Omit<ListOptions, 'ids'>,
  ): Promise<{ jobs: JobRecord[]; nextCursor: string | null }> {
    const older = [...ids]
      .sort()
      .reverse()
      .filter((id) => !cursor || id < cursor);
    const pipeline = redis.pipeline();
    for (const id of older) pipeline.hgetall(keys.job(id));
    const hashes = (await pipeline.exec()) ?? [];
    const jobs = hashes
      .map(([, h]) => h as Record<string, string>)
      .filter((h) => h.status && (!status || h.status === status))
      .map(fromHash);
    const page = jobs.slice(0, limit);
    return { jobs: page, nextCursor: jobs.length > limit ? page[page.length - 1]!.id : null };
  }

  return {
    /**
     * Stores a new job with its first event, all at once: 'exists' if the id is taken, 'full' if
     * the tenant already has `cap` jobs in the record's status (0: no cap).
     */
    async create(
      record: JobRecord,
      firstEvent: JobEvent,
      cap = 0,
    ): Promise<'ok' | 'exists' | 'full'> {
      await sweep();
      const result = await redis.eval(
        createScript,
        5,
        keys.job(record.id),
        keys.jobEvents(record.id),
        keys.jobs,
        `${keys.jobsByStatus}${record.status}`,
        keys.jobCounts,
        cap,
        record.status,
        maxEvents,
        ...Object.entries(toHash(record)).flat(),
        JSON.stringify(firstEvent),
      );
      return result as 'ok' | 'exists' | 'full';
    },

    /** How many of the tenant's jobs are in `status`. */
    count(status: JobStatus): Promise<number> {
      return redis.zcard(`${keys.jobsByStatus}${status}`);
    },

    async get(id: string): Promise<JobRecord | null> {
      const hash = await redis.hgetall(keys.job(id));
      return hash.status ? fromHash(hash) : null;
    },

    /** Newest first; `cursor` is the last id of the previous page. */
    async list({
      status,
      limit,
      cursor,
      ids,
    }: ListOptions): Promise<{ jobs: JobRecord[]; nextCursor: string | null }> {
      await sweep();
      if (ids) return listOf(ids, { status, limit, cursor });
      const set = status ? `${keys.jobsByStatus}${status}` : keys.jobs;
      const { page, nextCursor } = await pageOfIds(redis, set, limit, cursor);
      const pipeline = redis.pipeline();
      for (const id of page) pipeline.hgetall(keys.job(id));
      const hashes = (await pipeline.exec()) ?? [];
      const jobs = hashes
        .map(([, h]) => h as Record<string, string>)
        .filter((h) => h.status)
        .map(fromHash);
      return { jobs, nextCursor };
    },

    /**
     * Moves a job from one of `from` to `to`, setting `fields` and appending `events` to its
     * stream, all at once; a move to a final status also ends what the job owns (finishLua).
     * Returns 'ok', or the status that blocked it, or 'missing', or 'full' when the tenant
     * already has `cap` jobs in `to` (0: no cap), or 'fenced' when `fence` is no longer the job's.
     */
    async transition(
      id: string,
      from: readonly JobStatus[],
      to: JobStatus,
      fields: Partial<JobRecord>,
      events: JobEvent[],
      cap = 0,
      fence: Fence = '',
    ): Promise<'ok' | 'missing' | 'full' | 'fenced' | JobStatus> {
      const pairs = Object.entries(toHash(fields)).flat();
      const result = (await redis.eval(
        transitionScript,
        9,
        keys.job(id),
        keys.jobEvents(id),
        keys.jobCounts,
        keys.expiringJobs,
        usageKey(keys),
        keys.checkpoint(id),
        keys.jobModel(id),
        keys.blobRefs,
        keys.blobDeleting,
        id,
        keys.jobsByStatus,
        from.join(','),
        to,
        events.length,
        finalStatuses.includes(to) ? ttl : -1,
        cap,
        fence,
        maxEvents,
        keys.dataset(''),
        keys.idempotency(''),
        ...events.map((e) => JSON.stringify(e)),
        ...pairs,
      )) as 'missing' | 'full' | 'fenced' | JobStatus | [string, string];
      if (typeof result === 'string') return result;
      await dropCheckpointBlob(result[1]);
      return 'ok';
    },

    /**
     * Replaces the record's spec (a job that waited for its dataset, jobs/awaiting.ts), unless
     * the try lost the job: 'fenced' then, nothing written.
     */
    async setSpec(id: string, spec: JobRecord['spec'], fence: Fence): Promise<'ok' | 'fenced'> {
      return (await redis.eval(setSpecScript, 1, keys.job(id), fence, JSON.stringify(spec))) as
        | 'ok'
        | 'fenced';
    },

    /**
     * A try takes up the running job: its fence for every write it makes, the last epoch
     * written so far (a resumed try sends only later ones), and whether a cancel was asked for.
     * null when the job is not running.
     */
    async claim(
      id: string,
    ): Promise<{ fence: Fence; written: number; cancelRequested: boolean } | null> {
      const result = (await redis.eval(claimScript, 1, keys.job(id))) as string[] | null;
      if (!result) return null;
      const [fence = '', progressJson, cancelRequested] = result;
      const progress = progressJson ? (JSON.parse(progressJson) as Partial<Progress>) : null;
      return { fence, written: progress?.epoch ?? 0, cancelRequested: cancelRequested === 'true' };
    },

    /**
     * Deletes a finished job with all it owns (record, events, checkpoint, model-id claim,
     * inline dataset, Idempotency-Key), not its model. 'ok', 'missing', or the status of a job
     * not finished.
     */
    async remove(id: string): Promise<'ok' | 'missing' | JobStatus> {
      const result = (await redis.eval(
        removeScript,
        10,
        keys.job(id),
        keys.jobEvents(id),
        keys.checkpoint(id),
        keys.jobModel(id),
        keys.jobs,
        keys.expiringJobs,
        keys.jobCounts,
        usageKey(keys),
        keys.blobRefs,
        keys.blobDeleting,
        id,
        keys.jobsByStatus,
        keys.dataset(''),
        keys.idempotency(''),
      )) as 'missing' | JobStatus | [string, string];
      if (typeof result === 'string') return result;
      await dropCheckpointBlob(result[1]);
      return 'ok';
    },

    /** Removes a queued job as if never created (its enqueue failed): 'ok', or why not. */
    async discard(id: string): Promise<'ok' | 'missing' | JobStatus> {
      const result = await redis.eval(
        discardScript,
        5,
        keys.job(id),
        keys.jobEvents(id),
        keys.jobs,
        `${keys.jobsByStatus}queued`,
        keys.jobCounts,
        id,
      );
      return result as 'ok' | 'missing' | JobStatus;
    },

    /** Marks a job to be cancelled and tells every worker (the one running it stops it). */
    async requestCancel(id: string): Promise<void> {
      await redis.hset(keys.job(id), toHash({ cancelRequested: true }));
      await redis.publish(keys.cancelChannel, id);
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
