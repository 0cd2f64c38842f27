// A sweep as it runs (issue 17): its trials started in index order, at most `parallel` at once
// (the sweep store's window), each an ordinary training job on the `training` queue added as a
// BullMQ flow child of the sweep's parent job; each trial's end recorded in the sweep (status,
// objective, epochs) as its job finishes; and the sweep's end: the best trial's model registered
// under the sweep's `model` name and alias, or the sweep failed. Every step can be made again
// (after a crash, or by two processes at once) and does nothing twice: job ids are the sweep's
// own, a recorded job is not made again, a trial ends once, one process finishes. Not the
// checks of a sweep (sweeps.ts), nor ASHA inside a trial (sweep-trial.ts).
import type { Queue } from 'bullmq';
import type { Config } from '../config.js';
import { type SweepJob, sweepParentOf } from '../queue.js';
import {
  finalStatuses,
  type JobPayload,
  type JobRecord,
  type JobSpecRecord,
  type ObjectiveMetric,
} from '../spec/index.js';
import type { Stores, SweepModel, SweepView, TrialEnd } from '../store/index.js';
import type { Notify } from '../webhooks.js';
import { createLifecycle } from './lifecycle.js';
import { metricsValue } from './sweep-trial.js';

/** What running a sweep needs of a process: settings, the training queue, the webhook sender. */
export interface SweepRunDeps {
  config: Readonly<Pick<Config, 'keyPrefix'>>;
  queue: Queue<JobPayload>;
  notify: Notify;
}

/**
 * Starts the trials that may start now: records each one's job (queued) and adds it to the
 * training queue as a child of the sweep's parent job. The trials this call started (one made
 * at the same time may find them started already: each is recorded and queued once).
 */
export async function launchWindow(
  deps: SweepRunDeps,
  stores: Stores,
  sweepId: string,
): Promise<number[]> {
  const lifecycle = createLifecycle(stores, deps.notify);
  const tenant = stores.keys.tenant;
  const started: number[] = [];
  for (const trial of await stores.sweeps.window(sweepId)) {
    // a trial's recorded spec is a training spec (sweeps.ts made it so, `sweep` included)
    const spec = trial.spec as unknown as JobSpecRecord;
    const record: JobRecord = {
      id: trial.jobId,
      status: 'queued',
      spec,
      createdAt: new Date().toISOString(),
    };
    const payload: JobPayload = { jobId: trial.jobId, tenant, spec };
    const enqueue = async () => {
      await deps.queue.add('train', payload, {
        jobId: trial.jobId,
        parent: sweepParentOf(deps.config, sweepId),
        // a trial that fails is the sweep's to count, not a reason to fail or hold its parent
        ignoreDependencyOnFailure: true,
      });
    };
    const created = await lifecycle.create(record, tenant, 0, enqueue);
    // made before by a step that stopped halfway: make sure it is on the queue (BullMQ keeps
    // one job per id, and a job that has finished is skipped by its worker)
    if (created === 'exists') await enqueue();
    // the step that moved it from pending says so (another, made at once, finds it queued)
    if ((await stores.sweeps.launched(sweepId, trial.index)) === 'ok') started.push(trial.index);
  }
  return started;
}

/** A trial's end as its job's record and events tell it; null while the job has not ended. */
async function trialEndOf(stores: Stores, record: JobRecord, metric: ObjectiveMetric) {
  if (!finalStatuses.includes(record.status)) return null;
  const status = record.status as TrialEnd;
  const reached = record.progress && 'epoch' in record.progress ? record.progress.epoch : 0;
  if (status !== 'pruned')
    return {
      status,
      metric: metricsValue(record.metrics, metric),
      epochs: reached,
      ...(record.modelId ? { modelId: record.modelId } : {}),
    };
  const events = await stores.events.after(record.id);
  const pruned = events.map((e) => e.event).find((e) => e.type === 'pruned');
  return {
    status,
    metric: pruned?.type === 'pruned' ? pruned.metric : null,
    epochs: pruned?.type === 'pruned' ? pruned.epoch : reached,
  };
}

