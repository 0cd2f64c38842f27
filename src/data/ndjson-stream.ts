// An NDJSON upload (application/x-ndjson, application/jsonl: one JSON record per line) read as it
// arrives into a table (issue 14), a slice at a time (utf8-stream.ts). Blank lines are skipped;
// a line that is not a JSON object, or holds a value that is not a cell, is refused naming its
// line (counted from 1, blank ones too). Not the profiling of the table (profile.ts).
import type { Readable } from 'node:stream';
import { ValidationError } from '../errors.js';
import type { StreamLimits } from './csv-stream.js';
import { ArrayRows, RecordRows, type RowStore, type Table } from './table.js';
import { type EncodedRows, TableEncoder } from './table-encoder.js';
import { utf8Slices } from './utf8-stream.js';

/** The records of an NDJSON body as a table; reading stops at the first limit or too many problems. */
export async function readNdjsonStream(source: Readable, limits: StreamLimits): Promise<Table> {
  return readNdjsonInto(source, limits, new ArrayRows());
}

/** The same, encoded as it is read (table-encoder.ts): the upload's reader. */
export async function readNdjsonEncoded(
  source: Readable,
  limits: StreamLimits,
  missingTokens: readonly string[],
): Promise<EncodedRows> {
  return readNdjsonInto(source, limits, new TableEncoder(missingTokens));
}

async function readNdjsonInto<T>(
  source: Readable,
  limits: StreamLimits,
  store: RowStore<T>,
): Promise<T> {
  const rows = new RecordRows(store);
  let line = 0;
  let partial = '';
  let overLimit = false;
  const take = (text: string) => {
    line++;
    if (text.trim() === '') return;
    const at = `ndjson.line ${line}`;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      rows.refuse(at, `is not JSON (${(error as Error).message}): write one JSON object a line`);
      return;
    }
    rows.add(record, at);
    overLimit = rows.count * rows.width > limits.maxCells;
  };
  const stop = () => overLimit || rows.full;
  for await (const { text } of utf8Slices(source, limits.maxBytes, 'ndjson')) {
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      take(l);
      if (stop()) break;
    }
    if (stop()) break;
  }
  if (!stop() && partial !== '') take(partial);
  if (overLimit) {
    throw new ValidationError([
      {
        path: 'ndjson',
        message: `has at least ${rows.count} records of ${rows.width} columns; this service takes at most ${limits.maxCells} cells (MAX_DATASET_CELLS): send fewer records or columns`,
      },
    ]);
  }
  const table = rows.finish();
  if (rows.count === 0) {
    throw new ValidationError([
      { path: 'ndjson', message: 'holds no records: send one JSON object per line' },
    ]);
  }
  return table;
}
