// What the service keeps in Redis, and for how long: finished jobs, their events and history,
// stored datasets, idempotency keys.
import { int, type Setting } from './kinds.js';

export const storageSettings = {
  finishedJobTtlSeconds: {
    env: 'FINISHED_JOB_TTL_SECONDS',
    ...int(0),
    default: String(7 * 24 * 3600),
    doc: 'How long a finished job is kept: its record, event stream and BullMQ record (0: for ever); `DELETE /v1/jobs/:id` removes one sooner.',
  },
  keepCompletedJobs: {
    env: 'KEEP_COMPLETED_JOBS',
    ...int(0),
    default: '1000',
    doc: "Succeeded jobs BullMQ's own records keep at most (the newest).",
  },
  keepFailedJobs: {
    env: 'KEEP_FAILED_JOBS',
    ...int(0),
    default: '5000',
    doc: "Failed jobs BullMQ's own records keep at most (the newest).",
  },
  maxJobEvents: {
    env: 'MAX_JOB_EVENTS',
    ...int(0),
    default: '2000',
    doc: "About how many events a job's stream keeps, the newest (0: all).",
  },
  maxHistoryPoints: {
    env: 'MAX_HISTORY_POINTS',
    ...int(2),
    default: '1000',
    doc: "The most per-epoch points a model's history keeps (evenly spaced, first and last epoch among them).",
  },
  // one Redis value holds at most 512 MB (proto-max-bulk-len)
  maxDatasetStoredBytes: {
    env: 'MAX_DATASET_STORED_BYTES',
    ...int(1024, 512 * 1024 * 1024),
    default: String(256 * 1024 * 1024),
    doc: "The bytes one stored dataset may take in Redis (at most Redis's largest value); more is a 413.",
  },
  idempotencyTtlSeconds: {
    env: 'IDEMPOTENCY_TTL_SECONDS',
    ...int(1),
    default: String(24 * 3600),
    doc: 'How long an `Idempotency-Key` returns the job it first made.',
  },
} satisfies Record<string, Setting>;
