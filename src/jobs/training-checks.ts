// The training kind's checks of a submitted job, before anything is written: its training
// resolved, its threads, its data's shape against the network, and the service's size limits.
// Each refusal names the field, the figure, the limit and its setting. Not the submission
// itself (submit.ts), nor what trains the job (training.ts).
import type { Config } from '../config.js';
import { checkFolds } from '../data/folds.js';
import type { DataRows } from '../data/index.js';
import { isTable, planStoredTable, shapeOfPlan } from '../data/job-data.js';
import { completeNetwork } from '../data/network-defaults.js';
import { checkAgainstData, checkShape, loadDataset } from '../data/resolve.js';
import { type DataShape, shapeOfBuiltin, shapeOfData, shapeOfGenerator } from '../data/shape.js';
import { checkStartShapes, shapeOfStart } from '../data/warm-start.js';
import { parameterCount } from '../engine/index.js';
import { type Issue, ValidationError } from '../errors.js';
import {
  type DatasetRef,
  defined,
  type JobSpec,
  type NetworkSpec,
  type ResolvedTraining,
  resolveTableTraining,
  resolveTraining,
} from '../spec/index.js';
import { checkStoredSize, readyOrRefuse, type StoredModel, type Stores } from '../store/index.js';

/** The job's training with every default filled in, within MAX_JOB_THREADS. */
export function resolveJobTraining(config: Readonly<Config>, spec: JobSpec): ResolvedTraining {
  return checkThreads(config, resolveTraining(spec.training));
}

function checkThreads(config: Readonly<Config>, training: ResolvedTraining): ResolvedTraining {
  const { maxJobThreads } = config;
  if (training.threads > maxJobThreads) {
    throw new ValidationError([
      {
        path: 'training.threads',
        message: `asks for ${training.threads} threads; this service trains a job on at most ${maxJobThreads} (MAX_JOB_THREADS)`,
      },
    ]);
  }
  return training;
}

export interface Checked {
  /** The network made whole against the data (network-defaults.ts). */
  network: NetworkSpec;
  /** The training resolved, with the tables' defaults for a table. */
  training: ResolvedTraining;
  ref: DatasetRef | null; // null: inline data, stored on submission
  inline: DataRows | null;
  /** Rows, feature columns and outputs (classes or targets), for the size limits. */
  rows: number;
  features: number;
  outputs: number;
}

/**
 * The job's data checked against its network, made whole here (its input width, output layer
 * and divergence derived when left out): by shape, or by the rows themselves if inline. A
 * stored table is planned from its profile (its column overrides checked) and trained with the
 * tables' defaults where the job leaves training out (same seed).
 */
export async function checkDataset(
  config: Readonly<Config>,
  stores: Stores,
  spec: JobSpec,
  resolved: ResolvedTraining,
  start: StoredModel | null = null,
): Promise<Checked> {
  const { dataset } = spec;
  // a warm start without a network takes the model's
  const given = spec.network ?? start?.network;
  const complete = (shape: DataShape) => {
    const network = completeNetwork(given, shape);
    if (start) refuse(checkStartShapes(network, start.network));
    return network;
  };
  const byShape = (
    ref: DatasetRef,
    shape: DataShape,
    path: string,
    training = resolved,
  ): Checked => {
    const network = complete(shape);
    refuse(checkShape(network, training, shape, path));
    return { network, training, ref, inline: null, ...sizeOf(shape) };
  };
  if ('id' in dataset) {
    const stored = await stores.datasets.meta(dataset.id);
    if (!stored) {
      throw new ValidationError([
        {
          path: 'dataset.id',
          message: 'no dataset has this id: upload one with POST /v1/datasets',
        },
      ]);
    }
    const meta = readyOrRefuse(stored, 'dataset.id');
    const { id, columns, task, preprocessing } = dataset;
    const choices = defined({ columns, task, preprocessing });
    if (!isTable(meta)) {
      refuse(tableOnly(choices));
      return byShape({ id }, meta, 'dataset.id');
    }
    const plan = planStoredTable(meta, choices);
    const training = resolveTableTraining(spec.training, () => resolved.seed, meta.rows);
    return byShape(
      { id, ...choices },
      start ? shapeOfStart(plan, meta, start) : shapeOfPlan(plan, meta),
      'dataset.id',
      checkThreads(config, training),
    );
  }
  if ('builtin' in dataset)
    return byShape(dataset, shapeOfBuiltin(dataset.builtin, dataset.subset), 'dataset');
  if ('generator' in dataset) return byShape(dataset, shapeOfGenerator(dataset), 'dataset');
  if ('csv' in dataset) {
    throw new ValidationError([
      {
        path: 'dataset.csv',
        message:
          'the server cannot read local files: upload the CSV with POST /v1/datasets and give {"id": …}',
      },
    ]);
  }
  // refused before its arrays are made, and stored with labels as class indices (issue 12)
  const { maxDatasetCells: maxCells, maxDatasetStoredBytes } = config;
  const data = loadDataset(dataset, { allowFiles: false, maxCells });
  checkStoredSize(data, maxDatasetStoredBytes);
  const network = complete(shapeOfData(data));
  refuse(checkAgainstData(network, resolved, data));
  return { network, training: resolved, ref: null, inline: data, ...sizeOf(data) };
}

