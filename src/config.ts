// Configuration enters here once: process.env, validated with zod, defaults in one literal,
// frozen. Nothing else reads process.env.
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const defaults = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  KEY_PREFIX: 'bp',
  HOST: '127.0.0.1',
  PORT: '3000',
  LOG_LEVEL: 'info',
  WORKER_CONCURRENCY: String(availableParallelism()),
  WORKER_LOCK_MS: '30000',
  MAX_BODY_BYTES: String(10 * 1024 * 1024),
  MAX_DATASET_BYTES: String(50 * 1024 * 1024),
  MAX_PREDICT_ROWS: '10000',
  SSE_HEARTBEAT_MS: '15000',
  MODEL_CACHE_SIZE: '100',
  KEEP_COMPLETED_JOBS: '1000',
  KEEP_FAILED_JOBS: '5000',
  IDEMPOTENCY_TTL_SECONDS: String(24 * 3600),
  MAX_JOB_THREADS: String(availableParallelism()),
  WASM_RELAXED_SIMD: '1',
  CHECKPOINT_INTERVAL_MS: '5000',
  WORKER_MAX_STALLED: '5',
  JOB_ATTEMPTS: '3',
  JOB_BACKOFF_MS: '2000',
  FINISHED_JOB_TTL_SECONDS: String(7 * 24 * 3600),
  MAX_JOB_SECONDS: String(24 * 3600),
  MAX_PARAMETERS: String(50_000_000),
  MAX_DATASET_CELLS: String(100_000_000),
  MAX_JOB_COMPUTE: String(1e15),
  WORKER_REDIS_RETRIES: '20',
} as const;

const int = (min: number) => z.coerce.number().int().min(min);

