// Configuration enters here once: process.env, validated with zod, defaults in one literal,
// frozen. Nothing else reads process.env.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseRedisUrl } from './redis-url.js';

const defaults = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_TLS_CA: '',
  ENQUEUE_TIMEOUT_MS: '5000',
  KEY_PREFIX: 'bp',
  HOST: '127.0.0.1',
  PORT: '3000',
  LOG_LEVEL: 'info',
  WORKER_CONCURRENCY: String(availableParallelism()),
  WORKER_LOCK_MS: '30000',
  MAX_BODY_BYTES: String(10 * 1024 * 1024),
  MAX_DATASET_BYTES: String(50 * 1024 * 1024),
  MAX_PREDICT_ROWS: '10000',
  PREDICT_THREAD_WORK: String(10_000_000),
  PREDICT_THREADS: '2',
  SSE_HEARTBEAT_MS: '15000',
  MAX_TENANT_STREAMS: '50',
  REQUEST_TIMEOUT_MS: '60000',
  HEADERS_TIMEOUT_MS: '10000',
  CONNECTION_TIMEOUT_MS: '60000',
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
  MAX_JOB_EVENTS: '2000',
  MAX_HISTORY_POINTS: '1000',
  MAX_TENANT_STORAGE_BYTES: String(1024 * 1024 * 1024),
  MAX_JOB_SECONDS: String(24 * 3600),
  MAX_PARAMETERS: String(50_000_000),
  MAX_DATASET_CELLS: String(100_000_000),
  MAX_DATASET_STORED_BYTES: String(256 * 1024 * 1024),
  MAX_JSON_DEPTH: '64',
  MAX_JOB_COMPUTE: String(1e15),
  WORKER_REDIS_RETRIES: '20',
  API_KEYS: '',
  ADMIN_TENANTS: '',
  WEBHOOK_SECRETS: '',
  MAX_TENANT_QUEUED_JOBS: '1000',
  MAX_TENANT_RUNNING_JOBS: '0',
  TENANT_THROTTLE_DELAY_MS: '1000',
  RATE_LIMIT_PER_MINUTE: '0',
  WEBHOOK_ATTEMPTS: '8',
  WEBHOOK_BACKOFF_MS: '1000',
  WEBHOOK_TIMEOUT_MS: '10000',
  WEBHOOK_EPOCH_INTERVAL_MS: '1000',
  WEBHOOK_ALLOW_PRIVATE: '0',
} as const;

/** Tenant names: they go into Redis key names and logs. */
export const tenantPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** The one tenant of a service run without API keys (development mode). */
export const defaultTenant = 'default';

export interface ApiKey {
  tenant: string;
  /** SHA-256 of the key (the key itself is never configured or stored). */
  sha256: Buffer;
}

// `tenant:hex,tenant:hex`: a tenant may have several keys (rotation).
const apiKeysSchema = z.string().transform((text, ctx): ApiKey[] => {
  const keys: ApiKey[] = [];
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [tenant = '', hash = ''] = entry.split(':');
    if (!tenantPattern.test(tenant) || !/^[0-9a-f]{64}$/i.test(hash)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${entry.slice(0, 20)}…" is not tenant:sha256-hex (make entries with \`backprop keys new --tenant NAME\`)`,
      });
      return z.NEVER;
    }
    keys.push({ tenant, sha256: Buffer.from(hash, 'hex') });
  }
  return keys;
});

// `tenant:whsec_…,tenant:whsec_…`
const secretsSchema = z.string().transform((text, ctx): Map<string, string> => {
  const secrets = new Map<string, string>();
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf(':');
    const tenant = entry.slice(0, at);
    const secret = entry.slice(at + 1);
    if (at < 0 || !tenantPattern.test(tenant) || !/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(secret)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${entry.slice(0, 20)}…" is not tenant:whsec_<base64>`,
      });
      return z.NEVER;
    }
    secrets.set(tenant, secret);
  }
  return secrets;
});

const int = (min: number) => z.coerce.number().int().min(min);

