// Submitting and cancelling a sweep (issue 17). Submit checks everything before anything is
// stored: the sweep's own fields (spec/sweep.ts), every trial's spec as POST /v1/jobs would
// (its parameters drawn, sweep-trials.ts; then the training kind's checks against the data), a
// refusal naming the parameter at fault (`parameters.<path>`) or the spec's field (`spec.<path>`).
// Then the sweep is stored with every trial pending and its parent job queued; the parent starts
// the first trials (sweep-runs.ts). Not the HTTP routes (api/routes/sweeps.ts).
import type { Queue } from 'bullmq';
import type { Config } from '../config.js';
import { withDefaultLayers } from '../data/network-defaults.js';
import { accuracyModeOf } from '../engine/index.js';
import { AppError, type Issue, ValidationError } from '../errors.js';
import { newId } from '../ids.js';
import type { SweepJob } from '../queue.js';
import {
  checkTrialSpecs,
  defaultValidationSplit,
  type JobSpec,
  type JobSpecRecord,
  type Sweep,
  sweepSeed,
  type TrialParams,
  trialCount,
  unreadParameter,
} from '../spec/index.js';
import type { Stores, SweepView } from '../store/index.js';
import { awaitingSpecOf } from './awaiting.js';
import { sweepParentJob } from './sweep-runs.js';
import { training } from './training.js';

/** What submitting a sweep needs of the service. */
export interface SweepSubmitDeps {
  config: Readonly<Config>;
  sweepQueue: Queue<SweepJob>;
}

const refuse = (path: string, message: string) => new ValidationError([{ path, message }]);

// What a sweep refuses of its spec, before any trial is drawn.
function checkSweepSpec(sweep: Sweep): void {
  if (sweep.spec.model)
    throw refuse(
      'spec.model',
      "a sweep's trials are not registered one by one: name the best trial's model with the sweep's own model field ({name, alias})",
    );
  if ('inputs' in sweep.spec.dataset)
    throw refuse(
      'spec.dataset',
      'a sweep runs on stored data: upload the rows (POST /v1/datasets) and give dataset.id, or use a built-in set or a generator',
    );
  const folds = (sweep.spec.training as { crossValidation?: unknown } | undefined)?.crossValidation;
  if (sweep.earlyStopping && folds !== undefined)
    throw refuse(
      'earlyStopping',
      "ASHA judges one model's curve, and a cross-validated trial trains several: leave out earlyStopping or training.crossValidation",
    );
}

// Where a trial's refusal belongs: the parameter whose path it is, or lies in or over; else the
// sweep's spec.
function blamed(issue: Issue, params: TrialParams): Issue {
  const path = issue.path;
  const parameter = Object.keys(params).find(
    (p) => p === path || path.startsWith(`${p}.`) || p.startsWith(`${path}.`),
  );
  if (!parameter) {
    const drawn = Object.entries(params).map(([p, v]) => `${p} = ${JSON.stringify(v)}`);
    return {
      path: `spec.${path}`,
      message: `${issue.message} (in the trial with ${drawn.join(', ')})`,
    };
  }
  const value = JSON.stringify(params[parameter]);
  return {
    path: `parameters.${parameter}`,
    message: `${issue.message} (in the trial with ${parameter} = ${value})`,
  };
}

// A trial's spec as its job records it: checked as a job, against the data.
async function recordOf(config: Readonly<Config>, stores: Stores, spec: JobSpec) {
  const checked = training.check(config, spec);
  const prepared = await training.prepare(config, stores, spec, checked);
  return prepared.record(prepared.dataset!) as JobSpecRecord;
}

/**
 * Every trial's spec as a job records it (data checked, training resolved, the sweep's part
 * added), in trial order; a ValidationError for the first trials refused (at most 20 issues).
 */
async function trialSpecsOf(
  config: Readonly<Config>,
  stores: Stores,
  sweep: Sweep,
  sweepId: string,
): Promise<{ params: TrialParams; spec: JobSpecRecord }[]> {
  const part = {
    id: sweepId,
    objective: sweep.objective,
    ...(sweep.earlyStopping
      ? {
          earlyStopping: {
            minEpochs: sweep.earlyStopping.minEpochs,
            reductionFactor: sweep.earlyStopping.reductionFactor,
          },
        }
      : {}),
  };
  const validating = sweep.objective.metric.startsWith('validation');
  let holdOut = false;
  const issues = new Map<string, Issue>();
  const out: { params: TrialParams; spec: JobSpecRecord }[] = [];
  for (const [index, trial] of checkTrialSpecs(sweep).entries()) {
    // every trial trains from the same seed (the spec's, else the sweep's): they differ by their
    // parameters alone, unless training.seed is one of them
    const seed = trial.spec.training?.seed ?? sweepSeed(sweep);
    const spec: JobSpec = { ...trial.spec, training: { ...trial.spec.training, seed } };
    // a validation objective needs validation rows: held out by default when the spec is silent
    // (found once, on the first silent trial that would hold none out)
    const silent = validating && spec.training?.validationSplit === undefined;
    const held = {
      ...spec,
      training: { ...spec.training, validationSplit: defaultValidationSplit },
    };
    try {
      let record = await recordOf(config, stores, silent && holdOut ? held : spec);
      if (silent && !holdOut && record.training.validationSplit === 0) {
        holdOut = true;
        record = await recordOf(config, stores, held);
      }
      out.push({ params: trial.params, spec: { ...record, sweep: { ...part, index } } });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const issue of error.issues) {
        const at = blamed(issue, trial.params);
        // one issue per field and reason: the first trial it came up in says where
        const key = `${at.path}\n${issue.message}`;
        if (!issues.has(key)) issues.set(key, at);
      }
      if (issues.size >= 20) break;
    }
  }
  if (issues.size > 0) throw new ValidationError([...issues.values()].slice(0, 20));
  return out;
}

