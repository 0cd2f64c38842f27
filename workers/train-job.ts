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
import { emptyHistory, historyOf } from '../src/spec/history.js';
import {
  createModelDocument,
  type DatasetRef,
  type FailureCode,
  finalEventTypes,
  finalStatuses,
  type JobEvent,
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

const now = () => new Date().toISOString();

async function loadData(stores: Stores, ref: DatasetRef): Promise<DataRows | null> {
  if ('id' in ref) return stores.datasets.load(ref.id);
  if ('builtin' in ref) return loadBuiltin(ref.builtin, ref.subset ?? 'all');
  const { generator, ...params } = ref;
  return (generators[generator] as (p: object) => Dataset)(params);
}

async function fail(
  stores: Stores,
  job: JobPayload,
  options: RunOptions,
  fence: Fence,
  code: FailureCode,
  message: string,
): Promise<JobOutcome> {
  const error = { code, message };
  const events: JobEvent[] = [
    { type: 'status', status: 'failed', at: now() },
    { type: 'failed', error, at: now() },
  ];
  const outcome = await stores.jobs.transition(
    job.jobId,
    ['running'],
    'failed',
    { error, finishedAt: now() },
    events,
    0,
    fence,
  );
  if (outcome === 'ok') await options.notify(job, events);
  return { status: outcome === fencedOut ? 'fenced' : 'failed' };
}

async function cancel(
  stores: Stores,
  job: JobPayload,
  options: RunOptions,
  fence: Fence,
  epoch: number,
): Promise<JobOutcome> {
  const events: JobEvent[] = [
    { type: 'status', status: 'cancelled', at: now() },
    { type: 'cancelled', epoch, at: now() },
  ];
  const outcome = await stores.jobs.transition(
    job.jobId,
    ['running'],
    'cancelled',
    { finishedAt: now() },
    events,
    0,
    fence,
  );
  if (outcome === 'ok') await options.notify(job, events);
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

// Finished, but its worker stopped before BullMQ heard: the webhook may not have been told
// (deliveries are by id, so telling it twice is once).
async function retell(stores: Stores, job: JobPayload, options: RunOptions) {
  const events = (await stores.events.after(job.jobId)).map((e) => e.event);
  await options.notify(
    job,
    events.filter(
      (e) =>
        finalEventTypes.has(e.type) || (e.type === 'status' && finalStatuses.includes(e.status)),
    ),
  );
}

/**
 * This try takes the job: queued → running, or running already (its worker stopped, and BullMQ
 * handed it on). Claims a fence for every write of the try; a job taken over resumes from its
 * checkpoint. An outcome when there is nothing to train.
 */
async function takeUp(
  stores: Stores,
  job: JobPayload,
  options: RunOptions,
  before: JobRecord | null,
): Promise<JobOutcome | (Resume & { takeover: boolean })> {
  const { jobId } = job;
  const takeover = before?.status === 'running';
  if (takeover && before.startedAt)
    await options.notify(job, [{ type: 'status', status: 'running', at: before.startedAt }]);
  if (!takeover) {
    const running: JobEvent = { type: 'status', status: 'running', at: now() };
    const started = await stores.jobs.transition(
      jobId,
      ['queued'],
      'running',
      { startedAt: now() },
      [running],
      options.maxRunningJobs,
    );
    if (started === 'full') return { status: 'throttled' };
    if (started !== 'ok') return { status: 'skipped' }; // cancelled while queued, or gone
    await options.notify(job, [running]);
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
  const before = await stores.jobs.get(jobId);
  if (before && finalStatuses.includes(before.status)) {
    await retell(stores, job, options);
    return { status: 'skipped' };
  }
  const resume = await takeUp(stores, job, options, before);
  if ('status' in resume) return resume;
  const { fence } = resume;
  const record = (await stores.jobs.get(jobId)) as JobRecord;
  if (record.cancelRequested) return cancel(stores, job, options, fence, 0);
  try {
    const rows = await loadData(stores, job.spec.dataset);
    if (!rows)
      return fail(
        stores,
        job,
        options,
        fence,
        'dataset_missing',
        'the dataset was deleted before the job ran',
      );
    // stored class indices become one-hot targets here, in the thread, once their size is known
    // to fit (a dataset stored under another MAX_DATASET_CELLS, issue 12): never retried
    if (!rows.targets && rows.rows * rows.outputs > options.maxDatasetCells) {
      const why = oneHotTooLarge(rows.rows, rows.outputs, options.maxDatasetCells);
      return fail(stores, job, options, fence, 'dataset_too_large', why);
    }
    const data = withTargets(rows);
    if (resume.takeover) {
      // the same seed retrains the same epochs: only the ones not yet in the stream are sent
      const appended = await stores.events.append(
        jobId,
        {
          type: 'resumed',
          epoch: resume.checkpoint?.epoch ?? 0,
          position: resume.checkpoint?.position ?? 0,
          ...(attempt.made > 0 ? { attempt: attempt.made + 1 } : {}),
          at: now(),
        },
        fence,
      );
      if (appended === fencedOut) return { status: 'fenced' };
    }
    const t0 = performance.now();
    const result = await trainStreaming(stores, job, data, signal, resume, options);
    if (result === 'handed_back' || result === 'fenced') return { status: result };
    if (result === 'time_limit')
      return fail(
        stores,
        job,
        options,
        fence,
        'time_limit',
        `training ran longer than the ${options.maxJobSeconds} s a job may (MAX_JOB_SECONDS)`,
      );
    if (result.reason === 'stopped') return cancel(stores, job, options, fence, result.epochs);
    if (result.reason === 'diverged')
      return fail(stores, job, options, fence, 'diverged', result.message);
    const doc = createModelDocument({
      network: job.spec.network,
      training: job.spec.training,
      result,
      classes: data.classes,
      featureNames: data.featureNames,
      history: historyOf(resume.history),
      durationMs: performance.now() - t0,
    });
    return await succeed(stores, job, options, fence, doc);
  } catch (error) {
    // the job's own input is at fault (its data, its spec): it fails once, as a 4xx would
    if (error instanceof AppError && error.status < 500) {
      const message = `the job's input was refused: ${error.message}`;
      await fail(stores, job, options, fence, 'invalid_input', message).catch(() => {});
      throw new UnrecoverableError(message);
    }
    const message = `training stopped by an internal error: ${(error as Error).message}`;
    if (attempt.made + 1 < attempt.max) {
      // an infrastructure failure: BullMQ tries again after a backoff, and that try resumes
      // from the checkpoint (the record stays running); best effort, Redis may be the cause
      await stores.events
        .append(
          jobId,
          {
            type: 'retrying',
            attempt: attempt.made + 1,
            attempts: attempt.max,
            error: { code: 'internal', message },
            at: now(),
          },
          fence,
        )
        .catch(() => {});
      throw error;
    }
    await fail(stores, job, options, fence, 'internal', message).catch(() => {});
    throw error;
  }
}

// Saves the model and records the job done (the move also drops the checkpoint), both fenced.
async function succeed(
  stores: Stores,
  job: JobPayload,
  options: RunOptions,
  fence: Fence,
  doc: ReturnType<typeof createModelDocument>,
): Promise<JobOutcome> {
  const { jobId } = job;
  const modelId = await stores.models.idForJob(jobId, newId());
  if ((await stores.models.save({ ...doc, id: modelId, jobId }, fence)) === fencedOut)
    return { status: 'fenced' };
  const events: JobEvent[] = [
    { type: 'status', status: 'succeeded', at: now() },
    { type: 'done', modelId, metrics: doc.metrics, at: now() },
  ];
  const finished = await stores.jobs.transition(
    jobId,
    ['running'],
    'succeeded',
    { modelId, metrics: doc.metrics, finishedAt: now() },
    events,
    0,
    fence,
  );
  if (finished === 'ok') await options.notify(job, events);
  if (finished === fencedOut) return { status: 'fenced' };
  return finished === 'ok' ? { status: 'succeeded', modelId } : { status: 'skipped' };
}
