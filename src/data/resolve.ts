// From a job spec to trainable data: load the dataset the spec names, then check the network
// against it (input width, output width, targets the divergence can take), reporting every
// mismatch with the field to change. Shared by the CLI and, later, the API and workers.

import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { type Issue, prefixIssues, ValidationError } from '../errors.js';
import {
  type DatasetSpec,
  defined,
  type ModelDocument,
  type NetworkSpec,
  outputSizeOfSpec,
  parseJob,
  type ResolvedJob,
  type ResolvedTraining,
  resolveTableTraining,
  resolveTraining,
} from '../spec/index.js';
import { loadBuiltin } from './builtin.js';
import { parseCsvFile } from './csv.js';
import { readCsvTable } from './csv-table.js';
import { type DataRows, type Dataset, fromTargets, readLabelled } from './dataset.js';
import { generators } from './generators.js';
import {
  holdOut,
  planStoredTable,
  shapeOfPlan,
  type TrainingRows,
  tableRows,
  underDataset,
} from './job-data.js';
import { withTargets } from './labels.js';
import { completeNetwork } from './network-defaults.js';
import { type DataShape, shapeOfData } from './shape.js';
import { tableDataset } from './table-dataset.js';
import { checkStartShapes, shapeOfStart } from './warm-start.js';

export interface LoadOptions {
  /** Whether `{csv: path}` may read the local file system (the CLI: yes; the server: no). */
  allowFiles: boolean;
  /** Relative CSV paths are read from here (the job file's folder). */
  baseDir?: string;
  /** Inline rows of more values than this (rows × features, rows × classes) are refused. */
  maxCells?: number;
}

function load(spec: DatasetSpec, options: LoadOptions): DataRows {
  if ('builtin' in spec) return loadBuiltin(spec.builtin, spec.subset ?? 'all');
  if ('generator' in spec) {
    const { generator, ...params } = spec;
    return (generators[generator] as (p: object) => Dataset)(params);
  }
  if ('id' in spec) {
    throw new ValidationError([
      {
        path: 'id',
        message: 'stored datasets live on a server: give {csv: path} to train locally',
      },
    ]);
  }
  if ('csv' in spec) {
    if (!options.allowFiles) {
      throw new ValidationError([
        {
          path: 'csv',
          message:
            'the server cannot read local files: upload the CSV as a dataset and give its id',
        },
      ]);
    }
    const path = resolvePath(options.baseDir ?? '.', spec.csv);
    return parseCsvFile(path, {
      ...(spec.label !== undefined ? { label: spec.label } : {}),
      ...(spec.targets !== undefined ? { targets: spec.targets } : {}),
    });
  }
  if ('labels' in spec) return readLabelled(spec.inputs, spec.labels, options.maxCells);
  return fromTargets(spec.inputs, spec.targets, options.maxCells);
}

/** Loads the data a dataset spec names (labels as class indices); errors carry paths under `dataset`. */
export function loadDataset(spec: DatasetSpec, options: LoadOptions): DataRows {
  try {
    return load(spec, options);
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(prefixIssues('dataset', error.issues));
    throw error;
  }
}

const maxRowIssues = 5;

// Targets the divergence cannot take: cross_entropy wants distributions, BCE values in [0, 1].
// Class labels are one-hot rows, which every divergence takes.
function checkTargets(network: NetworkSpec, data: DataRows): Issue[] {
  const issues: Issue[] = [];
  const n = data.outputs;
  const { targets } = data;
  if (!targets || data.labels) return issues;
  const where = 'dataset.targets';
  for (let r = 0; r < data.rows && issues.length < maxRowIssues; r++) {
    const row = targets.subarray(r * n, r * n + n);
    if (network.divergence === 'cross_entropy') {
      const sum = row.reduce((a, v) => a + v, 0);
      const negative = row.some((v) => v < 0);
      if (negative || Math.abs(sum - 1) > 1e-4) {
        // Rounded: the float32 sum of 0.2 + 0.5 would print as 0.699999988079071.
        const found = negative ? 'has a negative value' : `sums to ${Number(sum.toPrecision(6))}`;
        issues.push({
          path: `${where}.${r}`,
          message: `cross_entropy needs each target row to be probabilities (0 or more) summing to 1, but this one ${found}: give labels, or use l2`,
        });
      }
    } else if (network.divergence === 'binary_cross_entropy' && row.some((v) => v < 0 || v > 1)) {
      issues.push({
        path: `${where}.${r}`,
        message: 'binary_cross_entropy needs targets between 0 and 1: rescale them, or use l2',
      });
    }
  }
  return issues;
}

// The last layer's units that would give `outputs` values (maxout outputs units / groups).
function unitsFor(network: NetworkSpec, outputs: number): number {
  const last = network.layers[network.layers.length - 1]!;
  return last.activation === 'maxout' ? outputs * (last.groups ?? 1) : outputs;
}

const kindNeeded = {
  cross_entropy: ['distribution'],
  binary_cross_entropy: ['distribution', 'unit'],
  l2: ['distribution', 'unit', 'real'],
} as const;

