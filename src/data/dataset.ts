// The in-memory dataset: flat row-major Float32Arrays of inputs and targets, plus class labels
// for classification. Constructors validate untrusted rows and report every problem at once.
// Not a loader (see csv.ts, builtin.ts) and not a transform (no scaling, no shuffling).

import type { DataRows, Dataset } from './dataset-types.js';
import { IssueList } from './issue-list.js';
import { describe, noCellLimit, oneHotTooLarge, readLabels, withTargets } from './labels.js';

export type { DataRows, Dataset } from './dataset-types.js';
export { IssueList, maxIssues } from './issue-list.js';

/** The largest float32: data is kept in 32-bit floats, so a larger number would become Infinity. */
export const maxFloat32 = 3.4028234663852886e38;

type Rows = readonly (readonly unknown[])[];

/** A regression (or any numeric-target) dataset from nested rows. */
export function fromTargets(inputs: Rows, targets: Rows, maxCells = noCellLimit): Dataset {
  const issues = new IssueList();
  const x = readMatrix(issues, 'inputs', inputs, maxCells);
  const y = readMatrix(issues, 'targets', targets, maxCells);
  if (x && y) checkRowCounts(issues, 'targets', y.rows, x.rows);
  issues.throwIfAny();
  return {
    rows: x!.rows,
    features: x!.width,
    outputs: y!.width,
    inputs: x!.flat,
    targets: y!.flat,
  };
}

/** Prediction inputs: features only, `outputs` 0 and empty targets. */
export function fromInputs(inputs: Rows): Dataset {
  const issues = new IssueList();
  const x = readMatrix(issues, 'inputs', inputs);
  issues.throwIfAny();
  return {
    rows: x!.rows,
    features: x!.width,
    outputs: 0,
    inputs: x!.flat,
    targets: new Float32Array(0),
  };
}

/**
 * A classification dataset with one-hot targets. Numeric labels are class indices (classes are
 * 0..max); string labels are class names (classes are the sorted unique names).
 */
export function fromLabels(inputs: Rows, labels: readonly unknown[]): Dataset {
  return withTargets(readLabelled(inputs, labels));
}

/**
 * Classification rows as stored: inputs and a class index per row, no one-hot targets. Refuses,
 * before allocating, inputs or one-hot targets-to-be of more than `maxCells` values.
 */
export function readLabelled(
  inputs: Rows,
  labels: readonly unknown[],
  maxCells = noCellLimit,
): DataRows {
  const issues = new IssueList();
  const x = readMatrix(issues, 'inputs', inputs, maxCells);
  const encoded = readLabels(issues, labels);
  if (x && encoded) {
    checkRowCounts(issues, 'labels', encoded.labels.length, x.rows);
    if (x.rows * encoded.classes.length > maxCells)
      issues.add('labels', oneHotTooLarge(x.rows, encoded.classes.length, maxCells));
  }
  issues.throwIfAny();
  const { labels: indices, classes } = encoded!;
  return {
    rows: x!.rows,
    features: x!.width,
    outputs: classes.length,
    inputs: x!.flat,
    labels: indices,
    classes,
  };
}

/** A copy of the given rows, in the given order; classes and feature names are kept. */
export function subsetRows(d: Dataset, rowIndices: ArrayLike<number>): Dataset {
  const n = rowIndices.length;
  const inputs = new Float32Array(n * d.features);
  const targets = new Float32Array(n * d.outputs);
  const labels = d.labels ? new Int32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const r = rowIndices[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= d.rows) {
      throw new RangeError(`row index ${r} is outside 0..${d.rows - 1}`);
    }
    inputs.set(d.inputs.subarray(r * d.features, (r + 1) * d.features), i * d.features);
    targets.set(d.targets.subarray(r * d.outputs, (r + 1) * d.outputs), i * d.outputs);
    if (labels) labels[i] = d.labels![r]!;
  }
  const subset: Dataset = { rows: n, features: d.features, outputs: d.outputs, inputs, targets };
  if (d.featureNames) subset.featureNames = [...d.featureNames];
  if (labels) subset.labels = labels;
  if (d.classes) subset.classes = [...d.classes];
  return subset;
}

/** Back to nested arrays, e.g. for JSON output. */
export function rowsOf(flat: Float32Array, rows: number, width: number): number[][] {
  const out: number[][] = new Array(rows);
  // plain loops: a subarray and Array.from per row cost more than a small prediction
  for (let r = 0; r < rows; r++) {
    const row: number[] = new Array(width);
    for (let c = 0; c < width; c++) row[c] = flat[r * width + c]!;
    out[r] = row;
  }
  return out;
}

interface Matrix {
  rows: number;
  width: number;
  flat: Float32Array;
}

function readMatrix(
  issues: IssueList,
  name: string,
  rows: unknown,
  maxCells = noCellLimit,
): Matrix | undefined {
  if (!Array.isArray(rows)) {
    issues.add(name, 'must be an array of rows (arrays of numbers)');
    return undefined;
  }
  if (rows.length === 0) {
    issues.add(name, 'is empty; give at least one row');
    return undefined;
  }
  // The first row that is an array sets the width every other row must match.
  const ref = rows.findIndex((row) => Array.isArray(row));
  const width = ref >= 0 ? (rows[ref] as unknown[]).length : 0;
  if (ref >= 0 && width === 0) {
    issues.add(`${name}.${ref}`, 'is empty; every row needs at least one value');
    return undefined;
  }
  if (rows.length * width > maxCells) {
    issues.add(name, tooManyCells(rows.length, width, maxCells));
    return undefined;
  }
  const flat = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length && !issues.full; r++) {
    const row: unknown = rows[r];
    if (!Array.isArray(row)) {
      issues.add(`${name}.${r}`, 'must be an array of numbers');
    } else if (row.length !== width) {
      issues.add(
        `${name}.${r}`,
        `row ${r} has ${row.length} values; every row needs ${width} like row ${ref}`,
      );
    } else {
      for (let c = 0; c < width && !issues.full; c++) {
        const v: unknown = row[c];
        if (typeof v === 'number' && Math.abs(v) <= maxFloat32) flat[r * width + c] = v;
        else issues.add(`${name}.${r}.${c}`, notAFloat32(v));
      }
    }
  }
  return { rows: rows.length, width, flat };
}

function checkRowCounts(issues: IssueList, name: string, rows: number, inputRows: number): void {
  if (rows !== inputRows) {
    issues.add(name, `has ${rows} rows but inputs has ${inputRows}; give one per input row`);
  }
}

/** Why rows × width values are refused before they are allocated. */
export function tooManyCells(rows: number, width: number, maxCells: number): string {
  return `has ${rows} rows × ${width} values = ${rows * width}; this service takes at most ${maxCells} (MAX_DATASET_CELLS): use fewer rows or columns`;
}

export function notAFloat32(v: unknown): string {
  return Number.isFinite(v)
    ? `is ${v}, past ±3.4e38 (data is kept as 32-bit floats): scale the column down`
    : `must be a finite number (got ${describe(v)})`;
}