/**
 * The model a warm-started job (training.initFrom) starts from, of this tenant's; null without
 * one. A 400 when there is no such model (another tenant's models are not there to find).
 */
export async function modelToStartFrom(stores: Stores, spec: JobSpec): Promise<StoredModel | null> {
  const ref = spec.training?.initFrom?.model;
  if (ref === undefined) return null;
  const id = await stores.models.resolve(ref);
  const model = id === null ? null : await stores.models.get(id);
  if (model) return model;
  throw new ValidationError([
    {
      path: 'training.initFrom.model',
      message: `no model of yours is ${ref}: give the id, NAME, NAME@VERSION or NAME@ALIAS of a model you trained or imported (GET /v1/models)`,
    },
  ]);
}

// A matrix dataset has no columns to type nor a label to choose a task for.
function tableOnly(choices: object): Issue[] {
  return Object.keys(choices).map((key) => ({
    path: `dataset.${key}`,
    message:
      'applies to tables (uploaded with ?label=NAME), not to this dataset of numeric rows: remove it',
  }));
}

function refuse(issues: Issue[]): void {
  if (issues.length > 0) throw new ValidationError(issues);
}

const sizeOf = (shape: { rows: number; features: number; outputs: number }) => ({
  rows: shape.rows,
  features: shape.features,
  outputs: shape.outputs,
});

/**
 * Cross-validation's folds against the rows they deal (issue 17): the rows training.testSplit
 * leaves, as the worker splits them (preprocess/split.ts); a 400 at training.crossValidation.folds
 * when there are fewer of them than folds.
 */
export function checkCrossValidation(checked: Checked): void {
  const folds = checked.training.crossValidation?.folds;
  if (folds === undefined) return;
  const { rows, training } = checked;
  const test =
    training.testSplit > 0 && rows >= 2
      ? Math.min(rows - 1, Math.max(1, Math.round(rows * training.testSplit)))
      : 0;
  try {
    checkFolds(rows - test, folds);
  } catch (error) {
    if (!(error instanceof ValidationError) || test === 0) throw error;
    const [issue] = error.issues;
    const held = `${test} of the ${rows} rows are held out for the test (training.testSplit)`;
    throw new ValidationError([{ ...issue!, message: `${issue!.message}; ${held}` }]);
  }
}

// The service's size limits: each refusal names the limit, its value and the job's figure.
export function checkLimits(config: Readonly<Config>, checked: Checked): void {
  const { maxParameters, maxDatasetCells, maxJobCompute } = config;
  const { training } = checked;
  const parameters = parameterCount(checked.network);
  const cells = checked.rows * checked.features;
  const compute = training.epochs * checked.rows * parameters;
  const issues: Issue[] = [];
  if (parameters > maxParameters)
    issues.push({
      path: 'network.layers',
      message: `has ${parameters} parameters; this service trains at most ${maxParameters} (MAX_PARAMETERS): use fewer or narrower layers`,
    });
  if (cells > maxDatasetCells)
    issues.push({
      path: 'dataset',
      message: `has ${checked.rows} rows × ${checked.features} features = ${cells} values; this service takes at most ${maxDatasetCells} (MAX_DATASET_CELLS)`,
    });
  // the targets a worker makes (one-hot for classes) are as large as this: refused here, not there
  if (checked.rows * checked.outputs > maxDatasetCells)
    issues.push({
      path: 'dataset',
      message: `has ${checked.rows} rows × ${checked.outputs} outputs (classes or target columns) = ${checked.rows * checked.outputs} target values; this service takes at most ${maxDatasetCells} (MAX_DATASET_CELLS): use fewer rows or classes`,
    });
  if (compute > maxJobCompute)
    issues.push({
      path: 'training.epochs',
      message: `${training.epochs} epochs × ${checked.rows} rows × ${parameters} parameters = ${compute.toExponential(2)}, over the budget of ${maxJobCompute.toExponential(2)} a job may use (MAX_JOB_COMPUTE): train fewer epochs, on fewer rows or a smaller network`,
    });
  if (issues.length > 0) throw new ValidationError(issues);
}
