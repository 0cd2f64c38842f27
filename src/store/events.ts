// Each job's event stream: a Redis Stream per job, written by the worker (epochs, status) and
// read by the API for Server-Sent Events. Stream ids are the event ids: monotonic, and a reader
// resumes after any of them with nothing lost or repeated. Each stream keeps about its newest
// `maxEvents` (XADD MAXLEN ~): a reader resuming from a trimmed id gets what is still kept.
import type { Redis } from 'ioredis';
import type { JobEvent } from '../spec/index.js';
import { type Fence, fencedOutLua } from './fence.js';
import { luaScript } from './lua.js';
import { epochBucketOf, type Keys, metricsKeysFor } from './redis.js';

export interface StoredEvent {
  id: string;
  event: JobEvent;
}

function parseEntries(entries: [string, string[]][]): StoredEvent[] {
  return entries.map(([id, fields]) => ({ id, event: JSON.parse(fields[1]!) as JobEvent }));
}

/** Lua: XADD to a job's stream, trimmed to about `maxlen` entries (0: not trimmed). */
export const appendLua = `
local function appendEvent(stream, maxlen, json)
  if maxlen > 0 then return redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'data', json) end
  return redis.call('XADD', stream, '*', 'data', json)
end
`;

// KEYS: job hash, stream. ARGV: fence, maxlen, event JSON.
const appendScript = `${fencedOutLua}${appendLua}
if fencedOut(KEYS[1], ARGV[1]) then return 'fenced' end
return appendEvent(KEYS[2], tonumber(ARGV[2]), ARGV[3])
`;

// KEYS: job hash, stream, epochs counter, epoch-seconds hash. ARGV: fence, maxlen, event JSON,
// progress JSON, the epoch's histogram bucket, its seconds. The metrics count it once, here.
const epochScript = luaScript(`${fencedOutLua}${appendLua}
if fencedOut(KEYS[1], ARGV[1]) then return 'fenced' end
appendEvent(KEYS[2], tonumber(ARGV[2]), ARGV[3])
redis.call('HSET', KEYS[1], 'progress', ARGV[4])
redis.call('INCR', KEYS[3])
redis.call('HINCRBY', KEYS[4], ARGV[5], 1)
redis.call('HINCRBYFLOAT', KEYS[4], 'sum', ARGV[6])
return 'ok'
`);

// KEYS: job hash, stream. ARGV: fence, maxlen, event JSON, progress JSON.
const progressScript = luaScript(`${fencedOutLua}${appendLua}
if fencedOut(KEYS[1], ARGV[1]) then return 'fenced' end
appendEvent(KEYS[2], tonumber(ARGV[2]), ARGV[3])
redis.call('HSET', KEYS[1], 'progress', ARGV[4])
return 'ok'
`);

/** `maxEvents`: about how many events each job's stream keeps (0: all). */
export function createEventStore(redis: Redis, keys: Keys, maxEvents = 0) {
  const metrics = metricsKeysFor(keys.prefix);
  return {
    maxEvents,

    /** Appends an event; 'fenced' (nothing written) when `fence` is no longer the job's. */
    async append(jobId: string, event: JobEvent, fence: Fence = ''): Promise<string> {
      return (await redis.eval(
        appendScript,
        2,
        keys.job(jobId),
        keys.jobEvents(jobId),
        fence,
        maxEvents,
        JSON.stringify(event),
      )) as string;
    },

    /**
     * An epoch's event, the job's progress and the service's epoch metrics, all at once; 'fenced'
     * (nothing written) when `fence` is no longer the job's.
     */
    async appendEpoch(
      jobId: string,
      event: JobEvent & { type: 'epoch' },
      epochs: number,
      seconds: number,
      fence: Fence,
    ): Promise<'ok' | 'fenced'> {
      const progress = { epoch: event.epoch, epochs, error: event.error };
      return (await epochScript(
        redis,
        4,
        keys.job(jobId),
        keys.jobEvents(jobId),
        metrics.epochs,
        metrics.epochSeconds,
        fence,
        maxEvents,
        JSON.stringify(event),
        JSON.stringify(progress),
        epochBucketOf(seconds),
        seconds,
      )) as 'ok' | 'fenced';
    },

    /**
     * A batch-predictions job's `progress` event and the record's progress (rows scored of
     * all), at once; 'fenced' (nothing written) when `fence` is no longer the job's.
     */
    async appendProgress(
      jobId: string,
      event: JobEvent & { type: 'progress' },
      fence: Fence,
    ): Promise<'ok' | 'fenced'> {
      const progress = { rows: event.rows, of: event.of };
      return (await progressScript(
        redis,
        2,
        keys.job(jobId),
        keys.jobEvents(jobId),
        fence,
        maxEvents,
        JSON.stringify(event),
        JSON.stringify(progress),
      )) as 'ok' | 'fenced';
    },

    /** Every event after `afterId` ('0' for all), without blocking. */
    async after(jobId: string, afterId = '0', count = 1000): Promise<StoredEvent[]> {
      const entries = await redis.xrange(keys.jobEvents(jobId), `(${afterId}`, '+', 'COUNT', count);
      return parseEntries(entries);
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;

/**
 * Waits up to `blockMs` for events on several job streams at once (key → the id to read after),
 * on `reader`, a connection of its own (XREAD BLOCK holds it); at most `count` per stream.
 * Returns only the streams that had events; an empty map on time-out.
 */
export async function readStreams(
  reader: Redis,
  after: ReadonlyMap<string, string>,
  blockMs: number,
  count = 500,
): Promise<Map<string, StoredEvent[]>> {
  const read = new Map<string, StoredEvent[]>();
  if (after.size === 0) return read;
  const result = (await reader.xread(
    'COUNT',
    count,
    'BLOCK',
    blockMs,
    'STREAMS',
    ...after.keys(),
    ...after.values(),
  )) as [string, [string, string[]][]][] | null;
  for (const [key, entries] of result ?? []) read.set(key, parseEntries(entries));
  return read;
}

/** Orders two stream ids (`ms-seq`, each part below 2^64). */
export function compareEventIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}
