// What a local sweep checks before any trial starts: the file as POST /v1/sweeps parses it
// (sweepSchema), every trial's job spec (checkTrialSpecs, errors at `parameters.<path>`), the
// data loaded once for the first trial (a bad CSV path or network named at `spec.<field>`), and
// an objective the trials can report. Each trial's seed is fixed here, the server's way. Not the
// running (sweep-local.ts).

import { withDefaultLayers } from '../data/network-defaults.js';
import { prepareJob } from '../data/resolve.js';
import { accuracyModeOf } from '../engine/index.js';
import { prefixIssues, ValidationError } from '../errors.js';
import {
  checkTrialSpecs,
  defaultValidationSplit,
  type JobSpec,
  parseOrThrow,
  type Sweep,
  sweepSchema,
  sweepSeed,
  type TrialParams,
  unreadParameter,
} from '../spec/index.js';

export interface SweepTrialSpec {
  params: TrialParams;
  /** The trial's job spec, its training seed fixed. */
  spec: JobSpec;
}

/** The sweep and its trials' specs in index order; a ValidationError naming the field if bad. */
export function checkSweepFile(
  value: unknown,
  baseDir: string,
): { sweep: Sweep; trials: SweepTrialSpec[] } {
  const parsed = parseOrThrow(sweepSchema, value);
  const sweep = withDefaultLayers(parsed, Object.keys(parsed.parameters));
  refuseModel(sweep);
  const seed = sweepSeed(sweep);
  // every trial trains from the spec's seed, else the sweep's: differences come from parameters
  const trials = checkTrialSpecs(sweep).map(({ params, spec }) => ({
    params,
    spec: { ...spec, training: { ...spec.training, seed: spec.training?.seed ?? seed } },
  }));
  const first = prepareFirst(trials[0]!.spec, baseDir);
  // a validation objective needs validation rows: held out by default when the spec is silent
  if (sweep.objective.metric.startsWith('validation') && first.job.training.validationSplit === 0)
    for (const trial of trials)
      if (trial.spec.training?.validationSplit === undefined)
        trial.spec = {
          ...trial.spec,
          training: { ...trial.spec.training, validationSplit: defaultValidationSplit },
        };
  checkObjective(sweep, trials, first);
  return { sweep, trials };
}

function refuseModel(sweep: Sweep): void {
  if (sweep.spec.model !== undefined)
    throw new ValidationError([
      {
        path: 'spec.model',
        message:
          "a sweep's trials register no model of their own: leave spec.model out (the sweep's own model names the best)",
      },
    ]);
  const path = Object.keys(sweep.parameters).find((p) => p === 'model' || p.startsWith('model.'));
  if (path)
    throw new ValidationError([
      {
        path: `parameters.${path}`,
        message: "a sweep's trials register no model of their own: remove this parameter",
      },
    ]);
}

// The first trial's job loaded as `backprop train` loads one: what is wrong with the dataset or
// the network is wrong for every trial, and is said before any thread starts.
function prepareFirst(spec: JobSpec, baseDir: string) {
  try {
    return prepareJob(spec, { allowFiles: true, baseDir });
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(prefixIssues('spec', error.issues));
    throw error;
  }
}

// A validation metric needs validation rows in every trial, an accuracy a divergence that has
// one; a parameter only some optimisers read needs a trial training with one of them.
function checkObjective(
  sweep: Sweep,
  trials: SweepTrialSpec[],
  first: ReturnType<typeof prepareFirst>,
): void {
  const { metric } = sweep.objective;
  const refuse = (message: string) => {
    throw new ValidationError([{ path: 'objective.metric', message }]);
  };
  for (const { spec } of trials) {
    const split = spec.training?.validationSplit ?? first.job.training.validationSplit;
    if (metric.startsWith('validation') && !(split > 0))
      refuse(
        `${metric} needs validation rows, but a trial has validationSplit 0: give spec.training.validationSplit above 0 (e.g. 0.2), or use ${metric === 'validationError' ? 'error' : 'accuracy'}`,
      );
    const divergence = spec.network?.divergence ?? first.job.network.divergence;
    if (metric.endsWith('ccuracy') && accuracyModeOf(divergence) === null)
      refuse(
        `${metric} needs classes, but a trial's divergence is ${divergence}: use ${metric.startsWith('validation') ? 'validationError' : 'error'}`,
      );
  }
  const optimizers = trials.map((t) => t.spec.training?.optimizer ?? first.job.training.optimizer);
  const unread = unreadParameter(Object.keys(sweep.parameters), optimizers);
  if (unread) throw new ValidationError([unread]);
}
