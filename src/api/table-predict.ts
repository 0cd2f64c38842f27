// Prediction with a table model (issue 14, "Predict by column name"): a model whose document
// carries its fitted `preprocessing` and its `target`. Every protocol turns its request into
// records (objects of column name -> raw value) and a way to say where each came from; here they
// become the network's inputs (src/data/preprocess), its outputs the answer (probabilities in the
// order of the model's class list and the predicted class, or values in the target's units), and
// the issues and warnings name the request's own fields. Not here: reading each protocol's body.
import type { FastifyInstance } from 'fastify';
import { decodeOutputs, transformRecords } from '../data/index.js';
import { type Issue, ValidationError } from '../errors.js';
import type { Preprocessor, TargetEncoding } from '../spec/index.js';
import { type Issues, predictRows, shown } from './predict.js';
import type { CachedModel } from './services.js';

/** A model trained on a table: what reads its records and what its outputs mean. */
export interface TableModel {
  pre: Preprocessor;
  target: TargetEncoding;
}

export function tableOf({ doc }: CachedModel): TableModel | undefined {
  const { preprocessing, target } = doc;
  return preprocessing && target ? { pre: preprocessing, target } : undefined;
}

// the model's class list in output order, shared with batch predictions
export { classesOf } from '../data/batch-score.js';

/** The columns a table model reads, in the order rows of raw cells give them. */
export const columnNames = (pre: Preprocessor) => pre.columns.map((c) => c.name);

/** "Origin, Horsepower, Year": the columns, for messages (the first 10). */
export function columnList(pre: Preprocessor): string {
  const names = columnNames(pre);
  const more = names.length > 10 ? `, … (${names.length} in all)` : '';
  return `${names.slice(0, 10).join(', ')}${more}`;
}

/** Where the records, each record and each of its fields came from in the request. */
export interface RecordPlace {
  /** The path of the records as a whole, for what concerns them all. */
  base: string;
  /** An issue of a whole record (one the network overflows on). */
  row(r: number, message: string): Issue;
  /** The path of record r's field `column`. */
  field(r: number, column: string): string;
}

/** Records under `path`, as in `records.<i>.<column>` (TF Serving's `instances` too). */
export const recordsAt = (path: string): RecordPlace => ({
  base: path,
  row: (r, message) => ({ path: `${path}.${r}`, message }),
  field: (r, column) => `${path}.${r}.${column}`,
});

/** A row of raw cells in the order of the model's columns as a record, its length checked. */
export function recordOfCells(
  pre: Preprocessor,
  row: unknown,
  path: string,
  issues: Issues,
): Record<string, unknown> | undefined {
  const names = columnNames(pre);
  if (!Array.isArray(row) || row.length !== names.length) {
    const got = Array.isArray(row) ? `has ${row.length} values` : `is ${shown(row)}`;
    issues.add(
      path,
      `${got}; the model reads ${names.length} columns, in this order: ${columnList(pre)} (or send records keyed by column name)`,
    );
    return undefined;
  }
  // fromEntries makes own properties of every name, `__proto__` included
  return Object.fromEntries(names.map((name, c) => [name, row[c]]));
}

/**
 * Rows of raw cells in the order of the model's columns as records; a cell's issues are named
 * by position (`inputs.<i>.<c>`) through the returned place.
 */
export function recordsOfRows(
  pre: Preprocessor,
  rows: readonly unknown[],
  path: string,
  issues: Issues,
): { records: Record<string, unknown>[]; place: RecordPlace } {
  const records: Record<string, unknown>[] = [];
  rows.forEach((row, r) => {
    const record = recordOfCells(pre, row, `${path}.${r}`, issues);
    if (record) records.push(record);
  });
  const index = new Map(columnNames(pre).map((name, c) => [name, c]));
  return {
    records,
    place: {
      base: path,
      row: (r, message) => ({ path: `${path}.${r}`, message }),
      field: (r, column) => `${path}.${r}.${index.get(column) ?? column}`,
    },
  };
}

/** What every protocol answers for a table model, before its own shape. */
export interface TableAnswer {
  /** Per row: the probabilities in the class list's order, or [the value in the target's units]. */
  outputs: number[][];
  /** Per row, the predicted class (classifiers only). */
  classes?: (string | number)[];
  /** Unseen categories and fields the model does not read, named where the request has them. */
  warnings: string[];
}

// transformRecords names fields under this path; they are renamed to the request's own.
const recordsPath = 'records';

/**
 * The answer for `records` (the request's row limit already checked). A value a column cannot
 * read, or a row the network overflows on, is a ValidationError named through `place`.
 */
export async function predictTable(
  app: FastifyInstance,
  cached: CachedModel,
  { pre, target }: TableModel,
  records: readonly unknown[],
  place: RecordPlace,
): Promise<TableAnswer> {
  let read: ReturnType<typeof transformRecords>;
  try {
    read = transformRecords(pre, records, recordsPath, target.name);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.issues.map((issue) => renamed(issue, place)));
  }
  const { inputs, rows } = read;
  const y = await predictRows(app, cached, inputs, rows, place.row);
  const warnings = read.warnings.map((w) => renamedWarning(w, pre, place));
  if (target.task === 'regression') {
    const { predictions } = decodeOutputs(target, y, rows);
    return { outputs: predictions.map((v) => [v]), warnings };
  }
  const { predictions, probabilities } = decodeOutputs(target, y, rows);
  return { outputs: probabilities, classes: predictions, warnings };
}

// `records.<i>` or `records.<i>.<column>` to the request's own path.
function renamed(issue: Issue, place: RecordPlace): Issue {
  const { path, message } = issue;
  if (path === recordsPath) return { path: place.base, message };
  const match = /^records\.(\d+)(?:\.(.*))?$/s.exec(path);
  if (!match) return issue;
  const r = Number(match[1]);
  return match[2] === undefined
    ? place.row(r, message)
    : { path: place.field(r, match[2]), message };
}

// A warning that starts with `records.<i>.<column>: ` or `records: ` names the request's field.
function renamedWarning(warning: string, pre: Preprocessor, place: RecordPlace): string {
  if (warning.startsWith(`${recordsPath}: `))
    return `${place.base}${warning.slice(recordsPath.length)}`;
  const match = /^records\.(\d+)\./.exec(warning);
  if (!match) return warning;
  const rest = warning.slice(match[0].length);
  let column: string | undefined;
  for (const name of columnNames(pre))
    if (rest.startsWith(`${name}: `) && name.length > (column?.length ?? -1)) column = name;
  if (column === undefined) return warning;
  return `${place.field(Number(match[1]), column)}${rest.slice(column.length)}`;
}