// An objective the trials cannot report: a validation metric with no validation rows, or an
// accuracy of a network that reports none (only a cross-entropy divergence counts correct rows).
function checkObjective(sweep: Sweep, specs: readonly { spec: JobSpecRecord }[]): void {
  const { metric } = sweep.objective;
  if (metric.startsWith('validation') && specs.some((t) => t.spec.training.validationSplit === 0))
    throw refuse(
      'objective.metric',
      `${metric} needs validation rows, and a trial holds none out (validationSplit 0, or too few rows): give spec.training.validationSplit above 0 (e.g. 0.2), or optimise error or accuracy`,
    );
  const counted = (t: { spec: JobSpecRecord }) => accuracyModeOf(t.spec.network.divergence);
  if (metric.toLowerCase().endsWith('accuracy') && specs.some((t) => counted(t) === null))
    throw refuse(
      'objective.metric',
      `${metric} is reported only for classification (a cross_entropy or binary_cross_entropy divergence), and a trial's network is trained on another: optimise error or validationError`,
    );
}

/** Checks and stores a sweep, and queues its parent job, which starts its first trials. */
export async function submitSweep(
  deps: SweepSubmitDeps,
  stores: Stores,
  submitted: Sweep,
): Promise<SweepView> {
  const sweep = withDefaultLayers(submitted, Object.keys(submitted.parameters));
  checkSweepSpec(sweep);
  // its trials queue at most `parallel` at once, past the tenant's cap on queued jobs: they count
  const queued = await stores.jobs.count('queued');
  const max = deps.config.maxTenantQueuedJobs;
  if (queued + Math.min(sweep.parallel, trialCount(sweep)) > max)
    throw new AppError(
      'too_many_requests',
      `you have ${queued} jobs queued, and this sweep would queue ${Math.min(sweep.parallel, trialCount(sweep))} more past the ${max} a tenant may (MAX_TENANT_QUEUED_JOBS): wait for some to start, lower parallel, or cancel some`,
      30,
    );
  if (await awaitingSpecOf(stores, sweep.spec, 'training'))
    throw new AppError(
      'conflict',
      'the dataset is still being read: wait until GET /v1/datasets/:id says ready, then submit the sweep',
    );
  const sweepId = newId();
  const trials = await trialSpecsOf(deps.config, stores, sweep, sweepId);
  checkObjective(sweep, trials);
  // a parameter only optimisers no trial trains with read (momentum under sgd) varies nothing
  const optimizers = trials.map((t) => t.spec.training.optimizer);
  const unread = unreadParameter(Object.keys(sweep.parameters), optimizers);
  if (unread) throw new ValidationError([unread]);
  await stores.usage.check(0, "a new sweep (its trials' models)");
  const planned = trials.map((t) => ({
    params: t.params,
    spec: t.spec as unknown as JobSpec,
    jobId: newId(),
  }));
  const view = await stores.sweeps.create(sweep, planned, sweepId);
  const parent = sweepParentJob(stores.keys.tenant, view.id);
  try {
    await deps.sweepQueue.add(parent.name, parent.data, parent.opts);
  } catch (error) {
    await stores.sweeps.finish(view.id, 'failed', { error: 'the queue did not take it' });
    await stores.sweeps.delete(view.id);
    throw new AppError(
      'unavailable',
      `the sweeps queue did not take the sweep (${(error as Error).message}): submit it again shortly`,
      5,
    );
  }
  return view;
}

/** The sweep, or a 404 naming its id. */
export async function getSweep(stores: Stores, id: string): Promise<SweepView> {
  const view = await stores.sweeps.get(id);
  if (!view) throw new AppError('not_found', `no sweep has id ${id}`);
  return view;
}

/** The job ids of sweep `id`'s trials (GET /v1/jobs?sweepId=), or a 404 naming the sweepId. */
export async function trialJobIds(stores: Stores, id: string): Promise<string[]> {
  const view = await stores.sweeps.get(id);
  if (!view)
    throw new AppError(
      'not_found',
      `sweepId: no sweep has id ${id}: list sweeps with GET /v1/sweeps`,
    );
  return view.trials.map((t) => t.jobId);
}

/**
 * Cancels a running sweep: no trial starts any more, the pending ones are cancelled, and each
 * queued or running trial's job is cancelled (`cancelJob`: at once when queued, asked to stop
 * when running). The sweep as it is then; a 409 when it has ended already.
 */
export async function cancelSweep(
  stores: Stores,
  id: string,
  cancelJob: (jobId: string) => Promise<unknown>,
): Promise<SweepView> {
  const finished = await stores.sweeps.finish(id, 'cancelled');
  if (finished === 'missing') throw new AppError('not_found', `no sweep has id ${id}`);
  if (typeof finished === 'string')
    throw new AppError(
      'conflict',
      `sweep ${id} has already ${finished === 'cancelled' ? 'been cancelled' : finished}`,
    );
  await Promise.all(finished.open.map((jobId) => cancelJob(jobId).catch(() => undefined)));
  return getSweep(stores, id);
}
