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
  const table = new RecordRows();
  records.forEach((record, r) => {
    table.add(record, `records.${r}`);
  });
  return table.finish();
}

/**
 * Records taken one at a time (an NDJSON stream's lines), each under its own path in a refusal;
 * a row holds the cells of the columns seen so far (a column first seen later is missing in the
 * rows before it). finish() throws every problem found, at most maxIssues.
 */
export class RecordRows {
  private readonly header: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly rows: Cell[][] = [];
  private readonly issues = new IssueList();

  /** Rows taken so far. */
  get count(): number {
    return this.rows.length;
  }
  /** Columns seen so far. */
  get width(): number {
    return this.header.length;
  }
  /** True once too many problems were found to look further. */
  get full(): boolean {
    return this.issues.full;
  }

  /** A problem with the record at `at` found by the caller (a line that is not JSON). */
  refuse(at: string, message: string): void {
    this.issues.add(at, message);
  }

  add(record: unknown, at: string): void {
    if (!isRecord(record)) {
      this.issues.add(at, `must be an object of column: value (got ${describe(record)})`);
      return;
    }
    const row: Cell[] = [];
    for (const key of Object.keys(record)) {
      let c = this.index.get(key);
      if (c === undefined) {
        c = this.header.length;
        this.index.set(key, c);
        this.header.push(key);
      }
      const value = record[key];
      if (isCell(value)) row[c] = value;
      else {
        const got = describe(value);
        this.issues.add(`${at}.${key}`, `must be a string, number, boolean or null (got ${got})`);
      }
    }
    this.rows.push(row);
  }

  /** The table, every row as wide as the header (undefined where a record left a key out). */
  finish(): Table {
    this.issues.throwIfAny();
    const width = this.header.length;
    for (const row of this.rows) for (let c = row.length; c < width; c++) row.push(undefined);
    return { header: this.header, rows: this.rows };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCell(value: unknown): value is Cell {
  const kind = typeof value;
  return value === null || kind === 'string' || kind === 'boolean' || kind === 'number';
}
