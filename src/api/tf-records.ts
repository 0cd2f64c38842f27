// TensorFlow Serving's predict bodies for a model trained on a table, read into records
// (table-predict.ts): the row format's `instances` as objects keyed by column name (TF Serving's
// rows of named inputs), and the columnar format's `inputs` as an object of column name -> list
// of values; either may also be rows of raw cells in the order of the model's columns. A value
// given as a list of one ([35], a named input of shape [1]) is read as that value. Not here: the
// route and the matrix model's rows (routes/tf-serving.ts).
import { checkRowCount, Issues, inputName, shown } from './predict.js';
import {
  columnList,
  columnNames,
  type RecordPlace,
  recordOfCells,
  recordsOfRows,
  type TableModel,
} from './table-predict.js';

// `[35]`, one named input of shape [1] per row, is 35.
const one = (value: unknown) => (Array.isArray(value) && value.length === 1 ? value[0] : value);

// The `{"input": …}` of a matrix model, sent to a table model that has no column of that name.
function checkNotMatrixForm(
  fields: Record<string, unknown>,
  path: string,
  table: TableModel,
  issues: Issues,
): void {
  if (Object.hasOwn(fields, inputName) && !columnNames(table.pre).includes(inputName))
    issues.add(
      `${path}.${inputName}`,
      `is not a column of this model: it reads its columns by name (${columnList(table.pre)})`,
    );
}

const isFields = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `instances`: each an object of column -> value, or a row of raw cells in column order. */
export function instanceRecords(instances: unknown[], table: TableModel, maxRows: number) {
  const issues = new Issues();
  checkRowCount(instances.length, maxRows, 'instances', issues);
  issues.throwIfAny();
  const index = new Map(columnNames(table.pre).map((name, c) => [name, c]));
  const records = instances.map((instance, r) => {
    const path = `instances.${r}`;
    if (Array.isArray(instance)) return recordOfCells(table.pre, instance, path, issues);
    if (!isFields(instance)) {
      issues.add(
        path,
        `must be an object of column name: value, or a row of raw cells (got ${shown(instance)})`,
      );
      return undefined;
    }
    checkNotMatrixForm(instance, path, table, issues);
    const entries = Object.entries(instance).map(([k, v]) => [k, one(v)]);
    return Object.fromEntries(entries) as Record<string, unknown>;
  });
  issues.throwIfAny();
  const place: RecordPlace = {
    base: 'instances',
    row: (r, message) => ({ path: `instances.${r}`, message }),
    field: (r, column) =>
      `instances.${r}.${Array.isArray(instances[r]) ? index.get(column) : column}`,
  };
  return { records: records as Record<string, unknown>[], place };
}

/** Columnar `inputs`: an object of column -> list of values (one per row), or rows of raw cells. */
export function columnarRecords(inputs: unknown, table: TableModel, maxRows: number) {
  const issues = new Issues();
  if (Array.isArray(inputs)) {
    checkRowCount(inputs.length, maxRows, 'inputs', issues);
    issues.throwIfAny();
    const read = recordsOfRows(table.pre, inputs, 'inputs', issues);
    issues.throwIfAny();
    return read;
  }
  if (!isFields(inputs)) {
    issues.add(
      'inputs',
      `must be an object of column name: [values, one per row], or a list of rows (got ${shown(inputs)})`,
    );
    issues.throwIfAny();
  }
  const columns = Object.entries(inputs as Record<string, unknown>);
  checkNotMatrixForm(inputs as Record<string, unknown>, 'inputs', table, issues);
  const first = columns[0];
  const rows = Array.isArray(first?.[1]) ? first[1].length : 0;
  for (const [name, values] of columns) {
    if (!Array.isArray(values))
      issues.add(`inputs.${name}`, `must be a list of values, one per row (got ${shown(values)})`);
    else if (values.length !== rows)
      issues.add(
        `inputs.${name}`,
        `has ${values.length} values; inputs.${first![0]} has ${rows}: give every column the same rows`,
      );
  }
  issues.throwIfAny();
  checkRowCount(rows, maxRows, 'inputs', issues);
  issues.throwIfAny();
  const records = Array.from({ length: rows }, (_, r) =>
    // fromEntries makes own properties of every name, `__proto__` included
    Object.fromEntries(columns.map(([name, values]) => [name, one((values as unknown[])[r])])),
  );
  const place: RecordPlace = {
    base: 'inputs',
    row: (r, message) => ({ path: 'inputs', message: `row ${r} ${message}` }),
    field: (r, column) => `inputs.${column}.${r}`,
  };
  return { records, place };
}
