// An uploaded table made ready to store (issue 14): profiled with its label, the rows whose label
// is missing dropped and counted, the kept rows profiled again (so the statistics describe what is
// stored), dictionary-encoded, and the shape a job is checked against: the input width with the
// default preprocessing, the outputs and the classes. Pure; not the reading of a body
// (csv-stream.ts, ndjson-stream.ts, table.ts) nor the storing (src/store/datasets.ts).
import { ValidationError } from '../errors.js';
import type { ColumnProfile, FileType } from './column-profile.js';
import { type EncodedTable, encodeTable } from './encoded-table.js';
import type { Task, TaskChoice } from './label-task.js';
import { defaultMissingTokens, missingSet, presentOf } from './missing.js';
import { planTable } from './preprocess/plan.js';
import {
  type ProfileOptions,
  profileColumns,
  profileTable,
  type TableProfile,
  unknownColumn,
} from './profile.js';
import type { TargetKind } from './shape.js';
import type { Table } from './table.js';
import type { EncodedRows } from './table-encoder.js';

export interface TableUploadOptions {
  /** The label column; a table without one can be scored (batch predictions), not trained on. */
  label?: string | undefined;
  task?: Task;
  /** Tokens read as missing in place of the defaults; blank and null always are. */
  missingTokens?: readonly string[];
  /** The column types a typed file (Parquet, Arrow) declares (arrow-table.ts). */
  fileTypes?: Readonly<Record<string, FileType>>;
}

/** Rows left out of the stored table, and why. */
export interface DroppedRowsNote {
  reason: string;
  count: number;
  /** The first 20 row numbers, counted from 1 (the first row after the header). */
  rows: number[];
}

export interface TableDataset {
  table: EncodedTable;
  /** The kept rows' profile, column by column. */
  columns: ColumnProfile[];
  /** Absent for a table uploaded without a label (issue 15: scored, not trained on). */
  label?: TaskChoice & { name: string };
  /** Empty when every row has its label. */
  droppedRows: DroppedRowsNote[];
  missingTokens: string[];
  /** The network's input width with the default preprocessing (0 when every input is skipped). */
  features: number;
  /** The number of classes, or 1 for a regression target. */
  outputs: number;
  /** Classification: numbers ascending for a numeric label, else texts by code point. */
  classes?: (string | number)[];
  targetKind: TargetKind;
}

// A JSON body cannot carry this key (json-body.ts refuses it), so no record could name the column.
const forbiddenName = '__proto__';

/** The table to store; a ValidationError under header, rows, label or task when it cannot be. */
export function tableDataset(table: Table, options: TableUploadOptions): TableDataset {
  const missingTokens = [...(options.missingTokens ?? defaultMissingTokens)];
  let kept: Table | undefined;
  const keptRows = (label: string | undefined) => {
    if (label === undefined) return table;
    kept ??= withLabel(table, label, missingTokens);
    return kept;
  };
  const rows: ProfiledRows = {
    header: table.header,
    profile: (profileOptions, label) => profileTable(keptRows(label), profileOptions),
    encode: (label) => encodeTable(keptRows(label), missingTokens),
  };
  return datasetOf(rows, missingTokens, options);
}

/**
 * The same for a table encoded as it was read (table-encoder.ts: its missing tokens are the ones
 * it was read with), never made into rows: identical to tableDataset of the same rows.
 */
export function encodedDataset(
  table: EncodedRows,
  options: Omit<TableUploadOptions, 'missingTokens'>,
): TableDataset {
  const rows: ProfiledRows = {
    header: table.header,
    profile: (profileOptions, label) => profileColumns(table.source(label), profileOptions),
    encode: (label) => table.encoded(label),
  };
  return datasetOf(rows, table.missingTokens, options);
}

// What datasetOf reads: the rows profiled and encoded, all of them, or those whose `label` is
// present.
interface ProfiledRows {
  header: readonly string[];
  profile(options: ProfileOptions, label?: string): TableProfile;
  encode(label?: string): EncodedTable;
}

