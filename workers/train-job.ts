// Running one training job inside a worker thread: claim it, load its data, drive the engine a
// slice at a time (so epoch events reach Redis as they happen and a cancel is heard within a
// mini-batch), then save the model and finish the job — each status change atomic with its event.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import {
  type DataRows,
  type Dataset,
  generators,
  loadBuiltin,
  oneHotTooLarge,
  withTargets,
} from '../src/data/index.js';
import {
  createTraining,
  type EpochReport,
  type TrainCheckpoint,
  type TrainResult,
} from '../src/engine/index.js';
import { newId } from '../src/ids.js';
import { type DatasetRef, handoffReason, type TrainingJobData } from '../src/queue.js';
import { createModelDocument, type ModelDocument } from '../src/spec/index.js';
import {
  epochBucketOf,
  finalEventTypes,
  finalStatuses,
  type JobEvent,
  type JobRecord,
  metricsKeysFor,
  type Stores,
} from '../src/store/index.js';
import { createThreadTeam } from '../src/threads/team.js';
import type { Notify } from '../src/webhooks.js';

/** How long the engine runs before the thread lets its event loop turn. */
const sliceMs = 50;

export interface JobOutcome {
  /**
   * handed_back: checkpointed and to go back on the queue (the worker is shutting down);
   * throttled: not started, as its tenant has as many jobs running as it may.
   */
  status: 'succeeded' | 'failed' | 'cancelled' | 'skipped' | 'handed_back' | 'throttled';
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
  job: TrainingJobData,
  options: RunOptions,
  code: string,
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
  );
  if (outcome === 'ok') await options.notify(job, events);
  return { status: 'failed' };
}

async function cancel(
  stores: Stores,
  job: TrainingJobData,
  options: RunOptions,
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
  );
  if (outcome === 'ok') await options.notify(job, events);
  return { status: 'cancelled' };
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
  /** Sends events to the job's webhook (queued; never blocks training). */
  notify: Notify;
}