/**
 * Every way the network and training options do not fit data of this shape. `targetsAt` names
 * the field to blame when the targets cannot feed the divergence; without it the targets are
 * left to a row-by-row check.
 */
export function checkShape(
  network: NetworkSpec,
  training: ResolvedTraining,
  shape: DataShape,
  targetsAt?: string,
): Issue[] {
  const issues: Issue[] = [];
  if (network.inputSize !== shape.features) {
    issues.push({
      path: 'network.inputSize',
      message: `is ${network.inputSize} but the dataset has ${shape.features} feature columns: set inputSize to ${shape.features}`,
    });
  }
  const k = network.layers.length - 1;
  const outputs = outputSizeOfSpec(network);
  if (outputs !== shape.outputs) {
    const what = shape.classes
      ? `${shape.outputs} classes (one-hot targets)`
      : `targets ${shape.outputs} wide`;
    issues.push({
      path: `network.layers.${k}.units`,
      message: `the last layer gives ${outputs} outputs but the dataset has ${what}: set units to ${unitsFor(network, shape.outputs)}`,
    });
  } else if (
    targetsAt &&
    !(kindNeeded[network.divergence] as readonly string[]).includes(shape.targetKind)
  ) {
    const need =
      network.divergence === 'cross_entropy'
        ? 'target rows that are probabilities summing to 1 (give labels)'
        : 'targets between 0 and 1';
    issues.push({
      path: targetsAt,
      message: `${network.divergence} needs ${need}, but this dataset's targets are not: use l2, or another dataset`,
    });
  }
  if (training.validationSplit > 0 && shape.rows < 2) {
    issues.push({
      path: 'training.validationSplit',
      message: `the dataset has ${shape.rows} row: a validation split needs at least 2; set validationSplit to 0`,
    });
  }
  return issues;
}

/** Every way the network and training options do not fit the data, row by row for targets. */
export function checkAgainstData(
  network: NetworkSpec,
  training: ResolvedTraining,
  data: DataRows,
): Issue[] {
  const issues = checkShape(network, training, shapeOfData(data));
  if (outputSizeOfSpec(network) === data.outputs) issues.push(...checkTargets(network, data));
  return issues;
}

export interface PreparedJob {
  job: ResolvedJob;
  /** The rows to train on (the engine takes its validation split from them). */
  data: Dataset;
  /** The held-out rows and, for a table, its fitted preprocessing and target encoding. */
  rows: TrainingRows;
}

/**
 * Parses, resolves and loads a job: its network made whole against the data, a `{csv, label}`
 * file read as a table (typed, imputed, encoded: issue 14), `testSplit` rows held out. Throws one
 * ValidationError with everything wrong.
 */
export function prepareJob(
  value: unknown,
  options: LoadOptions & { start?: ModelDocument },
  seed?: () => number,
): PreparedJob {
  const spec = parseJob(value);
  const { start } = options;
  const given = spec.network ?? start?.network;
  const complete = (shape: DataShape) => {
    const network = completeNetwork(given, shape);
    const issues = start ? checkStartShapes(network, start.network) : [];
    if (issues.length > 0) throw new ValidationError(issues);
    return network;
  };
  let training = resolveTraining(spec.training, seed);
  const { dataset } = spec;
  if ('csv' in dataset && dataset.label !== undefined) {
    if (!options.allowFiles) loadDataset(dataset, options); // refuses, naming the field
    const path = resolvePath(options.baseDir ?? '.', dataset.csv);
    const table = underDataset(() =>
      tableDataset(readCsvTable(readText(path)), {
        label: dataset.label!,
        ...(dataset.task ? { task: dataset.task } : {}),
        ...(dataset.missing ? { missingTokens: dataset.missing } : {}),
      }),
    );
    const meta = { ...table, rows: table.table.rows };
    const { columns, task, preprocessing } = dataset;
    const plan = planStoredTable(meta, defined({ columns, task, preprocessing }));
    const fixed = training.seed;
    training = resolveTableTraining(spec.training, () => fixed, meta.rows);
    const shape = start
      ? shapeOfStart(plan, meta, start, 'dataset.label')
      : shapeOfPlan(plan, meta);
    const network = complete(shape);
    const issues = checkShape(network, training, shape);
    if (issues.length > 0) throw new ValidationError(issues);
    const { preprocessing: preprocessor, target } = start ?? {};
    const fitted = preprocessor && target ? { preprocessor, target } : undefined;
    const rows = tableRows(table.table, plan, training, meta.missingTokens, fitted);
    return { job: { ...spec, network, training }, data: rows.train, rows };
  }
  const data = loadDataset(dataset, options);
  const network = complete(shapeOfData(data));
  const issues = checkAgainstData(network, training, data);
  if (issues.length > 0) throw new ValidationError(issues);
  const rows = holdOut(withTargets(data, options.maxCells), training);
  return { job: { ...spec, network, training }, data: rows.train, rows };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ValidationError([{ path: 'csv', message: `cannot read ${path} (${code})` }]);
  }
}

/** The folder a job file's relative CSV paths are read from. */
export function baseDirOf(jobFile: string): string {
  return dirname(resolvePath(jobFile));
}
