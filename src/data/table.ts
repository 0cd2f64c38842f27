// A table as profiling reads it: a header and rows of raw cells, either strings as csv-parse
// gives them or the values of JSON records (strings, numbers, booleans, null). One cell type, so
// a CSV and the same data as JSON records profile alike. Not a parser of files (csv.ts is).
import { IssueList } from './issue-list.js';
import { describe } from './labels.js';

/** A raw cell; `undefined` is a cell a short row or a record leaves out. */
export type Cell = string | number | boolean | null | undefined;

export interface Table {
  header: readonly string[];
  rows: readonly (readonly Cell[])[];
}

/**
 * JSON records `[{column: value, …}]` as a table: the header is every key in the order first
 * seen; a key a record leaves out is a missing cell. Values that are not a string, number,
 * boolean or null are refused under `records.<row>.<key>` (rows counted from 0, as in JSON).
 */
export function tableFromRecords(records: readonly unknown[]): Table {
  const issues = new IssueList();
  const header: string[] = [];
  const seen = new Set<string>();
  records.forEach((record, r) => {
    if (!isRecord(record)) {
      issues.add(`records.${r}`, `must be an object of column: value (got ${describe(record)})`);
      return;
    }
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) header.push(key);
      seen.add(key);
      if (!isCell(record[key])) {
        const got = describe(record[key]);
        issues.add(`records.${r}.${key}`, `must be a string, number, boolean or null (got ${got})`);
      }
    }
  });
  issues.throwIfAny();
  const rows = (records as Record<string, Cell>[]).map((record) =>
    header.map((key) => (Object.hasOwn(record, key) ? record[key] : undefined)),
  );
  return { header, rows };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCell(value: unknown): value is Cell {
  const kind = typeof value;
  return value === null || kind === 'string' || kind === 'boolean' || kind === 'number';
}
