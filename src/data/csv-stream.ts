// A CSV upload read as it arrives: csv-parse's streaming parser is fed the body's slices
// (utf8-stream.ts: 16 KiB at most, the event loop turning between them, MAX_DATASET_BYTES and
// UTF-8 checked), so a large upload never holds the API for more than one slice's parse (issue 12).
// Two readers: numeric rows (readCsvStream: ?targets=, the CLI's and issue 12's path) and a table
// of text cells (issue 14, profiled afterwards), encoded as it is read (readCsvEncoded, issue 16)
// or kept as a Table (readCsvTableStream). Not the whole-text reader
// (csv.ts) nor the row checks (csv-rows.ts, profile.ts).
import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { ValidationError } from '../errors.js';
import { type CsvOptions, type CsvRecord, checkRecordCount, csvParseOptions } from './csv.js';
import { CsvRows } from './csv-rows.js';
import type { DataRows } from './dataset.js';
import { ArrayRows, type RowStore, type Table } from './table.js';
import { type EncodedRows, TableEncoder } from './table-encoder.js';
import { utf8Slices } from './utf8-stream.js';

export interface StreamLimits {
  /** Bytes of CSV text (MAX_DATASET_BYTES): past it, a 413. */
  maxBytes: number;
  /** Values in the inputs, or in the targets to be, or cells of a table (MAX_DATASET_CELLS): past it, a 400. */
  maxCells: number;
}

/** What takes the records after the header; `full` stops the reading. */
interface RecordSink {
  add(record: CsvRecord): void;
  readonly full: boolean;
}

function asValidation(error: unknown): unknown {
  if (!(error instanceof CsvError)) return error;
  return new ValidationError([{ path: `csv.line ${error.lines}`, message: error.message }]);
}

/** The rows of a CSV read from `source`; reading stops at the first limit or parse error. */
export async function readCsvStream(
  source: Readable,
  options: CsvOptions,
  limits: StreamLimits,
): Promise<DataRows> {
  const rows = await readRecords(source, limits, (header) => {
    return new CsvRows(header, options, limits.maxCells);
  });
  return rows.finish();
}

/**
 * A CSV's header and rows of text cells (a row may be shorter or longer than the header: the
 * profile reads a short row's cells as missing and refuses a long one). `checkHeader` may refuse
 * the header (throw) before any row is read.
 */
export async function readCsvTableStream(
  source: Readable,
  limits: StreamLimits,
  checkHeader: (header: readonly string[]) => void = () => {},
): Promise<Table> {
  return readCsvInto(source, limits, checkHeader, () => new ArrayRows());
}

/**
 * The same, encoded as it is read (table-encoder.ts): no row is kept as strings. The upload's
 * reader; readCsvTableStream is the same rows as a Table.
 */
export async function readCsvEncoded(
  source: Readable,
  limits: StreamLimits,
  missingTokens: readonly string[],
  checkHeader: (header: readonly string[]) => void = () => {},
): Promise<EncodedRows> {
  return readCsvInto(source, limits, checkHeader, () => new TableEncoder(missingTokens));
}

async function readCsvInto<T>(
  source: Readable,
  limits: StreamLimits,
  checkHeader: (header: readonly string[]) => void,
  store: () => RowStore<T>,
): Promise<T> {
  const table = await readRecords(source, limits, (header) => {
    checkHeader(header);
    return new TableRows(header, limits.maxCells, store());
  });
  return table.finish();
}

// The records after the header into a RowStore, up to maxCells cells.
class TableRows<T> implements RecordSink {
  full = false;

  constructor(
    private readonly header: string[],
    private readonly maxCells: number,
    private readonly store: RowStore<T>,
  ) {
    for (const name of header) store.addColumn(name);
  }

  add({ record }: CsvRecord): void {
    const width = this.header.length;
    if ((this.store.count + 1) * width > this.maxCells) {
      this.full = true;
      return;
    }
    this.store.add(record);
  }

  finish(): T {
    if (this.full) {
      const seen = `has more than ${this.store.count} rows of ${this.header.length} columns`;
      throw new ValidationError([
        {
          path: 'csv',
          message: `${seen}; this service takes at most ${this.maxCells} cells (MAX_DATASET_CELLS): send fewer rows or columns`,
        },
      ]);
    }
    return this.store.finish();
  }
}

// The records of `source` into the sink `start` makes from the header.
async function readRecords<T extends RecordSink>(
  source: Readable,
  limits: StreamLimits,
  start: (header: string[]) => T,
): Promise<T> {
  const parser = parse(csvParseOptions);
  let sink: T | undefined;
  let records = 0;
  let failure: unknown;
  parser.on('data', (record: CsvRecord) => {
    records++;
    try {
      if (sink) sink.add(record);
      else sink = start(record.record);
    } catch (error) {
      failure ??= error; // a bad header or bad options
    }
  });
  // settles after the last record, or at a parse error (which the check below throws)
  const ended = new Promise<void>((resolve) => {
    parser.once('end', resolve);
    parser.once('error', (error) => {
      failure ??= error;
      resolve();
    });
  });
  const stop = () => failure !== undefined || sink?.full === true;
  for await (const { bytes } of utf8Slices(source, limits.maxBytes, 'csv')) {
    parser.write(bytes);
    if (stop()) break;
  }
  if (!stop()) {
    parser.end();
    await ended;
  }
  if (failure !== undefined) throw asValidation(failure);
  checkRecordCount(records);
  return sink!;
}
