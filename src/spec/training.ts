// The training part of a job spec. Every field has a default; `resolveTraining` fills them in
// so that the resolved options can be reported back and stored with the model.
import { z } from 'zod';
import {
  defaultTrainOptions,
  maxThreads,
  optimizerNames,
  type TrainOptions,
} from '../engine/index.js';
import { defined } from './defined.js';

/** A seed: a whole number that fits in 32 bits (what the engine's generator takes). */
export const seedSchema = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(4294967295, 'must fit in 32 bits');

const fraction = (max: number, what: string) =>
  z
    .number()
    .min(0, `must be between 0 and ${max}`)
    .max(max, `must be between 0 and ${max}: ${what}`);

/** Warm start: the model whose weights (and, for a table, preprocessing) a job starts from. */
export const initFromSchema = z.strictObject({
  model: z
    .string({ error: 'must be a model of yours: its id, NAME, NAME@VERSION or NAME@ALIAS' })
    .min(1, 'must be a model of yours: its id, NAME, NAME@VERSION or NAME@ALIAS')
    .max(1000)
    .describe(
      'a model of this tenant: its id, NAME (latest version), NAME@VERSION or NAME@ALIAS; the job records the id it named at submit. The CLI reads a model file path here.',
    ),
});
export type InitFrom = z.infer<typeof initFromSchema>;

/** The most folds a job may cross-validate on (each fold is a job of its own). */
export const maxFolds = 20;

/**
 * k-fold cross-validation (issue 17): k fold jobs, each validating on one fold of the training
 * rows and training on the others, then the job's own model on all of them.
 */
export const crossValidationSchema = z.strictObject({
  folds: z
    .number({ error: `must be a whole number from 2 to ${maxFolds}` })
    .int(`must be a whole number from 2 to ${maxFolds} (5 or 10 are usual)`)
    .min(2, `must be at least 2: one fold validates while the others train`)
    .max(maxFolds, `must be at most ${maxFolds}: each fold is a job of its own`),
});
export type CrossValidation = z.infer<typeof crossValidationSchema>;

export const trainingSchema = z.strictObject({
  epochs: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1_000_000, 'must be at most 1000000')
    .optional()
    .describe('maximum number of epochs (default 100)'),
  batchSize: z
    .union(
      [z.literal('full'), z.number().int('must be a whole number').min(1, 'must be at least 1')],
      {
        error: 'must be a positive whole number of rows, or "full" for full-batch gradient descent',
      },
    )
    .optional()
    .describe('rows per update (default "full": the notes\' full-batch gradient descent)'),
  learningRate: z
    .number()
    .positive('must be greater than 0')
    .max(1000, 'must be at most 1000')
    .optional()
    .describe('step size η (default 0.1, or 0.01 for adam)'),
  optimizer: z
    .enum(optimizerNames, { error: `must be one of ${optimizerNames.join(', ')}` })
    .optional()
    .describe('sgd (default), momentum, nesterov or adam'),
  momentum: fraction(0.9999, 'the velocity must decay')
    .optional()
    .describe('momentum and nesterov: μ (default 0.9)'),
  beta1: fraction(0.9999, 'the moment estimate must decay')
    .optional()
    .describe('adam (default 0.9)'),
  beta2: fraction(0.999999, 'the moment estimate must decay')
    .optional()
    .describe('adam (default 0.999)'),
  epsilon: z
    .number()
    .positive('must be greater than 0')
    .max(1, 'must be at most 1')
    .optional()
    .describe('adam (default 1e-8)'),
  weightDecay: z
    .number()
    .min(0, 'must be 0 or more')
    .max(10, 'must be at most 10')
    .optional()
    .describe('L2 penalty λ on the weights (default 0)'),
  tolerance: z
    .number()
    .min(0, 'must be 0 or more (0 disables the convergence rule)')
    .optional()
    .describe(
      'converged when |ΔErr| < tolerance for `patience` epochs in a row (default 1e-7; 0 disables)',
    ),
  patience: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .optional()
    .describe('epochs for the convergence rule and for early stopping (default 10)'),
  validationSplit: fraction(0.9, 'keep some rows for training')
    .optional()
    .describe('fraction of rows held out for validation and early stopping (default 0)'),
  testSplit: fraction(0.9, 'keep some rows for training')
    .optional()
    .describe(
      'fraction of rows held out for the evaluation, never seen by training or early stopping (stratified for classes, seeded; default 0.2 on tables, else 0)',
    ),
  shuffle: z
    .boolean()
    .optional()
    .describe('reshuffle rows every epoch in mini-batch training (default true)'),
  standardize: z
    .boolean()
    .optional()
    .describe('standardise features; the scaler is kept with the model (default true)'),
  seed: seedSchema
    .optional()
    .describe(
      'seed for initialisation, shuffles and the validation split (default: chosen at random and reported)',
    ),
  threads: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(maxThreads, `must be at most ${maxThreads}`)
    .optional()
    .describe(
      'threads that train this job together, each batch split across them (default 1); the same seed and threads give the same weights',
    ),
  initFrom: initFromSchema
    .optional()
    .describe(
      "warm start: train from this model's weights instead of a seeded initialisation (the network must have its shapes; left out, it is the model's); a table job keeps the model's preprocessing",
    ),
  crossValidation: crossValidationSchema
    .optional()
    .describe(
      `k-fold cross-validation (folds: a whole number from 2 to ${maxFolds}): the job's training rows (the rows testSplit leaves) are dealt to k folds, stratified by class for classification and seeded; k fold jobs (each shows parentJobId and fold) each train on k − 1 folds and validate on the one left, in place of validationSplit; then this job trains its model on all its training rows as it would without crossValidation, and its metrics.crossValidation gives each of error, validationError, accuracy and validationAccuracy the folds report as {mean, std, values}, std the population standard deviation (ddof 0, numpy's default). A fold that fails fails the job; cancelling the job cancels its folds. Fold jobs keep their metrics, not their models`,
    ),
});