const schema = z.object({
  REDIS_URL: z.string().url(),
  KEY_PREFIX: z
    .string()
    .regex(/^bp(:[\w-]+)*$/, 'must be bp or start with bp: (keys live under bp:)'),
  HOST: z.string().min(1),
  PORT: int(0).max(65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  WORKER_CONCURRENCY: int(1),
  WORKER_LOCK_MS: int(1000),
  MAX_BODY_BYTES: int(1024),
  MAX_DATASET_BYTES: int(1024),
  MAX_PREDICT_ROWS: int(1),
  SSE_HEARTBEAT_MS: int(10),
  MODEL_CACHE_SIZE: int(1),
  KEEP_COMPLETED_JOBS: int(0),
  KEEP_FAILED_JOBS: int(0),
  IDEMPOTENCY_TTL_SECONDS: int(1),
  MAX_JOB_THREADS: int(1).max(64),
  WASM_RELAXED_SIMD: z.enum(['0', '1'], { error: 'must be 1 (use relaxed SIMD) or 0' }),
  CHECKPOINT_INTERVAL_MS: int(100),
  WORKER_MAX_STALLED: int(1),
  JOB_ATTEMPTS: int(1).max(100),
  JOB_BACKOFF_MS: int(0),
  FINISHED_JOB_TTL_SECONDS: int(0),
  MAX_JOB_SECONDS: int(0),
  MAX_PARAMETERS: int(1),
  MAX_DATASET_CELLS: int(1),
  MAX_JOB_COMPUTE: z.coerce.number().positive(),
  WORKER_REDIS_RETRIES: int(0),
});

export interface Config {
  redisUrl: string;
  /** Every Redis key starts with this (default `bp`); tests use `bp:test:<run>`. */
  keyPrefix: string;
  host: string;
  port: number;
  logLevel: string;
  workerConcurrency: number;
  /** BullMQ's job lock: renewed by the worker's event loop while a thread trains. */
  workerLockMs: number;
  maxBodyBytes: number;
  maxDatasetBytes: number;
  maxPredictRows: number;
  sseHeartbeatMs: number;
  modelCacheSize: number;
  keepCompletedJobs: number;
  keepFailedJobs: number;
  idempotencyTtlSeconds: number;
  /** The most threads one job may train on (training.threads); default: the core count. */
  maxJobThreads: number;
  /** Relaxed-SIMD kernels on Node 20–21, where they need a V8 flag (see wasm-features.ts). */
  wasmRelaxedSimd: boolean;
  /** Least time between two checkpoints of a running job (at batch boundaries). */
  checkpointIntervalMs: number;
  /** How many times a job may lose its worker (killed, lost) and be taken up again. */
  workerMaxStalled: number;
  /**
   * Tries of a job that fails for an infrastructure reason (Redis lost mid-run, a thread that
   * died), each resuming from the checkpoint after an exponential backoff from JOB_BACKOFF_MS.
   * A job that fails for a reason of its own (diverged, its data gone) fails once.
   */
  jobAttempts: number;
  jobBackoffMs: number;
  /**
   * How long a finished job's event stream and BullMQ record are kept (and the longest an
   * orphaned checkpoint lingers); 0 keeps them. The job record itself stays.
   */
  finishedJobTtlSeconds: number;
  /** The longest a job may train, over all its tries (0: no limit); then it fails `time_limit`. */
  maxJobSeconds: number;
  /** Submission limits (400 naming the limit): network parameters (weights and biases). */
  maxParameters: number;
  /** A job's rows × features. */
  maxDatasetCells: number;
  /** A job's compute budget: epochs × rows × parameters. */
  maxJobCompute: number;
  /**
   * Reconnections a training thread's Redis commands wait through before its try fails (and is
   * tried again from the checkpoint, JOB_ATTEMPTS).
   */
  workerRedisRetries: number;
}

/** Reads the configuration; throws one error naming every bad variable. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<Config> {
  const given = Object.fromEntries(
    Object.keys(defaults)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const parsed = schema.safeParse({ ...defaults, ...given });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`bad configuration: ${lines.join('; ')}`);
  }
  const c = parsed.data;
  return Object.freeze({
    redisUrl: c.REDIS_URL,
    keyPrefix: c.KEY_PREFIX,
    host: c.HOST,
    port: c.PORT,
    logLevel: c.LOG_LEVEL,
    workerConcurrency: c.WORKER_CONCURRENCY,
    workerLockMs: c.WORKER_LOCK_MS,
    maxBodyBytes: c.MAX_BODY_BYTES,
    maxDatasetBytes: c.MAX_DATASET_BYTES,
    maxPredictRows: c.MAX_PREDICT_ROWS,
    sseHeartbeatMs: c.SSE_HEARTBEAT_MS,
    modelCacheSize: c.MODEL_CACHE_SIZE,
    keepCompletedJobs: c.KEEP_COMPLETED_JOBS,
    keepFailedJobs: c.KEEP_FAILED_JOBS,
    idempotencyTtlSeconds: c.IDEMPOTENCY_TTL_SECONDS,
    maxJobThreads: c.MAX_JOB_THREADS,
    wasmRelaxedSimd: c.WASM_RELAXED_SIMD === '1',
    checkpointIntervalMs: c.CHECKPOINT_INTERVAL_MS,
    workerMaxStalled: c.WORKER_MAX_STALLED,
    jobAttempts: c.JOB_ATTEMPTS,
    jobBackoffMs: c.JOB_BACKOFF_MS,
    finishedJobTtlSeconds: c.FINISHED_JOB_TTL_SECONDS,
    maxJobSeconds: c.MAX_JOB_SECONDS,
    maxParameters: c.MAX_PARAMETERS,
    maxDatasetCells: c.MAX_DATASET_CELLS,
    maxJobCompute: c.MAX_JOB_COMPUTE,
    workerRedisRetries: c.WORKER_REDIS_RETRIES,
  });
}

/** The one setting the CLI reads (it needs no other configuration): WASM_RELAXED_SIMD. */
export function relaxedSimdWanted(env: Record<string, string | undefined> = process.env): boolean {
  return env.WASM_RELAXED_SIMD !== '0';
}