/**
 * A trial's job has finished (or may have): its end goes into the sweep, the next trials start,
 * and when it was the last, the sweep ends. Nothing when the job is no trial or still runs.
 */
export async function afterTrial(deps: SweepRunDeps, stores: Stores, jobId: string): Promise<void> {
  const record = await stores.jobs.get(jobId);
  const sweep = record && 'sweep' in record.spec ? record.spec.sweep : undefined;
  if (!record || !sweep) return;
  const end = await trialEndOf(stores, record, sweep.objective.metric);
  if (!end) return;
  const ended = await stores.sweeps.trialEnded(sweep.id, jobId, end);
  if (ended === 'missing') return; // the sweep was deleted
  if (ended.allEnded) await finishSweep(stores, sweep.id);
  else await launchWindow(deps, stores, sweep.id);
}

/**
 * The sweep's parent job: the ends of trials whose jobs finished unheard (their worker died
 * before telling) go into the sweep, the next trials start, and the sweep ends once every trial
 * has. 'waiting' while trials remain; 'ended' once the sweep has (or is gone).
 */
export async function reconcileSweep(
  deps: SweepRunDeps,
  stores: Stores,
  sweepId: string,
): Promise<'waiting' | 'ended'> {
  const view = await stores.sweeps.get(sweepId);
  if (!view) return 'ended';
  const open = view.trials.filter((t) => t.status === 'queued' || t.status === 'running');
  for (const trial of open) await afterTrial(deps, stores, trial.jobId);
  const now = await stores.sweeps.get(sweepId);
  if (now?.status !== 'running') return 'ended';
  if (now.trials.every((t) => !['pending', 'queued', 'running'].includes(t.status))) {
    await finishSweep(stores, sweepId);
    return 'ended';
  }
  await launchWindow(deps, stores, sweepId);
  return 'waiting';
}

/** How long one process holds the right to finish a sweep (it registers a model meanwhile). */
const finishLockSeconds = 60;

/**
 * Ends a sweep whose trials have all ended: succeeded with its best trial (its model registered
 * under the sweep's `model` name and alias, when it has one), or failed when no trial succeeded
 * with a value of the objective. One process at a time; a sweep ended already is left alone.
 */
export async function finishSweep(stores: Stores, sweepId: string): Promise<void> {
  const claim = await stores.sweeps.claimFinish(sweepId, finishLockSeconds);
  if (!claim.held) return; // another process is finishing it
  try {
    const view = await stores.sweeps.get(sweepId);
    if (view?.status !== 'running') return;
    if (!view.best) {
      const error = `no trial succeeded with a value of ${view.objective.metric}: see the trials' jobs for why`;
      await stores.sweeps.finish(sweepId, 'failed', { error });
      return;
    }
    const model = await registerBest(stores, view);
    await stores.sweeps.finish(sweepId, 'succeeded', model ? { model } : {});
  } finally {
    await claim.release();
  }
}

// The best trial's model as a new version of the sweep's `model` name, with its alias: a copy
// of the trial's model (its weights' blob is shared, counted once more) under an id the sweep
// keeps first, so that a finish made again after a crash registers it once.
async function registerBest(stores: Stores, view: SweepView): Promise<SweepModel | undefined> {
  const naming = view.request.model;
  const best = view.best!;
  if (!naming || !best.modelId) return undefined;
  const id = await stores.sweeps.registeredModelId(view.id);
  let registered = await stores.models.get(id);
  if (!registered) {
    const trained = await stores.models.get(best.modelId);
    if (!trained) return undefined; // deleted meanwhile: the sweep still says which trial won
    const { version: _, name: __, ...rest } = trained;
    const saved = await stores.models.add({ ...rest, id, name: naming.name });
    registered = saved;
  }
  const version = registered.version!;
  if (naming.alias) await stores.models.setAlias(naming.name, naming.alias, version);
  return { id, name: naming.name, version, ...(naming.alias ? { alias: naming.alias } : {}) };
}

/** The parent job a sweep is added with (its trials are added as its children as they start). */
export function sweepParentJob(tenant: string, sweepId: string) {
  return { name: 'sweep', data: { tenant, sweepId } satisfies SweepJob, opts: { jobId: sweepId } };
}
