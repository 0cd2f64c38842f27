// Settings of the worker processes: how many jobs each trains, how a job survives a lost worker
// or a lost Redis, and how it is tried again.
import { availableParallelism } from 'node:os';
import { flag, int, type Setting } from './kinds.js';

export const workerSettings = {
  workerConcurrency: {
    env: 'WORKER_CONCURRENCY',
    ...int(1),
    default: String(availableParallelism()),
    defaultDoc: 'the core count',
    doc: "Jobs one worker process trains at once, each in a worker thread of BullMQ's sandboxed processor.",
  },
  workerLockMs: {
    env: 'WORKER_LOCK_MS',
    ...int(1000),
    default: '30000',
    doc: "BullMQ's job lock, renewed while a thread trains; a job whose worker died is taken up again within it.",
  },
  workerMaxStalled: {
    env: 'WORKER_MAX_STALLED',
    ...int(1),
    default: '5',
    doc: 'How many times a job may lose its worker (killed, lost) and be taken up again.',
  },
  workerRedisRetries: {
    env: 'WORKER_REDIS_RETRIES',
    ...int(0),
    default: '20',
    doc: "Reconnections a training thread's Redis commands wait through before its try fails (and is tried again from the checkpoint).",
  },
  checkpointIntervalMs: {
    env: 'CHECKPOINT_INTERVAL_MS',
    ...int(100),
    default: '5000',
    doc: 'Least time between two checkpoints of a running job (taken at batch boundaries).',
  },
  jobAttempts: {
    env: 'JOB_ATTEMPTS',
    ...int(1, 100),
    default: '3',
    doc: 'Tries of a job that fails for an infrastructure reason, each from the checkpoint; a job that fails for a reason of its own fails once.',
  },
  jobBackoffMs: {
    env: 'JOB_BACKOFF_MS',
    ...int(0),
    default: '2000',
    doc: 'The wait before the second try, doubling for each try after it.',
  },
  wasmRelaxedSimd: {
    env: 'WASM_RELAXED_SIMD',
    ...flag('must be 1 (use relaxed SIMD) or 0'),
    default: '1',
    doc: "`1`: on Node 20–21 the API, workers and CLI set V8's relaxed-SIMD flag so the engine can use its fused multiply-add kernels (Node 22+ has them anyway); `0` leaves it off.",
  },
} satisfies Record<string, Setting>;
