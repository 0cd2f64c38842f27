// Running one training job inside a worker thread: claim it, load its data, train it
// (train-streaming.ts), then save the model and finish the job — each status change atomic with
// its event.
// Every write of a try carries the fence it claimed: a try that lost its job stops, writing nothing.
import { UnrecoverableError } from 'bullmq';
import {
  type DataRows,
  type Dataset,
  generators,
  loadBuiltin,
  oneHotTooLarge,
  withTargets,
} from '../src/data/index.js';
import { AppError } from '../src/errors.js';
import { newId } from '../src/ids.js';
import { createLifecycle, type Lifecycle } from '../src/jobs/lifecycle.js';
import { emptyHistory, historyOf } from '../src/spec/history.js';
import {
  createModelDocument,
  type DatasetRef,
  type FailureCode,
  finalStatuses,
  type JobPayload,
  type JobRecord,
} from '../src/spec/index.js';
import { fencedOut } from '../src/store/fence.js';
import type { Fence, Stores } from '../src/store/index.js';
import type { Notify } from '../src/webhooks.js';
import { type Resume, trainStreaming } from './train-streaming.js';

export interface JobOutcome {
  /**
   * handed_back: checkpointed and to go back on the queue (the worker is shutting down);
   * throttled: not started, as its tenant has as many jobs running as it may;
   * fenced: another try has taken the job over (this one's lock lapsed): it stopped.
   */
  status: 'succeeded' | 'failed' | 'cancelled' | 'skipped' | 'handed_back' | 'throttled' | 'fenced';
  modelId?: string;
}

async function loadData(stores: Stores, ref: DatasetRef): Promise<DataRows | null> {
  if ('id' in ref) return stores.datasets.load(ref.id);
  if ('builtin' in ref) return loadBuiltin(ref.builtin, ref.subset ?? 'all');
  const { generator, ...params } = ref;
  return (generators[generator] as (p: object) => Dataset)(params);
}

async function fail(
  lifecycle: Lifecycle,
  job: JobPayload,
  fence: Fence,
  code: FailureCode,
  message: string,
): Promise<JobOutcome> {
  const outcome = await lifecycle.fail(job, ['running'], { code, message }, fence);
  return { status: outcome === fencedOut ? 'fenced' : 'failed' };
}

async function cancel(
  lifecycle: Lifecycle,
  job: JobPayload,
  fence: Fence,
  epoch: number,
): Promise<JobOutcome> {
  const outcome = await lifecycle.cancel(job, ['running'], epoch, fence);
  return { status: outcome === fencedOut ? 'fenced' : 'cancelled' };
}

/** How the worker runs jobs (from its configuration). */
export interface RunOptions {
  /** Least time between two checkpoints of a running job. */
  checkpointMs: number;
  /** The longest a job may train, counting earlier tries (0: no limit). */
  maxJobSeconds: number;
  /** The most target values (rows × outputs) a job's data may expand to. */
  maxDatasetCells: number;
  /** A tenant's jobs training at once at most (0: no cap). */
  maxRunningJobs: number;
  /** Least time between two `epoch` webhook deliveries of one job. */
  webhookEpochIntervalMs: number;
  /** The most points a model's per-epoch history keeps (MAX_HISTORY_POINTS). */
  historyPoints: number;
  /** Sends events to the job's webhook (queued; never blocks training). */
  notify: Notify;
}

/**
 * This try takes the job: queued → running, or running already (its worker stopped, and BullMQ
 * handed it on). Claims a fence for every write of the try; a job taken over resumes from its
 * checkpoint. An outcome when there is nothing to train.
 */
async function takeUp(
  stores: Stores,
  lifecycle: Lifecycle,
  job: JobPayload,
  options: RunOptions,
  before: JobRecord | null,
): Promise<JobOutcome | (Resume & { takeover: boolean })> {
  const { jobId } = job;
  const takeover = before?.status === 'running';
  if (takeover && before.startedAt) await lifecycle.retellRunning(job, before.startedAt);
  if (!takeover) {
    const started = await lifecycle.start(job, options.maxRunningJobs);
    if (started === 'full') return { status: 'throttled' };
    if (started !== 'ok') return { status: 'skipped' }; // cancelled while queued, or gone
  }
  // the claim reads the epochs written so far: no write of an earlier try lands after it
  const claim = await stores.jobs.claim(jobId);
  if (!claim) return { status: 'skipped' }; // finished meanwhile
  const checkpoint = takeover ? await stores.checkpoints.load(jobId) : null;
  const history = checkpoint?.history ?? emptyHistory();
  return {
    takeover,
    checkpoint,
    history,
    written: takeover ? claim.written : 0,
    fence: claim.fence,
  };
}