const schema = z.object({
  REDIS_URL: z.string().superRefine((url, ctx) => {
    const parsed = parseRedisUrl(url);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  }),
  REDIS_TLS_CA: z.string(),
  ENQUEUE_TIMEOUT_MS: int(100),
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
  PREDICT_THREAD_WORK: int(0),
  PREDICT_THREADS: int(1).max(64),
  SSE_HEARTBEAT_MS: int(10),
  MAX_TENANT_STREAMS: int(1),
  REQUEST_TIMEOUT_MS: int(100),
  HEADERS_TIMEOUT_MS: int(100),
  CONNECTION_TIMEOUT_MS: int(0),
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
  MAX_JOB_EVENTS: int(0),
  MAX_HISTORY_POINTS: int(2),
  MAX_TENANT_STORAGE_BYTES: int(0),
  MAX_JOB_SECONDS: int(0),
  MAX_PARAMETERS: int(1),
  MAX_DATASET_CELLS: int(1),
  // one Redis value holds at most 512 MB (proto-max-bulk-len)
  MAX_DATASET_STORED_BYTES: int(1024).max(512 * 1024 * 1024),
  MAX_JSON_DEPTH: int(4).max(10_000),
  MAX_JOB_COMPUTE: z.coerce.number().positive(),
  WORKER_REDIS_RETRIES: int(0),
  API_KEYS: apiKeysSchema,
  ADMIN_TENANTS: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .refine(
      (tenants) => tenants.every((t) => tenantPattern.test(t)),
      'must be tenant names, comma-separated',
    ),
  WEBHOOK_SECRETS: secretsSchema,
  MAX_TENANT_QUEUED_JOBS: int(1),
  MAX_TENANT_RUNNING_JOBS: int(0),
  TENANT_THROTTLE_DELAY_MS: int(10),
  RATE_LIMIT_PER_MINUTE: int(0),
  WEBHOOK_ATTEMPTS: int(1).max(100),
  WEBHOOK_BACKOFF_MS: int(0),
  WEBHOOK_TIMEOUT_MS: int(100),
  WEBHOOK_EPOCH_INTERVAL_MS: int(0),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['0', '1'], {
    error: 'must be 1 (webhooks may reach loopback and private networks) or 0',
  }),
});