export type TrainingSpec = z.infer<typeof trainingSchema>;
/** The engine's options, and the rows held out for the model's evaluation. */
export type ResolvedTraining = TrainOptions & {
  testSplit: number;
  initFrom?: InitFrom;
  crossValidation?: CrossValidation;
};

/**
 * Tables' defaults (issue 14), where a job leaves training out (resolveTableTraining): rows held
 * out for an honest evaluation (testSplit) and for early stopping (validationSplit, patience),
 * Adam on mini-batches (what tabular MLPs train well with, and what scikit-learn's MLP uses),
 * weight decay 3e-3 (the best of 1e-4, 1e-3 and 3e-3 on the bench's tables, held-out accuracy or
 * R² over five seeds), and no second standardisation (the table's preprocessing standardises
 * numbers and keeps one-hot inputs 0/1). Compared with scikit-learn in BENCHMARKS.md.
 */
export const tableTrainingDefaults: Partial<ResolvedTraining> = {
  epochs: 500,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 0.003,
  weightDecay: 0.003,
  patience: 30,
  validationSplit: 0.15,
  testSplit: 0.2,
  standardize: false,
};

export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}

/** Every default filled in (`defaults` over the general ones). A missing seed is drawn at random. */
export function resolveTraining(
  spec: TrainingSpec = {},
  seed: () => number = randomSeed,
  defaults: Partial<ResolvedTraining> = {},
): ResolvedTraining {
  const given = defined(spec);
  const base = { ...defaultTrainOptions, testSplit: 0, ...defaults };
  const optimizer = spec.optimizer ?? base.optimizer;
  const learningRate =
    defaults.learningRate ?? (optimizer === 'adam' ? 0.01 : defaultTrainOptions.learningRate);
  return { ...base, learningRate, ...given, seed: spec.seed ?? seed() };
}

// Fields that say nothing of how to train: a job giving only these gets the tables' defaults.
const notTraining = new Set(['seed', 'threads', 'testSplit', 'initFrom', 'crossValidation']);

/** A held-out default applies to a table with at least this many rows (else it is 0). */
export const minRowsToHoldOut = 10;

/**
 * A table job's training: the tables' defaults when the job says nothing of how to train (no
 * field but seed, threads, testSplit and initFrom), else the general defaults as for any job, so a job
 * that chose its optimiser, epochs or splits trains exactly as it said. Either way 0.2 of the
 * rows are held out for the evaluation unless testSplit says otherwise. A table too small to
 * spare rows (fewer than minRowsToHoldOut, before or after the test rows) holds none out by
 * default.
 */
export function resolveTableTraining(
  spec: TrainingSpec = {},
  seed: () => number = randomSeed,
  rows = Number.POSITIVE_INFINITY,
): ResolvedTraining {
  const given = Object.entries(spec).filter(([, v]) => v !== undefined);
  const quiet = given.every(([key]) => notTraining.has(key));
  const defaults: Partial<ResolvedTraining> = quiet
    ? { ...tableTrainingDefaults }
    : { testSplit: tableTrainingDefaults.testSplit };
  if (rows < minRowsToHoldOut) defaults.testSplit = 0;
  const testSplit = spec.testSplit ?? defaults.testSplit ?? 0;
  if (quiet && rows * (1 - testSplit) < minRowsToHoldOut) defaults.validationSplit = 0;
  return resolveTraining(spec, seed, defaults);
}
