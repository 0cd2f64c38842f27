// The training kind's checks of a submitted job, before anything is written: its training
// resolved, its threads, its data's shape against the network, and the service's size limits.
// Each refusal names the field, the figure, the limit and its setting. Not the submission
// itself (submit.ts), nor what trains the job (training.ts).
import type { Config } from '../config.js';
import type { DataRows } from '../data/index.js';
import { checkAgainstData, checkShape, loadDataset } from '../data/resolve.js';
import { shapeOfBuiltin, shapeOfGenerator } from '../data/shape.js';
import { parameterCount } from '../engine/index.js';
import { type Issue, ValidationError } from '../errors.js';
import {
  type DatasetRef,
  type JobSpec,
  type ResolvedTraining,
  resolveTraining,
} from '../spec/index.js';
import { checkStoredSize, type Stores } from '../store/index.js';

/** The job's training with every default filled in, within MAX_JOB_THREADS. */
export function resolveJobTraining(config: Readonly<Config>, spec: JobSpec): ResolvedTraining {
  const training = resolveTraining(spec.training);
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
  ref: DatasetRef | null; // null: inline data, stored on submission
  inline: DataRows | null;
  /** Rows, feature columns and outputs (classes or targets), for the size limits. */
  rows: number;
  features: number;
  outputs: number;
}

export async function checkDataset(
  config: Readonly<Config>,
  stores: Stores,
  spec: JobSpec,
  training: ResolvedTraining,
): Promise<Checked> {
  const { network, dataset } = spec;
  let issues: Issue[];
  let checked: Checked;
  if ('id' in dataset) {
    const meta = await stores.datasets.meta(dataset.id);
    if (!meta) {
      throw new ValidationError([
        {
          path: 'dataset.id',
          message: 'no dataset has this id: upload one with POST /v1/datasets',
        },
      ]);
    }
    issues = checkShape(network, training, meta, 'dataset.id');
    checked = { ref: { id: dataset.id }, inline: null, ...sizeOf(meta) };
  } else if ('builtin' in dataset) {
    const shape = shapeOfBuiltin(dataset.builtin, dataset.subset);
    issues = checkShape(network, training, shape, 'dataset');
    checked = { ref: dataset, inline: null, ...sizeOf(shape) };
  } else if ('generator' in dataset) {
    const shape = shapeOfGenerator(dataset);
    issues = checkShape(network, training, shape, 'dataset');
    checked = { ref: dataset, inline: null, ...sizeOf(shape) };
  } else if ('csv' in dataset) {
    throw new ValidationError([
      {
        path: 'dataset.csv',
        message:
          'the server cannot read local files: upload the CSV with POST /v1/datasets and give {"id": …}',
      },
    ]);
  } else {
    // refused before its arrays are made, and stored with labels as class indices (issue 12)
    const { maxDatasetCells: maxCells, maxDatasetStoredBytes } = config;
    const data = loadDataset(dataset, { allowFiles: false, maxCells });
    checkStoredSize(data, maxDatasetStoredBytes);
    issues = checkAgainstData(network, training, data);
    checked = { ref: null, inline: data, ...sizeOf(data) };
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return checked;
}

const sizeOf = (shape: { rows: number; features: number; outputs: number }) => ({
  rows: shape.rows,
  features: shape.features,
  outputs: shape.outputs,
});

// The service's size limits: each refusal names the limit, its value and the job's figure.
export function checkLimits(
  config: Readonly<Config>,
  spec: JobSpec,
  training: ResolvedTraining,
  checked: Checked,
): void {
  const { maxParameters, maxDatasetCells, maxJobCompute } = config;
  const parameters = parameterCount(spec.network);
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
