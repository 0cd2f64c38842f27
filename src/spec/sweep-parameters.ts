// A sweep's parameters (issue 17): the four distributions a parameter is drawn from, and the
// form of the dotted path naming the job spec's field it sets. Parsing only; drawing is in
// sweep-trials.ts, whether the path names a real field is checked there against jobSchema.
import { z } from 'zod';

/** Values one `values` distribution may list. */
export const maxValues = 1000;

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
  });

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

// The training fields only some optimisers read: varied while every trial trains with another
// optimiser, they change nothing, and the trials differ by nothing.
const readOnlyBy: Record<string, readonly string[]> = {
  'training.momentum': ['momentum', 'nesterov'],
  'training.beta1': ['adam'],
  'training.beta2': ['adam'],
  'training.epsilon': ['adam'],
};

/**
 * The first of `paths` that no trial reads, given the optimiser each trial trains with: its
 * problem at `parameters.<path>`, or undefined when every parameter is read by some trial.
 */
export function unreadParameter(
  paths: readonly string[],
  optimizers: readonly string[],
): { path: string; message: string } | undefined {
  for (const path of paths) {
    const readers = readOnlyBy[path];
    if (!readers || optimizers.some((o) => readers.includes(o))) continue;
    const used = [...new Set(optimizers)].join(' and ');
    return {
      path: `parameters.${path}`,
      message: `only the ${readers.join(' and ')} optimizer${readers.length > 1 ? 's read' : ' reads'} it, and every trial trains with ${used}, so the trials would not differ by it: set spec.training.optimizer to ${readers[0]}, or vary training.optimizer too`,
    };
  }
  return undefined;
}
