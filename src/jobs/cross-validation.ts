// k-fold cross-validation of a training job (issue 17, training.crossValidation): the job is a
// parent whose first try records k fold jobs (ids derived from its own, so a try that runs again
// finds them and never makes them twice) and hands them to the queue as its children; once they
// are all done, a try reads their metrics, and the job trains its own model on all its rows
// (training.ts). Which rows a fold validates on is data/folds.ts; how a fold job trains, and
// that its model is not kept, training.ts. Needs no BullMQ: workers/processor.ts queues children.
import { AppError } from '../errors.js';
import {
  type CrossValidationMetrics,
  type Fold,
  finalStatuses,
  foldJobId,
  type JobPayload,
  type JobRecord,
  type JobSpecRecord,
  type ModelMetrics,
} from '../spec/index.js';
import { fencedOut } from '../store/fence.js';
import type { Stores } from '../store/index.js';
import { failTry, type JobOutcome, type TrainingTry } from './kind.js';
import type { Lifecycle } from './lifecycle.js';

/** The metrics summarised over the folds, when the folds report them. */
export const foldMetricNames = [
  'error',
  'validationError',
  'accuracy',
  'validationAccuracy',
] as const;

/** A job that cross-validates (not a fold job itself). */
export function isCrossValidated(job: TrainingTry['job']): boolean {
  return job.spec.training.crossValidation !== undefined && job.fold === undefined;
}

/**
 * Fold `index` of the job as a job of its own: the job's network, data and resolved training
 * (the same seed) without crossValidation, and with no webhook or model name: its model is
 * not kept, and the job's webhook hears the job, not its folds.
 */
export function foldPayload(job: TrainingTry['job'], index: number, folds: number): JobPayload {
  const { network, dataset, training } = job.spec;
  const { crossValidation: _, ...rest } = training;
  const spec: JobSpecRecord = { network, dataset, training: rest };
  const fold: Fold = { index, folds };
  return {
    jobId: foldJobId(job.jobId, index),
    tenant: job.tenant,
    spec,
    parentJobId: job.jobId,
    fold,
  };
}

/** Each fold's record (fold 0 first), or null where it was never made. */
export function foldRecords(stores: Stores, parentId: string, folds: number) {
  return Promise.all(
    Array.from({ length: folds }, (_, i) => stores.jobs.get(foldJobId(parentId, i))),
  );
}

/**
 * A try of the cross-validated job: the folds' summary once all succeeded, or how the try ends
 * (its folds to queue and wait for; failed or cancelled with a fold; fenced).
 */
export async function crossValidate(t: TrainingTry): Promise<CrossValidationMetrics | JobOutcome> {
  const { job, stores, lifecycle } = t;
  const folds = job.spec.training.crossValidation!.folds;
  const records = await foldRecords(stores, job.jobId, folds);
  if (records.some((r) => !r || !finalStatuses.includes(r.status))) {
    const children = records.flatMap((r, i) =>
      r && finalStatuses.includes(r.status) ? [] : [foldPayload(job, i, folds)],
    );
    await recordFolds(stores, lifecycle, job.jobId, children);
    return { status: 'waiting_children', children };
  }
  const done = records as JobRecord[];
  const cancelled = done.findIndex((r) => r.status === 'cancelled');
  if (cancelled >= 0) {
    const outcome = await lifecycle.cancel(job, ['running'], 0, t.fence);
    return { status: outcome === fencedOut ? 'fenced' : 'cancelled' };
  }
  const failed = done.findIndex((r) => r.status !== 'succeeded' || !r.metrics);
  if (failed >= 0) {
    const error = done[failed]!.error;
    const why = error?.message ?? 'it finished without metrics';
    const message = `fold ${failed} of ${folds} (job ${done[failed]!.id}) failed: ${why}`;
    return failTry(t, error?.code ?? 'internal', message);
  }
  return summarizeFolds(
    done.map((r) => r.id),
    done.map((r) => r.metrics!),
  );
}

// Records the folds not recorded yet ('exists' for one an earlier try made); none is held back
// by the tenant's queued cap (the job was let in). A cancel asked for meanwhile reaches them.
async function recordFolds(
  stores: Stores,
  lifecycle: Lifecycle,
  parentId: string,
  children: JobPayload[],
): Promise<void> {
  for (const child of children) {
    const record: JobRecord = {
      id: child.jobId,
      status: 'queued',
      spec: child.spec,
      createdAt: new Date().toISOString(),
      parentJobId: parentId,
      ...(child.fold ? { fold: child.fold } : {}),
    };
    await lifecycle.create(record, child.tenant, 0, async () => {});
  }
  const parent = await stores.jobs.get(parentId);
  if (parent?.cancelRequested) await cancelFolds(stores, lifecycle, parent);
}

/**
 * Cancels the folds of a cross-validated job: a queued fold at once (and off the queue), a
 * running one asked to stop. Folds finished or never made are left as they are.
 */
export async function cancelFolds(
  stores: Stores,
  lifecycle: Lifecycle,
  parent: JobRecord,
  queue?: { remove(id: string): Promise<unknown> },
): Promise<void> {
  const spec = parent.spec as Partial<JobSpecRecord>;
  const folds = spec.training?.crossValidation?.folds;
  if (folds === undefined || parent.fold) return;
  for (let i = 0; i < folds; i++) {
    const id = foldJobId(parent.id, i);
    const { outcome } = await lifecycle.cancelQueued(id, stores.keys.tenant);
    if (outcome === 'ok') await queue?.remove(id).catch(() => 0);
    else if (outcome === 'running') await lifecycle.requestCancel(id);
  }
}

/**
 * A fold job stays while its cross-validated job may still read it: deleting it before that job
 * has finished is a 409 (the job would make the fold again).
 */
export async function refuseDeletingFold(stores: Stores, id: string): Promise<void> {
  const record = await stores.jobs.get(id);
  if (!record?.parentJobId) return;
  const parent = await stores.jobs.get(record.parentJobId);
  if (!parent || finalStatuses.includes(parent.status)) return;
  throw new AppError(
    'conflict',
    `job ${id} is fold ${record.fold?.index ?? '?'} of job ${parent.id}, which is ${parent.status} and reads its folds' metrics once they are done: wait for it, or cancel it (POST /v1/jobs/${parent.id}/cancel), then delete this one`,
  );
}

/**
 * The folds' metrics summarised: for each of foldMetricNames that every fold reports, the folds'
 * values (fold 0 first), their mean and population standard deviation (ddof 0, numpy's default).
 */
export function summarizeFolds(jobIds: string[], metrics: ModelMetrics[]): CrossValidationMetrics {
  const summary: CrossValidationMetrics['metrics'] = {};
  for (const name of foldMetricNames) {
    const values = metrics.map((m) => m[name]);
    if (values.length === 0 || values.some((v) => v === undefined)) continue;
    const numbers = values as number[];
    const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length;
    const variance = numbers.reduce((a, v) => a + (v - mean) ** 2, 0) / numbers.length;
    summary[name] = { mean, std: Math.sqrt(variance), values: numbers };
  }
  return { folds: jobIds.length, jobIds, metrics: summary };
}
