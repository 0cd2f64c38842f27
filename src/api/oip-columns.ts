// The Open Inference Protocol v2's inputs for a model trained on a table: one named input tensor
// per column, read into records (table-predict.ts). A column's tensor is shape [N] or [N, 1];
// numbers come as FP32, FP64 or INT* (JSON numbers), strings (categories, ISO dates) as BYTES
// (JSON strings), booleans as BOOL. A missing cell is null in any datatype's data (JSON has no
// NaN), or "" in BYTES; a column whose tensor is left out is missing in every row; all are
// imputed as in training. Not here: the matrix model's one tensor (oip-tensors.ts), the routes.
import type { z } from 'zod';
import type { ColumnStep } from '../spec/index.js';
import { type inferRequestSchema, numericDatatype, type tensorMeta } from './oip-tensors.js';
import { checkRowCount, Issues, shown, valueProblem } from './predict.js';
import { columnList, type RecordPlace, type TableModel } from './table-predict.js';

type InferInput = z.infer<typeof inferRequestSchema>['inputs'][number];

/** The datatype a column's tensor is listed with in the model's metadata. */
const datatypeOf: Record<ColumnStep['type'], string> = {
  numeric: 'FP32',
  boolean: 'BOOL',
  categorical: 'BYTES',
  datetime: 'BYTES',
};

/** The model metadata's inputs: one per column, [-1] (a column of N rows). */
export function columnInputs({ pre }: TableModel): z.infer<typeof tensorMeta>[] {
  return pre.columns.map((step) => ({
    name: step.name,
    datatype: datatypeOf[step.type],
    shape: [-1],
  }));
}

/** Why `value` is not a cell of a tensor of `datatype`, or null. */
function cellProblem(value: unknown, datatype: string): string | null {
  if (value === null) return null; // a missing cell, in any datatype
  if (datatype === 'BYTES')
    return typeof value === 'string' ? null : `must be a string, as BYTES (got ${shown(value)})`;
  if (datatype === 'BOOL')
    return typeof value === 'boolean'
      ? null
      : `must be true or false, as BOOL (got ${shown(value)})`;
  return valueProblem(value, {
    integer: datatype.includes('INT'),
    unsigned: datatype.startsWith('U'),
  });
}

/** The cells of one tensor (its shape checked): [N] flat, or [N, 1] flat or nested as rows of one. */
function cellsOf(input: InferInput, at: string, issues: Issues): unknown[] {
  const { shape, data } = input;
  const rows = shape[0]!;
  const nested = shape.length === 2 && data.length > 0 && data.every(Array.isArray);
  const cells = nested
    ? data.map((row) => ((row as unknown[]).length === 1 ? (row as unknown[])[0] : row))
    : data;
  if (cells.length !== rows) {
    issues.add(
      `${at}.data`,
      `has ${cells.length} values; shape [${shape.join(', ')}] needs ${rows}`,
    );
    return cells;
  }
  cells.forEach((v, r) => {
    const why = Array.isArray(v) ? 'must be one value per row' : cellProblem(v, input.datatype);
    if (why) issues.add(`${at}.data.${r}`, why);
  });
  return cells;
}

/** Each tensor's column, checked: a column of the model, once, in a datatype JSON can carry. */
function tensorsByColumn(inputs: readonly InferInput[], table: TableModel, issues: Issues) {
  const columns = new Set(table.pre.columns.map((c) => c.name));
  const tensorOf = new Map<string, number>(); // column -> its tensor's index
  inputs.forEach(({ name, datatype }, k) => {
    if (!columns.has(name))
      issues.add(
        `inputs.${k}.name`,
        `is ${shown(name)}, not a column of this model: it reads one input per column, named ${columnList(table.pre)} (GET /v2/models/ID lists them)`,
      );
    else if (tensorOf.has(name))
      issues.add(
        `inputs.${k}.name`,
        `is given twice (also inputs.${tensorOf.get(name)}): send each column once`,
      );
    else tensorOf.set(name, k);
    if (!numericDatatype.test(datatype) && datatype !== 'BYTES' && datatype !== 'BOOL')
      issues.add(
        `inputs.${k}.datatype`,
        `is ${shown(datatype)}; send numbers as FP32 (FP64 and INT types are taken too), strings as BYTES, booleans as BOOL`,
      );
  });
  return tensorOf;
}

/** The rows every tensor has: each [N] or [N, 1], with the same N, within the limit. */
function rowsOf(inputs: readonly InferInput[], maxRows: number, issues: Issues): number {
  inputs.forEach(({ shape }, k) => {
    if (shape.length < 1 || shape.length > 2 || (shape.length === 2 && shape[1] !== 1))
      issues.add(
        `inputs.${k}.shape`,
        `is [${shape.join(', ')}]; a column's tensor is [rows] or [rows, 1]`,
      );
  });
  issues.throwIfAny();
  const rows = inputs[0]!.shape[0]!;
  inputs.forEach(({ shape }, k) => {
    if (k > 0 && shape[0] !== rows)
      issues.add(
        `inputs.${k}.shape.0`,
        `is ${shape[0]}; inputs.0 has ${rows} rows: give every column the same rows`,
      );
  });
  checkRowCount(rows, maxRows, 'inputs.0.shape.0', issues);
  return rows;
}

/**
 * The request's tensors as records, checked: every name a column of the model, once; every
 * tensor [N] or [N, 1] with the same N; data of its datatype. Issues of a record's field are
 * named at its tensor's data (`inputs.<k>.data.<r>`).
 */
export function readColumnInputs(
  inputs: readonly InferInput[],
  table: TableModel,
  maxRows: number,
): { records: Record<string, unknown>[]; place: RecordPlace } {
  const issues = new Issues();
  const tensorOf = tensorsByColumn(inputs, table, issues);
  issues.throwIfAny();
  const rows = rowsOf(inputs, maxRows, issues);
  issues.throwIfAny();
  const cells = inputs.map((input, k) => cellsOf(input, `inputs.${k}`, issues));
  issues.throwIfAny();
  const records = Array.from({ length: rows }, (_, r) =>
    // fromEntries makes own properties of every name, `__proto__` included
    Object.fromEntries(inputs.map(({ name }, k) => [name, cells[k]![r]])),
  );
  return {
    records,
    place: {
      base: 'inputs',
      row: (r, message) => ({ path: 'inputs', message: `row ${r} ${message}` }),
      field: (r, column) => `inputs.${tensorOf.get(column) ?? '?'}.data.${r}`,
    },
  };
}
