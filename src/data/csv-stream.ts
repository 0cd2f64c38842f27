// A CSV upload read as it arrives: csv-parse's streaming parser is fed slices of at most 16 KiB
// and the event loop turns between slices, so a large upload never holds the API for more than
// one slice's parse (issue 12). Not the whole-text reader (csv.ts) nor the row checks (csv-rows.ts).
import type { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CsvError, parse } from 'csv-parse';
import { AppError, ValidationError } from '../errors.js';
import { type CsvOptions, type CsvRecord, checkRecordCount, csvParseOptions } from './csv.js';
import { CsvRows } from './csv-rows.js';
import type { DataRows } from './dataset.js';

// csv-parse read about 1 MB/s on a loaded 2-core machine (measured): ~16 ms a slice, the longest
// a CSV upload holds up other requests
const sliceBytes = 16 * 1024;

export interface StreamLimits {
  /** Bytes of CSV text (MAX_DATASET_BYTES): past it, a 413. */
  maxBytes: number;
  /** Values in the inputs, or in the targets to be (MAX_DATASET_CELLS): past it, a 400. */
  maxCells: number;
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
  const parser = parse(csvParseOptions);
  let rows: CsvRows | undefined;
  let records = 0;
  let failure: unknown;
  parser.on('data', (record: CsvRecord) => {
    records++;
    try {
      if (rows) rows.add(record);
      else rows = new CsvRows(record.record, options, limits.maxCells); // the header
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
  const stop = () => failure !== undefined || rows?.full === true;
  let bytes = 0;
  // destroyOnReturn false: stopping early must not destroy the request (its answer is to come)
  read: for await (const chunk of source.iterator({ destroyOnReturn: false })) {
    const buffer: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > limits.maxBytes) {
      throw new AppError(
        'payload_too_large',
        `the body is larger than the limit of ${limits.maxBytes} bytes (MAX_DATASET_BYTES)`,
      );
    }
    for (let at = 0; at < buffer.length; at += sliceBytes) {
      parser.write(buffer.subarray(at, at + sliceBytes));
      await nextTurn(); // other requests are served between slices
      if (stop()) break read;
    }
  }
  if (!stop()) {
    parser.end();
    await ended;
  }
  if (failure !== undefined) throw asValidation(failure);
  checkRecordCount(records);
  return rows!.finish();
}
