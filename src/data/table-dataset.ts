// A table made ready to store and train on (issue 14): profiled with its label, the rows whose
// label is missing dropped (and counted), the kept rows profiled again (so the statistics
// describe what is stored) and dictionary-encoded. Shared by the upload route and the CLI's
// `{csv, label}`. Also a whole CSV text read as a table of string cells. Pure.
import { CsvError, parse } from 'csv-parse/sync';
import { ValidationError } from '../errors.js';
import { type CsvRecord, checkRecordCount, csvParseOptions } from './csv.js';
import { type EncodedTable, encodeTable } from './encoded-table.js';
import type { TableMeta } from './job-data.js';
import type { DroppedRows, Task } from './label-task.js';
import { defaultMissingTokens, missingSet, presentOf } from './missing.js';
import { profileTable, type TableProfile } from './profile.js';
import type { Table } from './table.js';

export interface TableOptions {
  label: string;
  task?: Task;
  /** Tokens read as missing, in place of the defaults; blank and null always are. */
  missingTokens?: readonly string[];
}

export interface TableDataset {
  table: EncodedTable;
  /** The kept rows' profile, with the label's task. */
  profile: TableProfile & { label: NonNullable<TableProfile['label']> };
  /** Rows dropped for a missing label, numbered as in the file (1 = the first after the header). */
  dropped: DroppedRows;
  missingTokens: string[];
}

/** The table's kept rows encoded with their profile; a ValidationError names what is wrong. */
export function tableDataset(table: Table, options: TableOptions): TableDataset {
  const missingTokens = [...(options.missingTokens ?? defaultMissingTokens)];
  const profileOptions = {
    label: options.label,
    missingTokens,
    ...(options.task ? { task: options.task } : {}),
  };
  const first = profileTable(table, profileOptions);
  const dropped = first.label!.droppedRows;
  let kept = table;
  let profile = first;
  if (dropped.count > 0) {
    const c = table.header.indexOf(options.label);
    const missing = missingSet(missingTokens);
    const rows = table.rows.filter((row) => presentOf(row[c], missing) !== undefined);
    kept = { header: table.header, rows };
    profile = profileTable(kept, profileOptions);
  }
  return {
    table: encodeTable(kept, missingTokens),
    profile: profile as TableDataset['profile'],
    dropped,
    missingTokens,
  };
}

/** What a stored table's metadata keeps of it (job-data.ts's TableMeta). */
export function tableMetaOf(dataset: TableDataset): TableMeta {
  const { name, task, reason } = dataset.profile.label;
  return {
    rows: dataset.profile.rows,
    columns: dataset.profile.columns,
    label: { name, task, reason },
    missingTokens: dataset.missingTokens,
  };
}

/** A CSV text as a table of string cells: header, rows (short rows stay short: missing cells). */
export function readCsvTable(text: string): Table {
  let records: CsvRecord[];
  try {
    records = parse(text, csvParseOptions) as unknown as CsvRecord[];
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    throw new ValidationError([{ path: `csv.line ${err.lines}`, message: err.message }]);
  }
  checkRecordCount(records.length);
  return { header: records[0]!.record, rows: records.slice(1).map((r) => r.record) };
}
