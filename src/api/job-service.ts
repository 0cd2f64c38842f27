// Submitting a job: check the spec against the data's shape without writing anything, honour an
// Idempotency-Key, store an inline dataset, record the job, and enqueue it with a reference to
// its data.
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { DataRows } from '../data/index.js';
import { checkAgainstData, checkShape, loadDataset } from '../data/resolve.js';
import { shapeOfBuiltin, shapeOfGenerator } from '../data/shape.js';
import { parameterCount } from '../engine/index.js';
import { AppError, type Issue, ValidationError } from '../errors.js';
import { newId } from '../ids.js';
import { createLifecycle } from '../jobs/lifecycle.js';
import {
  type DatasetRef,
  type JobRecord,
  type JobSpec,
  type ResolvedTraining,
  resolveTraining,
} from '../spec/index.js';
import { checkStoredSize, type Stores } from '../store/index.js';
import { isPrivateAddress } from '../webhooks.js';
import { enqueueJob } from './enqueue.js';
import type { Services } from './services.js';

interface Checked {
  ref: DatasetRef | null; // null: inline data, stored on submission
  inline: DataRows | null;
  /** Rows, feature columns and outputs (classes or targets), for the size limits. */
  rows: number;
  features: number;
  outputs: number;
}

async function checkDataset(
  services: Services,
  stores: Stores,
  spec: JobSpec,
  training: ResolvedTraining,
): Promise<Checked> {
  const { network, dataset } = spec;
  let issues: Issue[];
  let checked: Checked;
  if ('id' in dataset) {
    const meta = await stores.datasets.meta(dataset.id);
    if (!meta) {
      throw new ValidationError([
        {
          path: 'dataset.id',
          message: 'no dataset has this id: upload one with POST /v1/datasets',
        },
      ]);
    }
    issues = checkShape(network, training, meta, 'dataset.id');
    checked = { ref: { id: dataset.id }, inline: null, ...sizeOf(meta) };
  } else if ('builtin' in dataset) {
    const shape = shapeOfBuiltin(dataset.builtin, dataset.subset);
    issues = checkShape(network, training, shape, 'dataset');
    checked = { ref: dataset, inline: null, ...sizeOf(shape) };
  } else if ('generator' in dataset) {
    const shape = shapeOfGenerator(dataset);
    issues = checkShape(network, training, shape, 'dataset');
    checked = { ref: dataset, inline: null, ...sizeOf(shape) };
  } else if ('csv' in dataset) {
    throw new ValidationError([
      {
        path: 'dataset.csv',
        message:
          'the server cannot read local files: upload the CSV with POST /v1/datasets and give {"id": …}',
      },
    ]);
  } else {
    // refused before its arrays are made, and stored with labels as class indices (issue 12)
    const { maxDatasetCells: maxCells, maxDatasetStoredBytes } = services.config;
    const data = loadDataset(dataset, { allowFiles: false, maxCells });
    checkStoredSize(data, maxDatasetStoredBytes);
    issues = checkAgainstData(network, training, data);
    checked = { ref: null, inline: data, ...sizeOf(data) };
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return checked;
}

const sizeOf = (shape: { rows: number; features: number; outputs: number }) => ({
  rows: shape.rows,
  features: shape.features,
  outputs: shape.outputs,
});

// The service's size limits: each refusal names the limit, its value and the job's figure.
function checkLimits(
  services: Services,
  spec: JobSpec,
  training: ResolvedTraining,
  checked: Checked,
): void {
  const { maxParameters, maxDatasetCells, maxJobCompute } = services.config;
  const parameters = parameterCount(spec.network);
  const cells = checked.rows * checked.features;
  const compute = training.epochs * checked.rows * parameters;
  const issues: Issue[] = [];
  if (parameters > maxParameters)
    issues.push({
      path: 'network.layers',
      message: `has ${parameters} parameters; this service trains at most ${maxParameters} (MAX_PARAMETERS): use fewer or narrower layers`,
    });
  if (cells > maxDatasetCells)
    issues.push({
      path: 'dataset',
      message: `has ${checked.rows} rows × ${checked.features} features = ${cells} values; this service takes at most ${maxDatasetCells} (MAX_DATASET_CELLS)`,
    });
  // the targets a worker makes (one-hot for classes) are as large as this: refused here, not there
  if (checked.rows * checked.outputs > maxDatasetCells)
    issues.push({
      path: 'dataset',
      message: `has ${checked.rows} rows × ${checked.outputs} outputs (classes or target columns) = ${checked.rows * checked.outputs} target values; this service takes at most ${maxDatasetCells} (MAX_DATASET_CELLS): use fewer rows or classes`,
    });
  if (compute > maxJobCompute)
    issues.push({
      path: 'training.epochs',
      message: `${training.epochs} epochs × ${checked.rows} rows × ${parameters} parameters = ${compute.toExponential(2)}, over the budget of ${maxJobCompute.toExponential(2)} a job may use (MAX_JOB_COMPUTE): train fewer epochs, on fewer rows or a smaller network`,
    });
  if (issues.length > 0) throw new ValidationError(issues);
}

// Stores the job's inline rows, within the tenant's storage quota (a 413 past it), as a job on
// stored data is checked too: it adds a model. The new dataset's id; null for stored data.
async function storeInline(stores: Stores, checked: Checked): Promise<string | null> {
  if (!checked.ref) return (await stores.datasets.save(checked.inline!)).id;
  await stores.usage.check(0, 'a new job (it adds a model)');
  return null;
}

interface IdempotencyEntry {
  hash: string;
  jobId: string;
}

// Reserves the key for a new job id, or returns the job id it already names (same body only).
async function reserveKey(
  services: Services,
  stores: Stores,
  key: string,
  hash: string,
): Promise<{ jobId: string; fresh: boolean }> {
  const { redis, config } = services;
  const redisKey = stores.keys.idempotency(key);
  const jobId = newId();
  const entry: IdempotencyEntry = { hash, jobId };
  const set = await redis.set(
    redisKey,
    JSON.stringify(entry),
    'EX',
    config.idempotencyTtlSeconds,
    'NX',
  );
  if (set === 'OK') return { jobId, fresh: true };
  const existing = JSON.parse((await redis.get(redisKey)) ?? 'null') as IdempotencyEntry | null;
  if (!existing) return reserveKey(services, stores, key, hash); // expired in between
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

/** How long a client refused for a full queue is asked to wait. */
const queueFullRetrySeconds = 30;

function queueFull(services: Services): AppError {
  const max = services.config.maxTenantQueuedJobs;
  return new AppError(
    'too_many_requests',
    `you already have ${max} jobs queued, the most a tenant may (MAX_TENANT_QUEUED_JOBS = ${max}): wait for some to start, or cancel some`,
    queueFullRetrySeconds,
  );
}

export async function submitJob(
  services: Services,
  stores: Stores,
  spec: JobSpec,
  idempotencyKey?: string,
  log?: FastifyBaseLogger,
): Promise<{ record: JobRecord; created: boolean }> {
  const training = resolveTraining(spec.training);
  const { maxJobThreads, maxTenantQueuedJobs } = services.config;
  if (training.threads > maxJobThreads) {
    throw new ValidationError([
      {
        path: 'training.threads',
        message: `asks for ${training.threads} threads; this service trains a job on at most ${maxJobThreads} (MAX_JOB_THREADS)`,
      },
    ]);
  }
  if (spec.webhook && !services.config.webhookSecrets.has(stores.keys.tenant)) {
    throw new ValidationError([
      {
        path: 'webhook',
        message: `your tenant (${stores.keys.tenant}) has no webhook signing secret: the operator adds one to WEBHOOK_SECRETS (backprop keys new makes one)`,
      },
    ]);
  }
  if (spec.webhook && !services.config.webhookAllowPrivate) {
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
  const checked = await checkDataset(services, stores, spec, training);
  checkLimits(services, spec, training, checked);
  let jobId = newId();
  let idempotencyKeyToRelease: string | undefined;
  if (idempotencyKey) {
    const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex');
    const reserved = await reserveKey(services, stores, idempotencyKey, hash);
    if (!reserved.fresh)
      return { record: await waitForRecord(stores, reserved.jobId), created: false };
    jobId = reserved.jobId;
    idempotencyKeyToRelease = stores.keys.idempotency(idempotencyKey);
  }
  const { redis } = services;
  // refused, nothing of this request may stay behind: not its key, not its inline data
  const release = async (datasetId?: string) => {
    if (idempotencyKeyToRelease) await redis.del(idempotencyKeyToRelease).catch(() => 0);
    if (datasetId) await stores.datasets.delete(datasetId).catch(() => false);
  };
  if ((await stores.jobs.count('queued')) >= maxTenantQueuedJobs) {
    await release();
    throw queueFull(services);
  }
  const stored = await storeInline(stores, checked).catch(async (error) => {
    await release();
    throw error;
  });
  const ref = checked.ref ?? { id: stored! };
  const record: JobRecord = {
    id: jobId,
    status: 'queued',
    spec: {
      network: spec.network,
      dataset: ref,
      training,
      ...(spec.webhook ? { webhook: spec.webhook } : {}),
    },
    createdAt: new Date().toISOString(),
    // what the job owns goes with it (store/job-scripts.ts)
    ...(stored ? { ownedDataset: stored } : {}),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
  const tenant = stores.keys.tenant;
  const data = { jobId, tenant, spec: record.spec };
  const enqueue = () => enqueueJob(services, stores, data, () => release(stored ?? undefined), log);
  const lifecycle = createLifecycle(stores, services.notify);
  const created = await lifecycle.create(record, tenant, maxTenantQueuedJobs, enqueue);
  if (created !== 'ok') {
    await release(stored ?? undefined);
    if (created === 'full') throw queueFull(services);
    throw new AppError('conflict', `a job with id ${jobId} exists already: submit again`);
  }
  return { record, created: true };
}
