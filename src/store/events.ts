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

    /**
     * Waits up to `blockMs` for events after `afterId` on `reader`, a connection of its own
     * (XREAD BLOCK holds the connection). Returns [] on time-out.
     */
    async waitAfter(
      reader: Redis,
      jobId: string,
      afterId: string,
      blockMs: number,
    ): Promise<StoredEvent[]> {
      const result = await reader.xread(
        'COUNT',
        500,
        'BLOCK',
        blockMs,
        'STREAMS',
        keys.jobEvents(jobId),
        afterId,
      );
      if (!result) return [];
      return parseEntries(result[0]![1] as [string, string[]][]);
    },
  };
}

export type EventStore = ReturnType<typeof createEventStore>;
