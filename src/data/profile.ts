// Profiling a table (issue 14, "Columns, typed"): each column's type, missing count, distinct
// count and statistics, from a header and raw cells (CSV strings or JSON record values alike).
// Pure: no I/O; not the preprocessing that uses the profile, nor the upload route that shows it.
//
// Missing (missing.ts): blank, JSON null, a cell left out, and the tokens NA, N/A, NaN, null, ?
// (case-insensitive; the tokens are an option). Missing is counted, never an error.
// Types, in the order they are tried on a column's present (non-missing, see missing.ts) cells:
//   numeric      every cell a finite decimal number (1e3, -0.5, +7; not 1,000, hex or Infinity).
//                Integer columns are numeric too (0/1, codes, counts) unless overridden.
//   boolean      every cell true/false/yes/no (any case) or a JSON boolean.
//   datetime     every cell a real ISO 8601 date YYYY-MM-DD or date-time
//                YYYY-MM-DD[T| ]HH:MM[:SS[.fff]][Z|±HH:MM] (no zone: read as UTC).
//   id           strings, different in every row (none missing), at least idMinRows rows.
//   text         strings with more than textMinDistinct distinct values that are also more
//                than textDistinctFraction of the present cells: free text, not categories.
//   categorical  any other strings (or a mixture of kinds, such as numbers and words).
//   ignored      a column with every cell missing (reason "every row is missing"), or by override.
// Overrides (`columns`: name -> type) replace inference; one that cannot hold (numeric on a
// column with words) is refused naming the first offending cell. Under an override, boolean also
// accepts 0 and 1; categorical, text, id and ignored hold for any column. Rows are numbered from
// 1, the first row after the header. With `label`, the label's task and dropped rows come too
// (label-task.ts). Every problem is reported at once as a ValidationError. Thresholds are named
// in column-type.ts (idMinRows, textMinDistinct, textDistinctFraction) and label-task.ts.
import type { ColumnProfile, ColumnType, FileType } from './column-profile.js';
import { columnTypes } from './column-profile.js';
import { asType, type Column, inferColumn, inferStrings, isOffence } from './column-type.js';
import { listColumns } from './csv-columns.js';
import { IssueList } from './issue-list.js';
import {
  type DroppedRows,
  droppedRows,
  inferTask,
  type Task,
  type TaskChoice,
  tasks,
} from './label-task.js';
import { describe } from './labels.js';
import { missingSet, type Present, presentOf } from './missing.js';
import type { Table } from './table.js';

export interface ProfileOptions {
  /** Tokens read as missing (case-insensitive); blank and null always are. */
  missingTokens?: readonly string[];
  /** Column name -> type, in place of inference. */
  columns?: Readonly<Record<string, ColumnType>>;
  /** The label column, for its task and the rows dropped for a missing label. */
  label?: string;
  /** Classification or regression, in place of inference from the label's values. */
  task?: Task;
  /**
   * Types a typed file (Parquet, Arrow) declares, by column name (arrow-table.ts): used in
   * place of inference, strings typed among categorical, text and id only; overrides win, and
   * a column with every row missing is still ignored.
   */
  fileTypes?: Readonly<Record<string, FileType>>;
}

export interface LabelProfile extends TaskChoice {
  name: string;
  droppedRows: DroppedRows;
}

export interface TableProfile {
  rows: number;
  columns: ColumnProfile[];
  label?: LabelProfile;
}

/**
 * What profiling reads: a header, a number of rows, each column's cells on demand (one column
 * at a time, so a table encoded as it was read is never made into rows: table-encoder.ts) and
 * the rows longer than the header.
 */
export interface ColumnSource {
  header: readonly string[];
  rows: number;
  /** Rows longer than the header, in order, [row counted from 0, cells]: read while refusing. */
  longRows(): Iterable<LongRow>;
  /** Column c's cells: present values, undefined where missing. */
  cells(c: number): (Present | undefined)[];
}

export type LongRow = readonly [row: number, cells: number];

export function profileTable(table: Table, options: ProfileOptions = {}): TableProfile {
  return profileColumns(tableSource(table, missingSet(options.missingTokens)), options);
}

/** The profile of a ColumnSource, whose cells are already read as missing or not. */
export function profileColumns(source: ColumnSource, options: ProfileOptions = {}): TableProfile {
  const issues = new IssueList();
  checkShape(issues, source);
  const overrides = readOverrides(issues, source.header, options);
  issues.throwIfAny();
  const columnAt = (c: number): Column => columnOf(source, c);
  const declared = new Map(Object.entries(options.fileTypes ?? {}));
  const columns = source.header.map((_, c) =>
    profileColumn(issues, columnAt(c), overrides, declared),
  );
  issues.throwIfAny();
  const profile: TableProfile = { rows: source.rows, columns: columns as ColumnProfile[] };
  if (options.label === undefined) return profile;
  const c = source.header.indexOf(options.label);
  const choice = inferTask(profile.columns[c]!, profile.rows, options.task);
  const label = { name: options.label, ...choice, droppedRows: droppedRows(columnAt(c).cells) };
  return { ...profile, label };
}