/** The epochs recorded in the job's event stream up to `through`, each once: a resumed job's history. */
async function historyThrough(
  stores: Stores,
  jobId: string,
  through: number,
): Promise<ModelDocument['history']> {
  const byEpoch = new Map<number, ModelDocument['history'][number]>();
  let after = '0';
  for (;;) {
    const page = await stores.events.after(jobId, after, 1000);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    for (const { event: e } of page) {
      if (e.type === 'epoch' && e.epoch <= through)
        byEpoch.set(e.epoch, {
          epoch: e.epoch,
          error: e.error,
          ...(e.validationError !== undefined ? { validationError: e.validationError } : {}),
        });
    }
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

// Drives the step-wise trainer, writing each epoch's event and progress (once per epoch, even
// when a resumed run trains an epoch again), saving a checkpoint every few seconds at a batch
// boundary, yielding every slice.
async function trainStreaming(
  redis: Redis,
  stores: Stores,
  job: TrainingJobData,
  data: Dataset,
  signal: AbortSignal | undefined,
  history: ModelDocument['history'],
  resume: { checkpoint: TrainCheckpoint | null; written: number },
  options: RunOptions,
): Promise<TrainResult | 'handed_back' | 'time_limit'> {
  const handoff = () => signal?.aborted === true && signal.reason === handoffReason;
  // training time so far counts what earlier tries did before their checkpoint
  const since = performance.now() - (resume.checkpoint?.elapsedMs ?? 0);
  let overTime = false;
  const stop = () => {
    if (signal?.aborted === true && !handoff()) return true;
    overTime =
      options.maxJobSeconds > 0 && performance.now() - since > options.maxJobSeconds * 1000;
    return overTime;
  };
  const { network, training } = job.spec;
  // a job on several threads brings its own helpers (data-parallel: engine/parallel.ts)
  const team = training.threads > 1 ? createThreadTeam(training.threads - 1) : undefined;
  const run = createTraining(
    network,
    data,
    training,
    { shouldStop: stop, ...(team ? { team } : {}) },
    resume.checkpoint ?? undefined,
  );
  const { steps } = run;
  const writes: Promise<unknown>[] = [];
  let saving: Promise<void> = Promise.resolve();
  const epochHooks = job.spec.webhook?.events.includes('epoch') === true;
  let hooked = Number.NEGATIVE_INFINITY;
  // reports' elapsedMs runs on over the whole job (and from a checkpoint): an epoch took the step
  let elapsedMs = resume.checkpoint?.last?.elapsedMs ?? 0;
  const metrics = metricsKeysFor(stores.keys.prefix);
  let slice = performance.now();
  let saved = performance.now();
  try {
    for (;;) {
      const step = steps.next();
      if (step.done) {
        await Promise.all([...writes, saving]);
        return overTime && step.value.reason === 'stopped' ? 'time_limit' : step.value;
      }
      if (step.value.type === 'epoch') {
        const r: EpochReport = step.value.report;
        const seconds = (r.elapsedMs - elapsedMs) / 1000;
        elapsedMs = r.elapsedMs;
        history.push({
          epoch: r.epoch,
          error: r.error,
          ...(r.validationError !== undefined ? { validationError: r.validationError } : {}),
        });
        if (r.epoch > resume.written) {
          const event: JobEvent = { type: 'epoch', ...r };
          const progress = { epoch: r.epoch, epochs: training.epochs, error: r.error };
          writes.push(
            redis
              .multi()
              .xadd(stores.keys.jobEvents(job.jobId), '*', 'data', JSON.stringify(event))
              .hset(stores.keys.job(job.jobId), 'progress', JSON.stringify(progress))
              // for /metrics, counted once per epoch as its event is written
              .incr(metrics.epochs)
              .hincrby(metrics.epochSeconds, epochBucketOf(seconds), 1)
              .hincrbyfloat(metrics.epochSeconds, 'sum', seconds)
              .exec(),
          );
          if (epochHooks && performance.now() - hooked >= options.webhookEpochIntervalMs) {
            hooked = performance.now();
            writes.push(options.notify(job, [event]));
          }
        }
      } else if (step.value.batchEnd && handoff()) {
        // shutting down: this batch boundary's state goes to Redis for the next worker
        await Promise.all([...writes, saving]);
        await stores.checkpoints.save(job.jobId, run.checkpoint());
        return 'handed_back';
      } else if (step.value.batchEnd && performance.now() - saved >= options.checkpointMs) {
        const checkpoint = run.checkpoint(); // copies, so training may go on at once
        saving = saving.then(() => stores.checkpoints.save(job.jobId, checkpoint));
        saved = performance.now();
      }
      if (performance.now() - slice >= sliceMs) {
        await yieldToEventLoop(); // lets a cancel message and Redis replies in
        await Promise.all(writes.splice(0));
        slice = performance.now();
      }
    }
  } finally {
    steps.return(undefined as never); // ends the run (and its helpers) if it did not finish
    await team?.close();
  }
}

export async function runTrainingJob(
  redis: Redis,
  stores: Stores,
  job: TrainingJobData,
  options: RunOptions,
  signal?: AbortSignal,
  attempt: { made: number; max: number } = { made: 0, max: 1 },
): Promise<JobOutcome> {
  const { jobId } = job;
  const before = await stores.jobs.get(jobId);
  if (before && finalStatuses.includes(before.status)) {
    // finished, but its worker stopped before BullMQ heard: the webhook may not have been told
    // (deliveries are by id, so telling it twice is once)
    const events = (await stores.events.after(jobId)).map((e) => e.event);
    await options.notify(
      job,
      events.filter(
        (e) =>
          finalEventTypes.has(e.type) || (e.type === 'status' && finalStatuses.includes(e.status)),
      ),
    );
    return { status: 'skipped' };
  }
  // running already: its worker stopped (killed, lost) and BullMQ handed the job on
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
  const record = (await stores.jobs.get(jobId)) as JobRecord;
  if (record.cancelRequested) return finish(stores, jobId, cancel(stores, job, options, 0));
  try {
    const rows = await loadData(stores, job.spec.dataset);
    if (!rows)
      return finish(
        stores,
        jobId,
        fail(stores, job, options, 'dataset_missing', 'the dataset was deleted before the job ran'),
      );
    // stored class indices become one-hot targets here, in the thread, once their size is known
    // to fit (a dataset stored under another MAX_DATASET_CELLS, issue 12): never retried
    if (!rows.targets && rows.rows * rows.outputs > options.maxDatasetCells) {
      const why = oneHotTooLarge(rows.rows, rows.outputs, options.maxDatasetCells);
      return finish(stores, jobId, fail(stores, job, options, 'dataset_too_large', why));
    }
    const data = withTargets(rows);
    const checkpoint = takeover ? await stores.checkpoints.load(jobId) : null;
    const written = takeover ? (record.progress?.epoch ?? 0) : 0;
    const history = checkpoint ? await historyThrough(stores, jobId, checkpoint.epoch) : [];
    if (takeover) {
      // the same seed retrains the same epochs: only the ones not yet in the stream are sent
      await stores.events.append(jobId, {
        type: 'resumed',
        epoch: checkpoint?.epoch ?? 0,
        position: checkpoint?.position ?? 0,
        ...(attempt.made > 0 ? { attempt: attempt.made + 1 } : {}),
        at: now(),
      });
    }
    const t0 = performance.now();
    const result = await trainStreaming(
      redis,
      stores,
      job,
      data,
      signal,
      history,
      { checkpoint, written },
      options,
    );
    if (result === 'handed_back') return { status: 'handed_back' };
    if (result === 'time_limit')
      return finish(
        stores,
        jobId,
        fail(
          stores,
          job,
          options,
          'time_limit',
          `training ran longer than the ${options.maxJobSeconds} s a job may (MAX_JOB_SECONDS)`,
        ),
      );
    if (result.reason === 'stopped')
      return finish(stores, jobId, cancel(stores, job, options, result.epochs));
    if (result.reason === 'diverged')
      return finish(stores, jobId, fail(stores, job, options, 'diverged', result.message));
    const doc = createModelDocument({
      network: job.spec.network,
      training: job.spec.training,
      result,
      classes: data.classes,
      featureNames: data.featureNames,
      history,
      durationMs: performance.now() - t0,
    });
    const modelId = await stores.models.idForJob(jobId, newId());
    await stores.models.save({ ...doc, id: modelId, jobId });
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
    );
    if (finished === 'ok') await options.notify(job, events);
    await stores.checkpoints.delete(jobId);
    return finished === 'ok' ? { status: 'succeeded', modelId } : { status: 'skipped' };
  } catch (error) {
    const message = `training stopped by an internal error: ${(error as Error).message}`;
    if (attempt.made + 1 < attempt.max) {
      // an infrastructure failure: BullMQ tries again after a backoff, and that try resumes
      // from the checkpoint (the record stays running); best effort, Redis may be the cause
      await stores.events
        .append(jobId, {
          type: 'retrying',
          attempt: attempt.made + 1,
          attempts: attempt.max,
          error: { code: 'internal', message },
          at: now(),
        })
        .catch(() => {});
      throw error;
    }
    await finish(stores, jobId, fail(stores, job, options, 'internal', message)).catch(() => {});
    throw error;
  }
}

// A job that ended (failed, cancelled) needs its checkpoint no more.
async function finish(
  stores: Stores,
  jobId: string,
  outcome: Promise<JobOutcome>,
): Promise<JobOutcome> {
  const result = await outcome;
  await stores.checkpoints.delete(jobId);
  return result;
}
