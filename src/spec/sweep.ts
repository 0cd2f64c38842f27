// A sweep (issue 17): the body of POST /v1/sweeps. A job spec, the fields of it to vary (by
// dotted path, each with a distribution), how to search (grid or seeded random), what to
// optimise and when to stop bad trials early. Parsing only: sampling and the trials' specs are in
// sweep-trials.ts, the distributions and paths in sweep-parameters.ts; queueing the trials is
// the jobs layer's.
import { z } from 'zod';
import { jobSchema } from './job.js';
import { aliasNameSchema, modelNameSchema } from './model-ref.js';
import { type Distribution, distributionSchema, kindOf, pathProblem } from './sweep-parameters.js';
import { seedSchema } from './training.js';

/**
 * The validation rows a trial holds out for a validation objective when its spec says nothing
 * of validationSplit and would hold none out (the server and the CLI both apply it).
 */
export const defaultValidationSplit = 0.2;

/**
 * A trial's status: pending (waiting for one of the sweep's `parallel` places; a sweep run
 * without a server has none), then its job's.
 */
export const trialStatuses = [
  'pending',
  'queued',
  'running',
  'succeeded',
  'failed',
  'pruned',
  'cancelled',
] as const;
export type TrialStatus = (typeof trialStatuses)[number];

/** Trials one sweep may run (a grid's size included): a bound on what one request queues. */
export const maxTrials = 1000;
export const maxParameters = 32;
export const maxParallel = 64;

/** Metrics every epoch reports, so ASHA can compare trials at a rung (not the held-out test
 * set's: choosing a model on it would spend the rows meant for an honest evaluation). */
export const objectiveMetrics = [
  'validationError',
  'error',
  'validationAccuracy',
  'accuracy',
] as const;
export type ObjectiveMetric = (typeof objectiveMetrics)[number];

const naturalGoal = (metric: ObjectiveMetric) =>
  metric.endsWith('rror') ? ('minimize' as const) : ('maximize' as const);

export const objectiveSchema = z
  .strictObject({
    metric: z
      .enum(objectiveMetrics, { error: `must be one of ${objectiveMetrics.join(', ')}` })
      .default('validationError')
      .describe('what every epoch reports: errors fall, accuracies rise'),
    goal: z
      .enum(['minimize', 'maximize'], { error: 'must be minimize or maximize' })
      .optional()
      .describe('default: minimize an error, maximize an accuracy'),
  })
  .superRefine((o, ctx) => {
    if (o.goal !== undefined && o.goal !== naturalGoal(o.metric)) {
      ctx.addIssue({
        code: 'custom',
        path: ['goal'],
        message: `${o.goal} ${o.metric} would pick the worst trial: use ${naturalGoal(o.metric)}, or leave goal out`,
      });
    }
  })
  .transform((o) => ({ metric: o.metric, goal: o.goal ?? naturalGoal(o.metric) }))
  // the output's own schema, so that documents show a sweep's objective as stored (goal filled in)
  .pipe(z.object({ metric: z.enum(objectiveMetrics), goal: z.enum(['minimize', 'maximize']) }));

export const ashaSchema = z.strictObject({
  method: z.literal('asha', { error: 'must be asha (asynchronous successive halving)' }),
  minEpochs: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100_000, 'must be at most 100000')
    .default(5)
    .describe('epochs every trial trains before its first rung (default 5)'),
  reductionFactor: z
    .number()
    .int('must be a whole number')
    .min(2, 'must be at least 2')
    .max(10, 'must be at most 10: a larger factor prunes almost every trial at each rung')
    .default(3)
    .describe(
      'η: rungs at minEpochs·η^k epochs; at each, a trial continues only in the best 1/η (default 3)',
    ),
});

