// One bench table read here the way the upload reads it: csv-parse with the upload's options,
// our profile (each column's type, the label's task), and the label of every row the upload
// keeps (a row whose label is missing is dropped). What both sides need to agree on the rows;
// not the upload itself, which the service does from the raw text.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { csvParseOptions } from '../../src/data/csv.js';
import {
  type ColumnType,
  defaultMissingTokens,
  profileTable,
  type TableProfile,
} from '../../src/data/index.js';
import { missingSet, presentOf } from '../../src/data/missing.js';
import type { BenchTable } from './datasets.js';

export interface ReadTable {
  table: BenchTable;
  /** The file as uploaded, raw. */
  text: string;
  profile: TableProfile;
  /** Column name -> the profile's type (for scikit-learn's side). */
  types: Record<string, ColumnType>;
  /** The label of each row kept, in file order (numbers when the label column is numeric). */
  labels: (string | number)[];
  /** Rows dropped for a missing label. */
  dropped: number;
}

export function readBenchTable(table: BenchTable): ReadTable {
  const text = readFileSync(table.file, 'utf8');
  const [header, ...rows] = parse(text, { ...csvParseOptions, info: false }) as string[][];
  const profile = profileTable({ header: header!, rows }, { label: table.label });
  if (profile.label?.task !== table.task) {
    throw new Error(
      `${table.file}: our profile reads ${table.label} as ${profile.label?.task} (${profile.label?.reason}), not ${table.task}`,
    );
  }
  const c = header!.indexOf(table.label);
  const numeric = profile.columns[c]!.type === 'numeric';
  const missing = missingSet(defaultMissingTokens);
  const labels: (string | number)[] = [];
  for (const row of rows) {
    const cell = presentOf(row[c], missing);
    if (cell !== undefined) labels.push(numeric ? Number(cell) : String(cell));
  }
  const types = Object.fromEntries(profile.columns.map((col) => [col.name, col.type]));
  return { table, text, profile, types, labels, dropped: rows.length - labels.length };
}
