// Each job's event stream: a Redis Stream per job, written by the worker (epochs, status) and
// read by the API for Server-Sent Events. Stream ids are the event ids: monotonic, and a reader
// resumes after any of them with nothing lost or repeated.
import type { Redis } from 'ioredis';
import type { EpochReport } from '../engine/index.js';
import type { ModelMetrics } from '../spec/index.js';
import type { Keys } from './redis.js';

export const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];
export const finalStatuses: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface JobError {
  code: string;
  message: string;
}

export type JobEvent =
  | { type: 'status'; status: JobStatus; at: string }
  | ({ type: 'epoch' } & EpochReport)
  | { type: 'done'; modelId: string; metrics: ModelMetrics; at: string }
  | { type: 'failed'; error: JobError; at: string }
  | { type: 'cancelled'; epoch: number; at: string }
  /** A worker took the job up again from its checkpoint after its previous one stopped. */
  | {
      type: 'resumed';
      epoch: number;
      position: number;
      /** The try (2, 3, …) when an earlier one failed for an infrastructure reason. */
      attempt?: number;
      at: string;
    }
  /** A try failed for an infrastructure reason; BullMQ tries again after a backoff. */
  | { type: 'retrying'; attempt: number; attempts: number; error: JobError; at: string };

export const finalEventTypes = new Set(['done', 'failed', 'cancelled']);

export interface StoredEvent {
  id: string;
  event: JobEvent;
}

function parseEntries(entries: [string, string[]][]): StoredEvent[] {
  return entries.map(([id, fields]) => ({ id, event: JSON.parse(fields[1]!) as JobEvent }));
}

export function createEventStore(redis: Redis, keys: Keys) {
  return {
    /** Queues an XADD (the caller may pipeline it with other writes). */
    append(jobId: string, event: JobEvent): Promise<string | null> {
      return redis.xadd(keys.jobEvents(jobId), '*', 'data', JSON.stringify(event));
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