const sweepFieldsSchema = z.strictObject({
  spec: jobSchema.describe('a job spec as POST /v1/jobs takes it: every trial starts from it'),
  parameters: z
    .record(z.string(), distributionSchema, {
      error: 'must be an object: dotted path of a spec field → its distribution',
    })
    .describe('e.g. {"training.learningRate": {"logUniform": [0.0003, 0.1]}}'),
  method: z
    .enum(['grid', 'random'], { error: 'must be grid or random' })
    .default('random')
    .describe('grid: every combination of values; random: `trials` seeded draws (default)'),
  trials: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(maxTrials, `must be at most ${maxTrials}`)
    .optional()
    .describe("random: how many trials to draw (required); grid: the grid's size (default)"),
  parallel: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(maxParallel, `must be at most ${maxParallel}`)
    .default(4)
    .describe('trials running at once, across all workers (default 4)'),
  objective: objectiveSchema.default({ metric: 'validationError', goal: 'minimize' }),
  earlyStopping: ashaSchema.optional().describe('left out, every trial trains to its end'),
  model: z
    .strictObject({
      name: modelNameSchema.describe("the best trial's model is registered under this name"),
      alias: aliasNameSchema.optional().describe('and given this alias, e.g. best'),
    })
    .optional(),
  seed: seedSchema.optional().describe("the sampler's seed (default: spec.training.seed, else 0)"),
});

// no OpenAPI id yet (.meta({id})): the schemas join the document with the sweeps routes (issue 17)
export const sweepSchema = sweepFieldsSchema.superRefine(checkSweep);

export type SweepInput = z.input<typeof sweepSchema>;
export type Sweep = z.output<typeof sweepSchema>;

type SweepFields = z.output<typeof sweepFieldsSchema>;

/** The grid's size: the product of every parameter's count of values. */
export function gridSize(parameters: Record<string, Distribution>): number {
  return Object.values(parameters).reduce((n, d) => n * (d.values?.length ?? 1), 1);
}

function checkSweep(sweep: SweepFields, ctx: z.RefinementCtx): void {
  const paths = Object.keys(sweep.parameters);
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  if (paths.length === 0)
    issue(
      ['parameters'],
      'needs at least one parameter, e.g. {"training.learningRate": {"logUniform": [0.0003, 0.1]}}',
    );
  if (paths.length > maxParameters)
    issue(['parameters'], `has ${paths.length} parameters: at most ${maxParameters}`);
  for (const path of paths) {
    const problem = pathProblem(path);
    if (problem) issue(['parameters', path], problem);
    const inside = paths.find((other) => path.startsWith(`${other}.`));
    if (inside)
      issue(
        ['parameters', path],
        `lies inside ${inside}, which another parameter sets: keep one of them`,
      );
  }
  if (sweep.method === 'grid') checkGrid(sweep, issue);
  else if (sweep.trials === undefined)
    issue(['trials'], 'random search needs trials: how many to draw, e.g. 20');
  const epochs = sweep.spec.training?.epochs;
  const minEpochs = sweep.earlyStopping?.minEpochs;
  if (
    epochs !== undefined &&
    minEpochs !== undefined &&
    minEpochs >= epochs &&
    !paths.includes('training.epochs')
  )
    issue(
      ['earlyStopping', 'minEpochs'],
      `must be less than spec.training.epochs (${epochs}): no rung would come before a trial ends; lower it or leave earlyStopping out`,
    );
}

function checkGrid(
  sweep: SweepFields,
  issue: (path: (string | number)[], message: string) => void,
): void {
  let continuous = false;
  for (const [path, d] of Object.entries(sweep.parameters)) {
    const kind = kindOf(d);
    if (kind !== 'values') {
      continuous = true;
      issue(
        ['parameters', path],
        `a grid takes only {"values": [...]}, not ${kind}: list this parameter's values, or use method random`,
      );
    }
  }
  if (continuous) return;
  const size = gridSize(sweep.parameters);
  if (size > maxTrials)
    issue(
      ['parameters'],
      `make a grid of ${size} combinations: at most ${maxTrials}; give fewer values, or use method random with trials`,
    );
  else if (sweep.trials !== undefined && sweep.trials !== size)
    issue(
      ['trials'],
      `must be the grid's size (${size}) or left out: a grid runs every combination once; use method random to draw fewer`,
    );
}

/** How many trials the sweep runs: a grid's size, or the random draws asked for. */
export function trialCount(sweep: Pick<Sweep, 'method' | 'trials' | 'parameters'>): number {
  return sweep.method === 'grid' ? gridSize(sweep.parameters) : (sweep.trials ?? 0);
}

/** The sampler's seed: the sweep's, else the spec's training seed, else 0. */
export function sweepSeed(sweep: Pick<Sweep, 'seed' | 'spec'>): number {
  return sweep.seed ?? sweep.spec.training?.seed ?? 0;
}