export interface Config {
  /** redis:// or rediss:// (TLS); every connection is made from it (store/connection.ts). */
  redisUrl: string;
  /** PEM file of the CA that signed a rediss:// server's certificate ('': the system's CAs). */
  redisTlsCa: string;
  /** The longest POST /v1/jobs waits for the queue to take a job; then nothing is kept, 503. */
  enqueueTimeoutMs: number;
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
  /**
   * A prediction of more than this many rows × parameters (≈ 1 ms of forward pass at the
   * default) runs in a predict thread, not on the event loop that answers every request.
   */
  predictThreadWork: number;
  /** The API process's predict threads (started at the first prediction that needs one). */
  predictThreads: number;
  sseHeartbeatMs: number;
  /** A tenant's open event streams (SSE) per API process at most; more is a 429. */
  maxTenantStreams: number;
  /**
   * The longest a request may take to arrive, headers and body (408); its headers alone: at most
   * the request's. Event streams are answers, so these do not end them.
   */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  /** A connection silent this long is closed (0: never); event streams are exempt. */
  connectionTimeoutMs: number;
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
   * How long a finished job is kept: its record, event stream and BullMQ record (and the longest
   * an orphaned checkpoint lingers); 0 keeps them. DELETE /v1/jobs/:id removes one sooner.
   */
  finishedJobTtlSeconds: number;
  /** About how many events a job's stream keeps, the newest (0: all). */
  maxJobEvents: number;
  /** The most per-epoch points a model's history keeps (evenly spaced, first and last epoch). */
  maxHistoryPoints: number;
  /** The most bytes of datasets and models a tenant may store (0: no quota); more is a 413. */
  maxTenantStorageBytes: number;
  /** The longest a job may train, over all its tries (0: no limit); then it fails `time_limit`. */
  maxJobSeconds: number;
  /** Submission limits (400 naming the limit): network parameters (weights and biases). */
  maxParameters: number;
  /** Values in any one array of a dataset: rows × features, rows × outputs (one-hot classes too). */
  maxDatasetCells: number;
  /** The bytes one stored dataset may take in Redis (inputs, and targets or class indices). */
  maxDatasetStoredBytes: number;
  /** How deeply arrays and objects may nest in a JSON body: checked before it is parsed. */
  maxJsonDepth: number;
  /** A job's compute budget: epochs × rows × parameters. */
  maxJobCompute: number;
  /**
   * Reconnections a training thread's Redis commands wait through before its try fails (and is
   * tried again from the checkpoint, JOB_ATTEMPTS).
   */
  workerRedisRetries: number;
  /**
   * The API keys (Bearer), each bound to a tenant, as SHA-256 hashes. None: development mode, one
   * tenant (`default`), and the API listens on 127.0.0.1 only.
   */
  apiKeys: readonly ApiKey[];
  /**
   * Tenants whose keys also open what spans every tenant: /metrics and the queue board
   * (/admin/queues). In development mode the one tenant is an admin.
   */
  adminTenants: readonly string[];
  /** Each tenant's Standard Webhooks signing secret (`whsec_…`); a job's webhook needs one. */
  webhookSecrets: ReadonlyMap<string, string>;
  /** A tenant's queued jobs at most; more is a 429 with Retry-After. */
  maxTenantQueuedJobs: number;
  /** A tenant's jobs training at once at most (0: no cap); the others wait their turn. */
  maxTenantRunningJobs: number;
  /** How long a job held back by MAX_TENANT_RUNNING_JOBS waits before it asks again. */
  tenantThrottleDelayMs: number;
  /** Requests per API key (per address without keys) per minute; 0: no limit. */
  rateLimitPerMinute: number;
  /** Webhook deliveries: tries, backoff (exponential from this), time-out of one try. */
  webhookAttempts: number;
  webhookBackoffMs: number;
  webhookTimeoutMs: number;
  /** Least time between two `epoch` webhook deliveries of one job (the latest epoch is sent). */
  webhookEpochIntervalMs: number;
  /**
   * Webhooks may reach loopback, private and link-local addresses (off by default: a tenant must
   * not make the service call its own network, or a cloud's metadata service).
   */
  webhookAllowPrivate: boolean;
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
    redisTlsCa: c.REDIS_TLS_CA,
    enqueueTimeoutMs: c.ENQUEUE_TIMEOUT_MS,
    keyPrefix: c.KEY_PREFIX,
    host: c.HOST,
    port: c.PORT,
    logLevel: c.LOG_LEVEL,
    workerConcurrency: c.WORKER_CONCURRENCY,
    workerLockMs: c.WORKER_LOCK_MS,
    maxBodyBytes: c.MAX_BODY_BYTES,
    maxDatasetBytes: c.MAX_DATASET_BYTES,
    maxPredictRows: c.MAX_PREDICT_ROWS,
    predictThreadWork: c.PREDICT_THREAD_WORK,
    predictThreads: c.PREDICT_THREADS,
    sseHeartbeatMs: c.SSE_HEARTBEAT_MS,
    maxTenantStreams: c.MAX_TENANT_STREAMS,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: Math.min(c.HEADERS_TIMEOUT_MS, c.REQUEST_TIMEOUT_MS), // Node requires it
    connectionTimeoutMs: c.CONNECTION_TIMEOUT_MS,
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
    maxJobEvents: c.MAX_JOB_EVENTS,
    maxHistoryPoints: c.MAX_HISTORY_POINTS,
    maxTenantStorageBytes: c.MAX_TENANT_STORAGE_BYTES,
    maxJobSeconds: c.MAX_JOB_SECONDS,
    maxParameters: c.MAX_PARAMETERS,
    maxDatasetCells: c.MAX_DATASET_CELLS,
    maxDatasetStoredBytes: c.MAX_DATASET_STORED_BYTES,
    maxJsonDepth: c.MAX_JSON_DEPTH,
    maxJobCompute: c.MAX_JOB_COMPUTE,
    workerRedisRetries: c.WORKER_REDIS_RETRIES,
    apiKeys: c.API_KEYS,
    adminTenants: c.ADMIN_TENANTS,
    webhookSecrets: c.WEBHOOK_SECRETS,
    maxTenantQueuedJobs: c.MAX_TENANT_QUEUED_JOBS,
    maxTenantRunningJobs: c.MAX_TENANT_RUNNING_JOBS,
    tenantThrottleDelayMs: c.TENANT_THROTTLE_DELAY_MS,
    rateLimitPerMinute: c.RATE_LIMIT_PER_MINUTE,
    webhookAttempts: c.WEBHOOK_ATTEMPTS,
    webhookBackoffMs: c.WEBHOOK_BACKOFF_MS,
    webhookTimeoutMs: c.WEBHOOK_TIMEOUT_MS,
    webhookEpochIntervalMs: c.WEBHOOK_EPOCH_INTERVAL_MS,
    webhookAllowPrivate: c.WEBHOOK_ALLOW_PRIVATE === '1',
  });
}

/** The one setting the CLI reads (it needs no other configuration): WASM_RELAXED_SIMD. */
export function relaxedSimdWanted(env: Record<string, string | undefined> = process.env): boolean {
  return env.WASM_RELAXED_SIMD !== '0';
}
