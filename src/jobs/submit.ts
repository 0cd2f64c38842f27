// Submitting a job: its kind checks it without writing anything; then an Idempotency-Key is
// honoured, the tenant's queued cap and storage quota are kept, inline rows are stored, and the
// job is recorded and queued (lifecycle.ts) with a reference to its data. Nothing of a refused
// request stays behind. Not the HTTP route (api/routes/jobs.ts), nor the checks of a kind.
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { AppError, ValidationError } from '../errors.js';
import { newId } from '../ids.js';
import type { TrainingQueue } from '../queue.js';
import type { JobKind, JobRecord, JobSpecRecord } from '../spec/index.js';
import type { Stores } from '../store/index.js';
import { isPrivateAddress, type Notify } from '../webhooks.js';
import { awaitingSpecOf } from './awaiting.js';
import { enqueueJob, type Logger } from './enqueue.js';
import type { Kind, Prepared, Submitted } from './kind.js';
import { kinds } from './kinds.js';
import { createLifecycle } from './lifecycle.js';

/** What submitting needs of the service: its settings, the training queue, the webhook sender. */
export interface SubmitDeps {
  config: Readonly<Config>;
  queue: TrainingQueue;
  notify: Notify;
}

/** How long a client refused for a full queue is asked to wait. */
const queueFullRetrySeconds = 30;

function queueFull(config: Readonly<Config>): AppError {
  const max = config.maxTenantQueuedJobs;
  return new AppError(
    'too_many_requests',
    `you already have ${max} jobs queued, the most a tenant may (MAX_TENANT_QUEUED_JOBS = ${max}): wait for some to start, or cancel some`,
    queueFullRetrySeconds,
  );
}

export type { Submitted } from './kind.js';

// A webhook is signed with the tenant's secret, and reaches no private address unless allowed.
function checkWebhook(config: Readonly<Config>, tenant: string, spec: Submitted): void {
  if (!spec.webhook) return;
  if (!config.webhookSecrets.has(tenant)) {
    throw new ValidationError([
      {
        path: 'webhook',
        message: `your tenant (${tenant}) has no webhook signing secret: the operator adds one to WEBHOOK_SECRETS (backprop keys new makes one)`,
      },
    ]);
  }
  if (config.webhookAllowPrivate) return;
  const host = new URL(spec.webhook.url).hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || isPrivateAddress(host)) {
    throw new ValidationError([
      {
        path: 'webhook.url',
        message: `${host} is a loopback or private address, which webhooks may not reach here (WEBHOOK_ALLOW_PRIVATE=0): give a public address`,
      },
    ]);
  }
}

// Reserves the key for a new job id, or returns the job id it already names (same body only).
async function reserveKey(
  config: Readonly<Config>,
  stores: Stores,
  key: string,
  spec: Submitted,
): Promise<{ jobId: string; fresh: boolean }> {
  const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex');
  const jobId = newId();
  const ttl = config.idempotencyTtlSeconds;
  const existing = await stores.idempotency.reserve(key, { hash, jobId }, ttl);
  if (!existing) return { jobId, fresh: true };
  if (existing.hash !== hash) {
    throw new AppError(
      'idempotency_mismatch',
      `Idempotency-Key ${key} was first used with a different body: use a new key for a new job`,
    );
  }
  return { jobId: existing.jobId, fresh: false };
}

async function waitForRecord(stores: Stores, jobId: string): Promise<JobRecord> {
  for (let i = 0; i < 40; i++) {
    const record = await stores.jobs.get(jobId);
    if (record) return record;
    await new Promise((r) => setTimeout(r, 25)); // the first request is still creating it
  }
  throw new AppError(
    'conflict',
    'a job with this Idempotency-Key is still being created: retry shortly',
  );
}

// Stores the job's inline rows, within the tenant's storage quota (a 413 past it), as a job on
// stored data is checked too: it adds a model. The new dataset's id; null for stored data.
async function storeInline(
  stores: Stores,
  prepared: Prepared,
  kind: JobKind,
): Promise<string | null> {
  // in Redis: its job's scripts delete it with the job (a job's body is at most MAX_BODY_BYTES)
  if (!prepared.dataset)
    return (await stores.datasets.save(prepared.inline!, { inRedis: true })).id;
  const adds = kind === 'training' ? 'it adds a model' : 'it stores its output';
  await stores.usage.check(0, `a new job (${adds})`);
  return null;
}

