// CSV text (one header row) to a Dataset: a label column for classification, target columns
// for regression, or neither for prediction inputs. Errors name the line and column at fault.
// Not a general CSV library: cells are numbers, except class names in the label column; the
// streaming reader for uploads is csv-stream.ts.

import { readFileSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse/sync';
import { ValidationError } from '../errors.js';
import type { CsvOptions, CsvRecord } from './csv-options.js';
import { CsvRows } from './csv-rows.js';
import type { Dataset } from './dataset.js';
import { withTargets } from './labels.js';

export type { CsvOptions, CsvRecord } from './csv-options.js';

/** The options csv-parse is given, by the whole-text reader here and the streaming one. */
export const csvParseOptions = {
  bom: true,
  skip_empty_lines: true,
  trim: true,
  relax_column_count: true, // ragged rows are reported below, all at once
  info: true,
} as const;

export function parseCsv(text: string, options: CsvOptions = {}): Dataset {
  const [head, ...body] = readRecords(text);
  const rows = new CsvRows(head!.record, options);
  for (const record of body) rows.add(record);
  return withTargets(rows.finish());
}

export function parseCsvFile(path: string, options: CsvOptions = {}): Dataset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ValidationError([{ path: 'csv', message: `cannot read ${path} (${code})` }]);
  }
  return parseCsv(text, options);
}

/** The records of a whole CSV text (header first); a parse error names its line. */
export function readRecords(text: string): CsvRecord[] {
  let records: CsvRecord[];
  try {
    records = parse(text, csvParseOptions) as unknown as CsvRecord[];
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    throw new ValidationError([{ path: `csv.line ${err.lines}`, message: err.message }]);
  }
  checkRecordCount(records.length);
  return records;
}

/** A CSV needs a header row and at least one data row. */
export function checkRecordCount(records: number): void {
  if (records === 0) {
    throw new ValidationError([
      { path: 'csv', message: 'is empty; it needs a header row and at least one data row' },
    ]);
  }
  if (records === 1) {
    throw new ValidationError([
      { path: 'csv', message: 'has a header row but no data rows; add at least one row' },
    ]);
  }
}
