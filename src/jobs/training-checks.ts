// The training kind's checks of a submitted job, before anything is written: its training
// resolved, its threads, its data's shape against the network, and the service's size limits.
// Each refusal names the field, the figure, the limit and its setting. Not the submission
// itself (submit.ts), nor what trains the job (training.ts).
import type { Config } from '../config.js';
import type { DataRows } from '../data/index.js';
import { checkAgainstData, checkShape, loadDataset } from '../data/resolve.js';
import { type DataShape, shapeOfBuiltin, shapeOfGenerator } from '../data/shape.js';
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

/** The job's data checked against its network: by shape, or by the rows themselves if inline. */
export async function checkDataset(
  config: Readonly<Config>,
  stores: Stores,
  spec: JobSpec,
  training: ResolvedTraining,
): Promise<Checked> {
  const { network, dataset } = spec;
  const byShape = (ref: DatasetRef, shape: DataShape, path: string): Checked => {
    refuse(checkShape(network, training, shape, path));
    return { ref, inline: null, ...sizeOf(shape) };
  };
  if ('id' in dataset)
    return byShape({ id: dataset.id }, await storedShape(stores, dataset.id), 'dataset.id');
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
  refuse(checkAgainstData(network, training, data));
  return { ref: null, inline: data, ...sizeOf(data) };
}

function refuse(issues: Issue[]): void {
  if (issues.length > 0) throw new ValidationError(issues);
}

async function storedShape(stores: Stores, id: string): Promise<DataShape> {
  const meta = await stores.datasets.meta(id);
  if (meta) return meta;
  throw new ValidationError([
    { path: 'dataset.id', message: 'no dataset has this id: upload one with POST /v1/datasets' },
  ]);
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