/**
 * Submits a job: `created` false when its Idempotency-Key names one submitted before (that one
 * is returned). `extra`: what the service adds to the recorded spec, never the client (the model
 * a reproduction retrains, jobs/reproduce.ts). Throws a ValidationError, or an AppError for a limit, a conflict or a queue
 * that did not take it.
 */
export async function submitJob(
  deps: SubmitDeps,
  stores: Stores,
  spec: Submitted,
  idempotencyKey?: string,
  log?: Logger,
  kind: JobKind = 'training',
  extra: Pick<JobSpecRecord, 'reproduces'> = {},
): Promise<{ record: JobRecord; created: boolean }> {
  const { config } = deps;
  // the route gives each kind its own body (its schema): training a JobSpec, batch predictions
  // a BatchPredictionSubmit
  const definition = kinds[kind] as unknown as Kind<unknown, Submitted>;
  const checked = definition.check(config, spec);
  checkWebhook(config, stores.keys.tenant, spec);
  // on a dataset still processing: recorded and queued as submitted, checked once it is ready
  const awaiting = await awaitingSpecOf(stores, spec, kind);
  const prepared: Prepared = awaiting
    ? { inline: null, dataset: awaiting.dataset, record: () => awaiting }
    : await definition.prepare(config, stores, spec, checked);
  let jobId = newId();
  if (idempotencyKey) {
    const reserved = await reserveKey(config, stores, idempotencyKey, spec);
    if (!reserved.fresh)
      return { record: await waitForRecord(stores, reserved.jobId), created: false };
    jobId = reserved.jobId;
  }
  // refused, nothing of this request may stay behind: not its key, not its inline data
  const release = async (datasetId?: string | null) => {
    if (idempotencyKey) await stores.idempotency.release(idempotencyKey);
    if (datasetId) await stores.datasets.delete(datasetId).catch(() => false);
  };
  if ((await stores.jobs.count('queued')) >= config.maxTenantQueuedJobs) {
    await release();
    throw queueFull(config);
  }
  const stored = await storeInline(stores, prepared, kind).catch(async (error) => {
    await release();
    throw error;
  });
  const recorded = { ...prepared.record(prepared.dataset ?? { id: stored! }), ...extra };
  const record = newRecord(jobId, recorded, { stored, idempotencyKey });
  await recordAndQueue(deps, stores, record, kind, () => release(stored), log);
  return { record, created: true };
}

function newRecord(
  id: string,
  spec: JobRecord['spec'],
  owned: { stored: string | null; idempotencyKey: string | undefined },
): JobRecord {
  return {
    id,
    status: 'queued',
    spec,
    createdAt: new Date().toISOString(),
    // what the job owns goes with it (store/job-scripts.ts)
    ...(owned.stored ? { ownedDataset: owned.stored } : {}),
    ...(owned.idempotencyKey ? { idempotencyKey: owned.idempotencyKey } : {}),
  };
}

// Records the job and puts it on the queue; refused either way, `release` takes back the rest.
async function recordAndQueue(
  deps: SubmitDeps,
  stores: Stores,
  record: JobRecord,
  kind: JobKind,
  release: () => Promise<void>,
  log?: Logger,
): Promise<void> {
  const tenant = stores.keys.tenant;
  // training, the first kind, is the one a payload without `kind` means: its payload is unchanged
  const payload = {
    jobId: record.id,
    tenant,
    spec: record.spec,
    ...(kind === 'training' ? {} : { kind }),
  };
  const enqueue = () => enqueueJob(deps, stores, payload, release, log);
  const lifecycle = createLifecycle(stores, deps.notify);
  const created = await lifecycle.create(record, tenant, deps.config.maxTenantQueuedJobs, enqueue);
  if (created === 'ok') return;
  await release();
  if (created === 'full') throw queueFull(deps.config);
  throw new AppError('conflict', `a job with id ${record.id} exists already: submit again`);
}
