// A training job's rows, as the worker and the CLI both prepare them (issue 14): the rows held
// out for the evaluation (training.testSplit: stratified for classes, seeded), the rows the
// engine trains on (it takes its own validation split from these), and for a table the
// preprocessing and target encoding fitted on the training rows only. Then the evaluation of
// the trained model on the held-out rows, in the label's own units. Pure.
import {
  evaluateClassification,
  evaluateRegression,
  type Model,
  predict,
} from '../engine/index.js';
import { prefixIssues, ValidationError } from '../errors.js';
import type {
  Evaluation,
  NetworkSpec,
  Preprocessor,
  ResolvedTraining,
  TargetEncoding,
} from '../spec/index.js';
import type { ColumnProfile } from './column-profile.js';
import { type Dataset, subsetRows } from './dataset.js';
import type { EncodedTable } from './encoded-table.js';
import type { FoldChoice } from './folds.js';
import type { Task } from './label-task.js';
import { type PlanSpec, planTable } from './preprocess/plan.js';
import { type PrepareOptions, prepareTable } from './preprocess/prepare.js';
import { testSplitOf } from './preprocess/split.js';
import type { TablePlan } from './preprocess/types.js';
import type { TableProfile } from './profile.js';
import { rowsSha256, tableSha256 } from './receipt.js';
import type { DataShape } from './shape.js';

export interface TrainingRows {
  /** The rows the engine is given (its validation split is taken from them). */
  train: Dataset;
  /** The held-out rows, or null when training.testSplit is 0. */
  test: Dataset | null;
  /** SHA-256 of the data as loaded, before the split (receipt.ts). */
  datasetSha256: string;
  /** Tables only: fitted on the training rows (neither validation nor test rows). */
  preprocessing?: Preprocessor;
  target?: TargetEncoding;
}

/** A matrix dataset's rows with `testSplit` of them held out (stratified by class). */
export function holdOut(
  data: Dataset,
  training: Pick<ResolvedTraining, 'testSplit' | 'seed'>,
): TrainingRows {
  const datasetSha256 = rowsSha256(data);
  if (training.testSplit <= 0 || data.rows < 2) return { train: data, test: null, datasetSha256 };
  const { train, test } = testSplitOf(data.rows, training.testSplit, training.seed, data.labels);
  if (test.length === 0) return { train: data, test: null, datasetSha256 };
  return { train: subsetRows(data, train), test: subsetRows(data, test), datasetSha256 };
}

/**
 * A table's rows, preprocessed by a fit on its training rows, or (a warm start from a table
 * model) by the model's own preprocessing and target encoding. A fold job's `fold` validates in
 * place of validationSplit, and is left out of the fit.
 */
export function tableRows(
  table: EncodedTable,
  plan: TablePlan,
  training: Pick<ResolvedTraining, 'testSplit' | 'validationSplit' | 'seed'>,
  missingTokens: string[],
  fitted?: PrepareOptions['fitted'],
  fold?: FoldChoice,
): TrainingRows {
  const run = prepareTable(table, plan, {
    testSplit: training.testSplit,
    validationSplit: training.validationSplit,
    seed: training.seed,
    missingTokens,
    ...(fitted ? { fitted } : {}),
    ...(fold ? { fold } : {}),
  });
  return {
    train: run.train,
    test: run.test && run.test.rows > 0 ? run.test : null,
    preprocessing: run.preprocessor,
    target: run.target,
    datasetSha256: tableSha256(table),
  };
}

/**
 * The model on the held-out rows: classification metrics when the data has classes (the outputs
 * read as probabilities, renormalised when the last layer is not a softmax), else regression
 * metrics in the label's units. Undefined without held-out rows.
 */
export function evaluateHeldOut(
  model: Model,
  network: NetworkSpec,
  rows: Pick<TrainingRows, 'test' | 'target'>,
): Evaluation | undefined {
  const { test, target } = rows;
  if (!test || test.rows === 0) return undefined;
  const y = predict(model, test.inputs, test.rows);
  const n = test.outputs;
  if (test.labels) {
    const classes = target?.task === 'classification' ? target.classes : (test.classes ?? range(n));
    const probabilities = Float64Array.from(y);
    const last = network.layers[network.layers.length - 1]!;
    if (last.activation !== 'softmax') normaliseRows(probabilities, test.rows, n);
    return evaluateClassification(probabilities, test.labels, classes);
  }
  const scale = target?.task === 'regression' ? target : { mean: 0, std: 1 };
  const unscale = (v: Float32Array) => Float64Array.from(v, (x) => x * scale.std + scale.mean);
  return evaluateRegression(unscale(y), unscale(test.targets), n);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// Each row's outputs clipped at 0 and scaled to sum to 1 (uniform when all are 0).
function normaliseRows(p: Float64Array, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      p[r * n + i] = Math.max(0, p[r * n + i]!);
      sum += p[r * n + i]!;
    }
    for (let i = 0; i < n; i++) p[r * n + i] = sum > 0 ? p[r * n + i]! / sum : 1 / n;
  }
}

/** What a stored table's metadata says of it: enough to plan a job without its rows. */
export interface TableMeta {
  rows: number;
  columns: ColumnProfile[];
  /** Absent for a table uploaded without ?label= (for scoring only). */
  label?: { name: string; task: Task; reason: string } | undefined;
  missingTokens: string[];
}

/** Whether a stored dataset's metadata is a table's (uploaded with ?label=NAME). */
export function isTable<M extends object>(meta: M): meta is M & TableMeta {
  return (meta as { format?: string }).format === 'table';
}

/** How a job reads a stored table (its `dataset` fields besides the id). */
export type TableChoices = PlanSpec;

/** The job's plan of a stored table; refusals name fields under `dataset`. */
export function planStoredTable(meta: TableMeta, choices: TableChoices): TablePlan {
  const { label } = meta;
  if (!label) {
    throw new ValidationError([
      {
        path: 'dataset.id',
        message:
          'is a table uploaded without ?label=, which can be scored (POST /v1/models/:ref/batch-predictions) but not trained on: upload it again with ?label=COLUMN, the column to predict',
      },
    ]);
  }
  const profile: TableProfile = {
    rows: meta.rows,
    columns: meta.columns,
    label: { ...label, droppedRows: { count: 0, rows: [] } },
  };
  return underDataset(() => planTable(profile, choices));
}

/** What `read` returns; its ValidationError's paths put under `dataset` (a job's field). */
export function underDataset<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(prefixIssues('dataset', error.issues));
    throw error;
  }
}

/** The shape a job on the table is checked against: the plan's width, its classes or one target. */
export function shapeOfPlan(plan: TablePlan, meta: TableMeta): DataShape {
  if (plan.label.task === 'regression')
    return { rows: meta.rows, features: plan.width, outputs: 1, targetKind: 'real' };
  const label = meta.columns[plan.label.index]!;
  const classes = range(label.distinct);
  return {
    rows: meta.rows,
    features: plan.width,
    outputs: classes.length,
    classes,
    targetKind: 'distribution',
  };
}
