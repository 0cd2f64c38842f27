// Class labels: untrusted label values to a class index per row and the class values, and the
// one-hot expansion of those indices into targets, made only where training needs them and only
// after its size is checked. Not a reader of rows (dataset.ts) nor of files (csv.ts).
import { ValidationError } from '../errors.js';
import type { DataRows, Dataset } from './dataset-types.js';
import type { IssueList } from './issue-list.js';

/** No bound on rows × values (the CLI); the service passes MAX_DATASET_CELLS. */
export const noCellLimit = Number.POSITIVE_INFINITY;

/** A class index past this is surely a mistake (and would make as many one-hot columns). */
export const maxClasses = 10_000;

export interface Encoded {
  labels: Int32Array;
  classes: (string | number)[];
}

/** rows*classCount targets with a 1 at each row's class index. */
export function oneHot(labels: Int32Array, classCount: number): Float32Array {
  const targets = new Float32Array(labels.length * classCount);
  for (let r = 0; r < labels.length; r++) targets[r * classCount + labels[r]!] = 1;
  return targets;
}

/**
 * Trainable data: regression rows as they are, classification rows with one-hot targets, which
 * are refused (a ValidationError naming the limit) past `maxCells` values before allocating.
 */
export function withTargets(data: DataRows, maxCells = noCellLimit): Dataset {
  if (data.targets) return data as Dataset;
  if (!data.labels) throw new TypeError('data has neither targets nor labels');
  if (data.rows * data.outputs > maxCells) {
    throw new ValidationError([
      { path: 'dataset', message: oneHotTooLarge(data.rows, data.outputs, maxCells) },
    ]);
  }
  return { ...data, targets: oneHot(data.labels, data.outputs) };
}

/** Class indices (numbers: 0..max) or names (sorted unique strings); issues under `labels`. */
export function readLabels(issues: IssueList, labels: unknown): Encoded | undefined {
  if (!Array.isArray(labels)) {
    issues.add('labels', 'must be an array of class indices or class names');
    return undefined;
  }
  if (labels.length === 0) {
    issues.add('labels', 'is empty; give one label per input row');
    return undefined;
  }
  const named = typeof labels[0] === 'string';
  const before = issues.issues.length;
  for (let r = 0; r < labels.length && !issues.full; r++) {
    const v: unknown = labels[r];
    if (named && typeof v !== 'string') {
      issues.add(`labels.${r}`, `must be a class name string like label 0 (got ${describe(v)})`);
    } else if (named && v === '') {
      issues.add(`labels.${r}`, 'is an empty class name; give every row a class');
    } else if (!named && !(Number.isInteger(v) && (v as number) >= 0)) {
      issues.add(
        `labels.${r}`,
        `must be a non-negative integer class index like label 0 (got ${describe(v)})`,
      );
    } else if (!named && (v as number) >= maxClasses) {
      issues.add(`labels.${r}`, `class index ${v} is too large; at most ${maxClasses} classes`);
    }
  }
  if (issues.issues.length > before) return undefined;
  return named ? encodeNames(issues, labels as string[]) : encodeIndices(labels as number[]);
}

function encodeIndices(labels: number[]): Encoded {
  const max = labels.reduce((m, v) => Math.max(m, v), 0);
  return { labels: Int32Array.from(labels), classes: Array.from({ length: max + 1 }, (_, i) => i) };
}

function encodeNames(issues: IssueList, labels: string[]): Encoded | undefined {
  const classes = [...new Set(labels)].sort();
  if (classes.length > maxClasses) {
    issues.add('labels', `has ${classes.length} distinct classes; at most ${maxClasses}`);
    return undefined;
  }
  const index = new Map(classes.map((c, i) => [c, i]));
  return { labels: Int32Array.from(labels, (l) => index.get(l)!), classes };
}

/** Why rows × classes one-hot targets are refused: the figure, the limit, and what to change. */
export function oneHotTooLarge(rows: number, classes: number, maxCells: number): string {
  return `${rows} rows × ${classes} classes = ${rows * classes} one-hot target values; this service trains on at most ${maxCells} (MAX_DATASET_CELLS): number the classes from 0 without gaps, or use fewer rows`;
}

export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) {
    return String(v);
  }
  return Array.isArray(v) ? 'an array' : typeof v;
}
