// Job records in Redis: one hash per job, a sorted set of all job ids and one per status (ids
// sort by creation time, so listing pages newest first by id). Status changes are atomic and
// conditional (a Lua script), and write their events to the job's stream in the same step.
import type { Redis } from 'ioredis';
import type { DatasetRef } from '../queue.js';
import type { ModelMetrics, NetworkSpec, ResolvedTraining, WebhookSpec } from '../spec/index.js';
import {
  finalStatuses,
  type JobError,
  type JobEvent,
  type JobStatus,
  jobStatuses,
} from './events.js';
import type { Keys } from './redis.js';

export interface JobSpecRecord {
  network: NetworkSpec;
  dataset: DatasetRef;
  training: ResolvedTraining;
  /** Where the job's events are sent, signed with the tenant's secret. */
  webhook?: WebhookSpec;
}

export interface Progress {
  epoch: number;
  epochs: number;
  error: number;
}

export interface JobRecord {
  id: string;
  status: JobStatus;
  spec: JobSpecRecord;
  progress?: Progress;
  metrics?: ModelMetrics;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: JobError;
  modelId?: string;
  cancelRequested?: boolean;
}

const jsonFields = new Set(['spec', 'progress', 'metrics', 'error']);

function toHash(fields: Partial<JobRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = jsonFields.has(k) ? JSON.stringify(v) : String(v);
  }
  return out;
}

function fromHash(hash: Record<string, string>): JobRecord {
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hash)) {
    r[k] = jsonFields.has(k) ? JSON.parse(v) : k === 'cancelRequested' ? v === 'true' : v;
  }
  return r as unknown as JobRecord;
}

// KEYS: job hash, event stream, all-jobs set, target status set, the service's counts by status.
// ARGV: cap on the target set (0: none), the status, then field/value pairs; the first event's
// JSON last. Returns 'ok', 'exists' or 'full'.
const createScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
local cap = tonumber(ARGV[1])
if cap > 0 and redis.call('ZCARD', KEYS[4]) >= cap then return 'full' end
redis.call('HSET', KEYS[1], unpack(ARGV, 3, #ARGV - 1))
redis.call('ZADD', KEYS[3], 0, redis.call('HGET', KEYS[1], 'id'))
redis.call('ZADD', KEYS[4], 0, redis.call('HGET', KEYS[1], 'id'))
redis.call('HINCRBY', KEYS[5], ARGV[2], 1)
redis.call('XADD', KEYS[2], '*', 'data', ARGV[#ARGV])
return 'ok'
`;

// KEYS: job hash, event stream, the service's counts by status. ARGV: id, status-set prefix, allowed from (comma list), to,
// event count n, stream TTL, cap on the target status set (0: none), n event JSONs, then
// field/value pairs. Returns 'ok', 'full' (the target set holds cap jobs), the current status,
// or 'missing'.
const transitionScript = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return 'missing' end
local allowed = false
for s in string.gmatch(ARGV[3], '[^,]+') do if s == current then allowed = true end end
if not allowed then return current end
local cap = tonumber(ARGV[7])
if cap > 0 and redis.call('ZCARD', ARGV[2] .. ARGV[4]) >= cap then return 'full' end
local n = tonumber(ARGV[5])
local fields = {'status', ARGV[4]}
for i = 8 + n, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZREM', ARGV[2] .. current, ARGV[1])
redis.call('ZADD', ARGV[2] .. ARGV[4], 0, ARGV[1])
redis.call('HINCRBY', KEYS[3], current, -1)
redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
for i = 8, 7 + n do redis.call('XADD', KEYS[2], '*', 'data', ARGV[i]) end
local ttl = tonumber(ARGV[6])
if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl) end
return 'ok'
`;

// KEYS: job hash, event stream, all-jobs set, queued set, the service's counts by status. ARGV:
// id. Takes back a job created but never queued; returns 'ok', or the status it has moved on to
// (a worker took it after all), or 'missing'.
const discardScript = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return 'missing' end
if current ~= 'queued' then return current end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HINCRBY', KEYS[5], 'queued', -1)
return 'ok'
`;

export interface ListOptions {
  status?: JobStatus | undefined;
  limit: number;
  /** The last id of the previous page. */
  cursor?: string | undefined;
}

/**
 * `finishedTtlSeconds`: how long a finished job's event stream is kept (0: for ever); the job's
 * record stays.
 */
export function createJobStore(redis: Redis, keys: Keys, finishedTtlSeconds = 0) {
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
    }: ListOptions): Promise<{ jobs: JobRecord[]; nextCursor: string | null }> {
      const set = status ? `${keys.jobsByStatus}${status}` : keys.jobs;
      const ids = await redis.zrevrangebylex(
        set,
        cursor ? `(${cursor}` : '+',
        '-',
        'LIMIT',
        0,
        limit + 1,
      );
      const page = ids.slice(0, limit);
      const pipeline = redis.pipeline();
      for (const id of page) pipeline.hgetall(keys.job(id));
      const hashes = (await pipeline.exec()) ?? [];
      const jobs = hashes
        .map(([, h]) => h as Record<string, string>)
        .filter((h) => h.status)
        .map(fromHash);
      return { jobs, nextCursor: ids.length > limit ? page[page.length - 1]! : null };
    },

    /**
     * Moves a job from one of `from` to `to`, setting `fields` and appending `events` to its
     * stream, all at once. Returns 'ok', or the status that blocked it, or 'missing', or 'full'
     * when the tenant already has `cap` jobs in `to` (0: no cap).
     */
    async transition(
      id: string,
      from: readonly JobStatus[],
      to: JobStatus,
      fields: Partial<JobRecord>,
      events: JobEvent[],
      cap = 0,
    ): Promise<'ok' | 'missing' | 'full' | JobStatus> {
      const pairs = Object.entries(toHash(fields)).flat();
      const result = await redis.eval(
        transitionScript,
        3,
        keys.job(id),
        keys.jobEvents(id),
        keys.jobCounts,
        id,
        keys.jobsByStatus,
        from.join(','),
        to,
        events.length,
        finalStatuses.includes(to) ? finishedTtlSeconds : 0,
        cap,
        ...events.map((e) => JSON.stringify(e)),
        ...pairs,
      );
      return result as 'ok' | 'missing' | 'full' | JobStatus;
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

    async update(id: string, fields: Partial<JobRecord>): Promise<void> {
      await redis.hset(keys.job(id), toHash(fields));
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
export { jobStatuses };