export async function runTrainingJob(
  stores: Stores,
  job: JobPayload,
  options: RunOptions,
  signal?: AbortSignal,
  attempt: { made: number; max: number } = { made: 0, max: 1 },
): Promise<JobOutcome> {
  const { jobId } = job;
  const lifecycle = createLifecycle(stores, options.notify);
  const before = await stores.jobs.get(jobId);
  if (before && finalStatuses.includes(before.status)) {
    await lifecycle.retellFinished(job);
    return { status: 'skipped' };
  }
  const resume = await takeUp(stores, lifecycle, job, options, before);
  if ('status' in resume) return resume;
  const { fence } = resume;
  const record = (await stores.jobs.get(jobId)) as JobRecord;
  if (record.cancelRequested) return cancel(lifecycle, job, fence, 0);
  try {
    const rows = await loadData(stores, job.spec.dataset);
    if (!rows)
      return fail(
        lifecycle,
        job,
        fence,
        'dataset_missing',
        'the dataset was deleted before the job ran',
      );
    // stored class indices become one-hot targets here, in the thread, once their size is known
    // to fit (a dataset stored under another MAX_DATASET_CELLS, issue 12): never retried
    if (!rows.targets && rows.rows * rows.outputs > options.maxDatasetCells) {
      const why = oneHotTooLarge(rows.rows, rows.outputs, options.maxDatasetCells);
      return fail(lifecycle, job, fence, 'dataset_too_large', why);
    }
    const data = withTargets(rows);
    if (resume.takeover) {
      // the same seed retrains the same epochs: only the ones not yet in the stream are sent
      const appended = await lifecycle.resumed(
        job,
        fence,
        resume.checkpoint?.epoch ?? 0,
        resume.checkpoint?.position ?? 0,
        attempt.made > 0 ? attempt.made + 1 : undefined,
      );
      if (appended === fencedOut) return { status: 'fenced' };
    }
    const t0 = performance.now();
    const result = await trainStreaming(stores, lifecycle, job, data, signal, resume, options);
    if (result === 'handed_back' || result === 'fenced') return { status: result };
    if (result === 'time_limit')
      return fail(
        lifecycle,
        job,
        fence,
        'time_limit',
        `training ran longer than the ${options.maxJobSeconds} s a job may (MAX_JOB_SECONDS)`,
      );
    if (result.reason === 'stopped') return cancel(lifecycle, job, fence, result.epochs);
    if (result.reason === 'diverged')
      return fail(lifecycle, job, fence, 'diverged', result.message);
    const doc = createModelDocument({
      network: job.spec.network,
      training: job.spec.training,
      result,
      classes: data.classes,
      featureNames: data.featureNames,
      history: historyOf(resume.history),
      durationMs: performance.now() - t0,
    });
    return await succeed(stores, lifecycle, job, fence, doc);
  } catch (error) {
    // the job's own input is at fault (its data, its spec): it fails once, as a 4xx would
    if (error instanceof AppError && error.status < 500) {
      const message = `the job's input was refused: ${error.message}`;
      await fail(lifecycle, job, fence, 'invalid_input', message).catch(() => {});
      throw new UnrecoverableError(message);
    }
    const message = `training stopped by an internal error: ${(error as Error).message}`;
    if (attempt.made + 1 < attempt.max) {
      // an infrastructure failure: BullMQ tries again after a backoff, and that try resumes
      // from the checkpoint (the record stays running); best effort, Redis may be the cause
      await lifecycle
        .retrying(job, fence, attempt.made + 1, attempt.max, { code: 'internal', message })
        .catch(() => {});
      throw error;
    }
    await fail(lifecycle, job, fence, 'internal', message).catch(() => {});
    throw error;
  }
}

// Saves the model and records the job done (the move also drops the checkpoint), both fenced.
async function succeed(
  stores: Stores,
  lifecycle: Lifecycle,
  job: JobPayload,
  fence: Fence,
  doc: ReturnType<typeof createModelDocument>,
): Promise<JobOutcome> {
  const { jobId } = job;
  const modelId = await stores.models.idForJob(jobId, newId());
  if ((await stores.models.save({ ...doc, id: modelId, jobId }, fence)) === fencedOut)
    return { status: 'fenced' };
  const finished = await lifecycle.succeed(job, fence, modelId, doc.metrics);
  if (finished === fencedOut) return { status: 'fenced' };
  return finished === 'ok' ? { status: 'succeeded', modelId } : { status: 'skipped' };
}
