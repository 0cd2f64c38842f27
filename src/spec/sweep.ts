// A sweep (issue 17): the body of POST /v1/sweeps. A job spec, the fields of it to vary (by
// dotted path, each with a distribution), how to search (grid or seeded random), what to
// optimise and when to stop bad trials early. Parsing only: sampling and the trials' specs are in
// sweep-trials.ts; queueing the trials is the jobs layer's.
import { z } from 'zod';
import { jobSchema } from './job.js';
import { aliasNameSchema, modelNameSchema } from './model-ref.js';

/** Trials one sweep may run (a grid's size included): a bound on what one request queues. */
export const maxTrials = 1000;
export const maxParameters = 32;
export const maxValues = 1000;
export const maxParallel = 64;

export const distributionKinds = ['values', 'uniform', 'logUniform', 'intUniform'] as const;
export type DistributionKind = (typeof distributionKinds)[number];

const finite = z.number({ error: 'must be a finite number' });
const range = (what: string) =>
  z.tuple([finite, finite], {
    error: `must be [lo, hi]: two numbers, ${what}`,
  });

/**
 * One parameter's distribution. A plain object with one of four keys, so a slip (two keys, a
 * misspelt key) is named rather than reported as "matches none of four shapes".
 */
export const distributionSchema = z
  .strictObject(
    {
      values: z
        .array(
          z.union(
            [finite, z.string().max(200, 'is too long: at most 200 characters'), z.boolean()],
            {
              error: 'must be a number, a string or true/false',
            },
          ),
          { error: 'must be a list of the values to try, e.g. [16, 32, 64]' },
        )
        .min(1, 'needs at least one value')
        .max(maxValues, `has too many values: at most ${maxValues}`)
        .refine(
          (values) => new Set(values).size === values.length,
          'must not repeat a value: each is tried once (per draw)',
        )
        .optional()
        .describe('the values to try: grid tries each, random draws one uniformly'),
      uniform: range('uniform between them')
        .optional()
        .describe('a number drawn uniformly from [lo, hi)'),
      logUniform: range('with 0 < lo < hi, drawn uniformly in log space')
        .optional()
        .describe('a number whose logarithm is uniform: for learning rates and decays'),
      intUniform: range('whole numbers, both included')
        .optional()
        .describe('a whole number from lo to hi, both included'),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? 'must be one of {"values": [...]}, {"uniform": [lo, hi]}, {"logUniform": [lo, hi]}, {"intUniform": [lo, hi]}'
          : undefined,
    },
  )
  .superRefine((d, ctx) => {
    const given = distributionKinds.filter((kind) => d[kind] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: given.length > 1 ? [given[1]!] : [],
        message:
          given.length > 1
            ? `give one distribution, not ${given.join(' and ')}`
            : 'give one of values, uniform, logUniform or intUniform, e.g. {"logUniform": [0.0003, 0.1]}',
      });
      return;
    }
    const kind = given[0]!;
    if (kind === 'values') return;
    const [lo, hi] = d[kind]!;
    if (!(lo < hi)) {
      ctx.addIssue({
        code: 'custom',
        path: [kind],
        message: `must be [lo, hi] with lo < hi (got [${lo}, ${hi}]): ${lo > hi ? 'swap them' : `for one value give {"values": [${lo}]}`}`,
      });
    }
    if (kind === 'logUniform' && lo <= 0) {
      ctx.addIssue({
        code: 'custom',
        path: [kind, 0],
        message: `must be greater than 0 (got ${lo}): the logarithm of 0 or less has no value; use e.g. [0.0001, ${hi > 0 ? hi : 0.1}], or uniform for a range reaching 0`,
      });
    }
    if (kind === 'intUniform') {
      [lo, hi].forEach((end, k) => {
        if (!Number.isSafeInteger(end)) {
          ctx.addIssue({
            code: 'custom',
            path: [kind, k],
            message: `must be a whole number (got ${end}): intUniform draws whole numbers; use uniform for fractions`,
          });
        }
      });
    }
  })
  .meta({ id: 'Distribution' });

export type Distribution = z.infer<typeof distributionSchema>;

/** Which of the four forms a (parsed) distribution is. */
export function kindOf(d: Distribution): DistributionKind {
  return distributionKinds.find((kind) => d[kind] !== undefined) ?? 'values';
}

/** The segments a parameter's path may have: field names and list indices, nothing of Object's. */
const segmentRule = /^(?:[A-Za-z_][A-Za-z0-9_]{0,63}|0|[1-9]\d{0,4})$/;
const forbiddenSegments = new Set(['__proto__', 'constructor', 'prototype']);

/** Why `path` cannot name a field of a job spec, or undefined when its form is fine. */
export function pathProblem(path: string): string | undefined {
  const segments = path.split('.');
  const bad = segments.find((s) => forbiddenSegments.has(s));
  if (bad) return `must not name ${bad}: give the dotted path of a job spec's field`;
  if (!segments.every((s) => segmentRule.test(s)))
    return "must be a dotted path of a job spec's field, such as training.learningRate or network.layers.0.units";
  if (/^\d/.test(segments[0]!))
    return 'must start with a field of the job spec (network, training, …), not a list index';
  return undefined;
}

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
  .pipe(z.object({ metric: z.enum(objectiveMetrics), goal: z.enum(['minimize', 'maximize']) }))
  .meta({ id: 'SweepObjective' });

export const ashaSchema = z
  .strictObject({
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
  })
  .meta({ id: 'EarlyStopping' });

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
  seed: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(4294967295, 'must fit in 32 bits')
    .optional()
    .describe("the sampler's seed (default: spec.training.seed, else 0)"),
});

export const sweepSchema = sweepFieldsSchema.superRefine(checkSweep).meta({ id: 'Sweep' });

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