function tableSource(table: Table, missing: ReadonlySet<string>): ColumnSource {
  const width = table.header.length;
  return {
    header: table.header,
    rows: table.rows.length,
    *longRows() {
      for (let r = 0; r < table.rows.length; r++) {
        const n = table.rows[r]!.length;
        if (n > width) yield [r, n] as const;
      }
    },
    cells: (c) => table.rows.map((row) => presentOf(row[c], missing)),
  };
}

function checkShape(issues: IssueList, source: ColumnSource): void {
  const { header, rows } = source;
  if (header.length === 0) issues.add('header', 'names no columns; give a header row');
  if (rows === 0) issues.add('rows', 'the table has no rows; give at least one');
  const first = new Map<string, number>();
  header.forEach((name, c) => {
    const seen = first.get(name);
    if (name.trim() === '') {
      issues.add('header', `column ${c + 1} has no name; name every column`);
    } else if (seen !== undefined) {
      issues.add('header', `columns ${seen + 1} and ${c + 1} are both named ${name}; rename one`);
    } else first.set(name, c);
  });
  for (const [r, n] of source.longRows()) {
    if (issues.full) break;
    issues.add(
      'rows',
      `row ${r + 1} has ${n} cells but the header names ${header.length} columns; name every column or remove the extra cells`,
    );
  }
}

function readOverrides(issues: IssueList, header: readonly string[], options: ProfileOptions) {
  const overrides = new Map<string, ColumnType>();
  for (const [name, type] of Object.entries(options.columns ?? {})) {
    if (!header.includes(name)) issues.add(`columns.${name}`, unknownColumn(header, name));
    else if (!columnTypes.includes(type)) {
      issues.add(
        `columns.${name}`,
        `must be one of ${columnTypes.join(', ')} (got ${describe(type)})`,
      );
    } else overrides.set(name, type);
  }
  const { label, task } = options;
  if (label !== undefined && !header.includes(label)) {
    issues.add('label', unknownColumn(header, label));
  }
  if (task !== undefined && !tasks.includes(task)) {
    issues.add('task', `must be classification or regression (got ${describe(task)})`);
  }
  return overrides;
}

/** "no column named X (did you mean Y?); the columns are …": a misspelt column's message. */
export function unknownColumn(header: readonly string[], name: string): string {
  const near = nearestName(header, name);
  const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
  return `no column named ${name}${hint}; the columns are ${listColumns([...header])}`;
}

// The column the name most likely meant: the same but for case and spaces, else the closest by
// edits (at most one edit per three letters of the name), none when two are as close.
function nearestName(header: readonly string[], name: string): string | undefined {
  const plain = (s: string) => s.trim().toLowerCase();
  const same = header.find((h) => plain(h) === plain(name));
  if (same !== undefined) return same;
  const limit = Math.max(1, Math.floor(name.length / 3));
  const scored = header.map((h) => [h, editDistance(plain(h), plain(name))] as const);
  const best = Math.min(...scored.map(([, d]) => d));
  const nearest = scored.filter(([, d]) => d === best);
  return best <= limit && nearest.length === 1 ? nearest[0]![0] : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions of one character each. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = row;
  }
  return previous[b.length]!;
}

function columnOf(source: ColumnSource, c: number): Column {
  const cells = source.cells(c);
  let missing = 0;
  for (const cell of cells) if (cell === undefined) missing++;
  return { name: source.header[c]!, cells, missing };
}

function profileColumn(
  issues: IssueList,
  column: Column,
  overrides: ReadonlyMap<string, ColumnType>,
  declared: ReadonlyMap<string, FileType>,
): ColumnProfile | undefined {
  const type = overrides.get(column.name);
  if (type === undefined) return declaredColumn(issues, column, declared.get(column.name));
  if (column.missing === column.cells.length && !['text', 'id', 'ignored'].includes(type)) {
    issues.add(
      `columns.${column.name}`,
      `is set to ${type}, but every row is missing; set it to ignored or leave it out`,
    );
    return undefined;
  }
  const profile = asType(column, type);
  if (!isOffence(profile)) return profile;
  const { row, value } = profile;
  const inferred = inferColumn(column).type;
  issues.add(
    `columns.${column.name}`,
    `is set to ${type}, but row ${row} holds ${describe(value)}, ${notA[type]}; correct or blank that cell, or set the column to ${inferred}`,
  );
  return undefined;
}

// The type the file declares; a cell can still be refused (a float column's Infinity).
function declaredColumn(
  issues: IssueList,
  column: Column,
  type: FileType | undefined,
): ColumnProfile | undefined {
  if (type === undefined || column.missing === column.cells.length) return inferColumn(column);
  if (type === 'strings') return inferStrings(column);
  const profile = asType(column, type);
  if (!isOffence(profile)) return profile;
  issues.add(
    `columns.${column.name}`,
    `is ${type} in the file, but row ${profile.row} holds ${describe(profile.value)}, ${notA[type]}; correct or blank that cell`,
  );
  return undefined;
}

// Only these three types can refuse a cell: any value is a category, text, an id or ignored.
const notA: Partial<Record<ColumnType, string>> = {
  numeric: 'which is not a finite number',
  boolean: 'which is not true/false/yes/no or 0/1',
  datetime: 'which is not an ISO 8601 date (YYYY-MM-DD) or date-time',
};
