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
  const table = new RecordRows(new ArrayRows());
  records.forEach((record, r) => {
    table.add(record, `records.${r}`);
  });
  return table.finish();
}

/**
 * Where rows go as they are read: columns added by name (a CSV's header, or a record's key when
 * first seen: missing in the rows before), then rows, each cell under its column's index.
 * ArrayRows keeps them as a Table; table-encoder.ts encodes them as they come.
 */
export interface RowStore<T> {
  /** Rows taken so far. */
  readonly count: number;
  addColumn(name: string): void;
  add(row: readonly Cell[]): void;
  finish(): T;
}

/** Rows kept as they are, a Table at the end (every row as wide as the header, or wider). */
export class ArrayRows implements RowStore<Table> {
  private readonly header: string[] = [];
  private readonly rows: Cell[][] = [];

  get count(): number {
    return this.rows.length;
  }

  addColumn(name: string): void {
    this.header.push(name);
  }

  add(row: readonly Cell[]): void {
    this.rows.push(row as Cell[]);
  }

  /** The table, undefined where a row left a cell out. */
  finish(): Table {
    const width = this.header.length;
    for (const row of this.rows) for (let c = row.length; c < width; c++) row.push(undefined);
    return { header: this.header, rows: this.rows };
  }
}

/**
 * Records taken one at a time (an NDJSON stream's lines), each under its own path in a refusal,
 * into a RowStore; a row holds the cells of the columns seen so far (a column first seen later
 * is missing in the rows before it). finish() throws every problem found, at most maxIssues.
 */
export class RecordRows<T> {
  private readonly index = new Map<string, number>();
  private readonly issues = new IssueList();

  constructor(private readonly store: RowStore<T>) {}

  /** Rows taken so far. */
  get count(): number {
    return this.store.count;
  }
  /** Columns seen so far. */
  get width(): number {
    return this.index.size;
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
        c = this.index.size;
        this.index.set(key, c);
        this.store.addColumn(key);
      }
      const value = record[key];
      if (isCell(value)) row[c] = value;
      else {
        const got = describe(value);
        this.issues.add(`${at}.${key}`, `must be a string, number, boolean or null (got ${got})`);
      }
    }
    this.store.add(row);
  }

  /** The store's table (undefined where a record left a key out), or every problem found. */
  finish(): T {
    this.issues.throwIfAny();
    return this.store.finish();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCell(value: unknown): value is Cell {
  const kind = typeof value;
  return value === null || kind === 'string' || kind === 'boolean' || kind === 'number';
}
