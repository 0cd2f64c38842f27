// A whole CSV text as a table of string cells (the CLI's `{csv, label}`: issue 14): the header
// and every row as csv-parse gives them, a row shorter than the header keeping its missing cells.
// Not the streaming reader of uploads (csv-stream.ts), nor the numeric one (csv.ts).
import { readRecords } from './csv.js';
import type { Table } from './table.js';

export function readCsvTable(text: string): Table {
  const records = readRecords(text);
  return { header: records[0]!.record, rows: records.slice(1).map((r) => r.record) };
}