function datasetOf(
  rows: ProfiledRows,
  missingTokens: string[],
  options: Omit<TableUploadOptions, 'missingTokens'>,
): TableDataset {
  checkNames(rows.header, options.label);
  if (options.label === undefined) return unlabelled(rows, missingTokens, options.fileTypes);
  const fileTypes = options.fileTypes ? { fileTypes: options.fileTypes } : {};
  const profileOptions = {
    missingTokens,
    label: options.label,
    ...task(options.task),
    ...fileTypes,
  };
  const first = rows.profile(profileOptions);
  const dropped = first.label!.droppedRows;
  const kept = dropped.count === 0 ? undefined : options.label;
  const profile = dropped.count === 0 ? first : rows.profile(profileOptions, kept);
  const encoded = rows.encode(kept);
  const { name, task: chosen, reason } = profile.label!;
  const c = rows.header.indexOf(name);
  const classes =
    chosen === 'classification' ? classesOf(encoded, c, profile.columns[c]!) : undefined;
  return {
    table: encoded,
    columns: profile.columns,
    label: { name, task: chosen, reason },
    droppedRows:
      dropped.count === 0
        ? []
        : [{ reason: `the label ${name} is missing`, count: dropped.count, rows: dropped.rows }],
    missingTokens,
    features: inputWidth(profile),
    outputs: classes ? classes.length : 1,
    ...(classes ? { classes } : {}),
    targetKind: classes ? 'distribution' : 'real',
  };
}

// A table without a label: every row kept and profiled, nothing to learn (no width, no
// outputs); a job may score it (batch predictions) but not train on it (job-data.ts refuses).
function unlabelled(
  rows: ProfiledRows,
  missingTokens: string[],
  fileTypes: TableUploadOptions['fileTypes'],
): TableDataset {
  const profile = rows.profile({ missingTokens, ...(fileTypes ? { fileTypes } : {}) });
  if (profile.rows > 0 && profile.columns.every((column) => column.missing === profile.rows)) {
    throw new ValidationError([
      {
        path: 'rows',
        message: `every cell of the ${profile.rows === 1 ? 'one row' : `${profile.rows} rows`} is missing (blank, null or one of ${missingTokens.join(', ')}): send a table with values`,
      },
    ]);
  }
  return {
    table: rows.encode(),
    columns: profile.columns,
    droppedRows: [],
    missingTokens,
    features: 0,
    outputs: 0,
    targetKind: 'real',
  };
}

/**
 * The label, when it names a column of `header` (undefined when none is given: a table for
 * scoring); otherwise a ValidationError under `label` listing the columns (with the one it may
 * mean when it is misspelt).
 */
export function checkLabel(
  header: readonly string[],
  label: string | undefined,
): string | undefined {
  if (label === undefined || header.includes(label)) return label;
  throw new ValidationError([{ path: 'label', message: unknownColumn(header, label) }]);
}

const task = (t: Task | undefined) => (t === undefined ? {} : { task: t });

function checkNames(header: readonly string[], label: string | undefined): void {
  const issues = header.flatMap((name, c) =>
    name === forbiddenName
      ? [
          {
            path: 'header',
            message: `column ${c + 1} is named ${forbiddenName}, which JSON records cannot carry as a key (it could rewrite object prototypes): rename it`,
          },
        ]
      : [],
  );
  if (header.length === 1 && header[0] === label) {
    issues.push({
      path: 'label',
      message: `${label} is the only column: add at least one column to learn from`,
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

function withLabel(table: Table, label: string, missingTokens: readonly string[]): Table {
  const c = table.header.indexOf(label);
  const missing = missingSet(missingTokens);
  return {
    header: table.header,
    rows: table.rows.filter((row) => presentOf(row[c], missing) !== undefined),
  };
}

// Every column but the label skipped (text, id, ignored) is no refusal here: a job may set
// their types (dataset.columns), and its plan says what is left to learn from then.
function inputWidth(profile: TableProfile): number {
  try {
    return planTable(profile).width;
  } catch (error) {
    if (error instanceof ValidationError) return 0;
    throw error;
  }
}

function classesOf(table: EncodedTable, c: number, column: ColumnProfile): (string | number)[] {
  const texts = table.dictionaries[c]!;
  if (column.type === 'numeric') return [...new Set(texts.map(Number))].sort((a, b) => a - b);
  return [...texts].sort(byCodePoint);
}

/** Strings in Unicode code point order (not UTF-16 code units, as sort() would). */
export function byCodePoint(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length) {
    const [x, y] = [a.codePointAt(i)!, b.codePointAt(i)!];
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}
