// What an upload (POST /v1/datasets) holds, by its body and query: a table (issue 14: CSV with
// ?label=, JSON records, NDJSON; issue 16: Parquet, Arrow IPC) profiled and encoded, or numeric
// rows as before (JSON {inputs, targets | labels}, CSV with ?targets=). Streams are read as they
// arrive, by the API (a small upload) or by a worker from the blob store (a big one, issue 16:
// jobs/dataset-processing.ts), alike. Refusals name the query field or the body's line, row or
// column. Not the storing (the route and the worker call the store).
import { Readable } from 'node:stream';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { datasetSchema, parseOrThrow } from '../spec/index.js';
import { readCsvStream, type StreamLimits } from './csv-stream.js';
import type { DataRows } from './index.js';
import { loadDataset } from './resolve.js';
import { type Table, tableFromRecords } from './table.js';
import type { TableDataset } from './table-dataset.js';
import { readRecordsTable, readTableUpload, type TableRequest } from './table-upload.js';

export const uploadQuery = z.strictObject({
  label: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      'a table: the column to predict (needed to train on it; a table without one can only be scored by batch predictions)',
    ),
  task: z
    .enum(['classification', 'regression'])
    .optional()
    .describe("a table: the label's task, in place of the one inferred from its values"),
  missing: z
    .string()
    .max(2000)
    .optional()
    .describe(
      'a table: comma-separated cell values read as missing, in place of NA,N/A,NaN,null,? (blank and null always are)',
    ),
  targets: z
    .string()
    .min(1)
    .max(2000)
    .optional()
    .describe('CSV of numbers: comma-separated regression target columns (not a table)'),
});
export type UploadQuery = z.infer<typeof uploadQuery>;

export const uploadForms =
  'upload a table with ?label=COLUMN — CSV (text/csv), JSON records [{"column": value, …}], NDJSON (application/x-ndjson), Parquet (application/vnd.apache.parquet) or Arrow IPC (application/vnd.apache.arrow.file) — or numeric rows: {inputs, targets} or {inputs, labels}';

/** A streamed body (not buffered whole); wrapped, so that a JSON string is not taken for one. */
export class StreamBody {
  constructor(
    readonly kind: TableRequest['kind'],
    readonly stream: Readable,
  ) {}
}

export type Upload = { table: TableDataset } | { rows: DataRows };

/** The upload in `body` (a StreamBody, or parsed JSON) as a table or rows, or a refusal. */
export async function readUpload(
  body: unknown,
  query: UploadQuery,
  limits: StreamLimits,
): Promise<Upload> {
  if (body instanceof StreamBody && body.kind === 'csv' && query.targets !== undefined) {
    refuseTableOptions(query);
    return { rows: await readCsvStream(body.stream, csvOptions(query), limits) };
  }
  if (body instanceof StreamBody) {
    refuseTargets(query);
    const request = { kind: body.kind, limits, ...tableRequest(query) };
    return { table: await asQuery(() => readTableUpload(request, body.stream)) };
  }
  if (Array.isArray(body)) {
    if (body.length === 0) throw new ValidationError([{ path: '', message: uploadForms }]);
    refuseTargets(query);
    const table = recordsTable(body);
    checkCells(table, limits.maxCells);
    const request = { limits, ...tableRequest(query) };
    return { table: await asQuery(() => readRecordsTable(table, request)) };
  }
  return { rows: readJsonRows(body, limits.maxCells) };
}

/**
 * Refuses what is wrong with the query of a streamed upload before any of it is read: what a
 * worker reading it later (a big upload) would refuse first.
 */
export function checkUploadQuery(kind: TableRequest['kind'], query: UploadQuery): void {
  if (kind === 'csv' && query.targets !== undefined) refuseTableOptions(query);
  else {
    refuseTargets(query);
    tableRequest(query);
  }
}

/** A streamed body's first bytes, up to just past `limit`, and whether that was all of it. */
export interface BodyHead {
  chunks: Buffer[];
  bytes: number;
  /** The body ended within the limit: `chunks` is all of it. */
  whole: boolean;
  /** The whole body as a stream again: the head's chunks, then the rest as it arrives. */
  all(): Readable;
}

/** Reads the head of `source` (at most one chunk past `limit`), leaving the rest unread. */
export async function headOf(source: Readable, limit: number): Promise<BodyHead> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  // next() by hand: leaving a for-await loop would end the iterator the rest is read from
  const rest = source.iterator({ destroyOnReturn: false });
  let whole = false;
  for (;;) {
    const next = await rest.next();
    if (next.done) {
      whole = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : (next.value as Buffer);
    chunks.push(chunk);
    bytes += chunk.length;
    if (bytes > limit) break;
  }
  async function* again() {
    yield* chunks;
    if (whole) return;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  }
  return { chunks, bytes, whole, all: () => Readable.from(again(), { objectMode: false }) };
}

function csvOptions(query: UploadQuery) {
  return {
    ...(query.label ? { label: query.label } : {}),
    ...(query.targets ? { targets: query.targets.split(',').map((t) => t.trim()) } : {}),
  };
}

function refuseTableOptions(query: UploadQuery): void {
  const issues = (['task', 'missing'] as const)
    .filter((key) => query[key] !== undefined)
    .map((key) => ({
      path: `query.${key}`,
      message: `is for tables (?label=COLUMN); ?targets= reads numeric rows: leave out ${key} or targets`,
    }));
  if (issues.length > 0) throw new ValidationError(issues);
}

function refuseTargets(query: UploadQuery): void {
  if (query.targets === undefined) return;
  throw new ValidationError([
    {
      path: 'query.targets',
      message:
        'is for a CSV of numeric rows; a table (JSON records, NDJSON) takes ?label=COLUMN: leave out targets',
    },
  ]);
}

// The records are the body: a refusal names `3.Origin`, as the JSON parser names `0.__proto__`.
function recordsTable(records: unknown[]): Table {
  try {
    return tableFromRecords(records);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const inBody = (path: string) => path.replace(/^records\.?/, '');
    throw new ValidationError(error.issues.map((i) => ({ ...i, path: inBody(i.path) })));
  }
}

function checkCells(table: Table, maxCells: number): void {
  const cells = table.rows.length * table.header.length;
  if (cells <= maxCells) return;
  throw new ValidationError([
    {
      path: '',
      message: `holds ${table.rows.length} records of ${table.header.length} columns, ${cells} cells; this service takes at most ${maxCells} (MAX_DATASET_CELLS): send fewer records or columns`,
    },
  ]);
}

function tableRequest(query: UploadQuery) {
  if (query.task !== undefined && query.label === undefined) {
    throw new ValidationError([
      {
        path: 'query.task',
        message: "is the label's task: give the label too (?label=COLUMN), or leave out task",
      },
    ]);
  }
  const missingTokens = query.missing?.split(',').flatMap((t) => (t.trim() ? [t.trim()] : []));
  return {
    ...(query.label !== undefined ? { label: query.label } : {}),
    ...(query.task ? { task: query.task } : {}),
    ...(missingTokens ? { missingTokens } : {}),
  };
}

// The label and task are the query's: their refusals are named so.
async function asQuery<T>(read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const inQuery = (path: string) => (['label', 'task'].includes(path) ? `query.${path}` : path);
    throw new ValidationError(error.issues.map((i) => ({ ...i, path: inQuery(i.path) })));
  }
}

// JSON rows: refused past MAX_DATASET_CELLS before their arrays are made, labels kept as indices.
function readJsonRows(body: unknown, maxCells: number): DataRows {
  // Not the job spec's "give one of" list: {builtin}, {generator} and {id} are no uploads.
  if (typeof body !== 'object' || body === null)
    throw new ValidationError([{ path: '', message: uploadForms }]);
  const spec = parseOrThrow(datasetSchema, body);
  if (!('inputs' in spec)) throw new ValidationError([{ path: '', message: uploadForms }]);
  try {
    return loadDataset(spec, { allowFiles: false, maxCells });
  } catch (error) {
    // loadDataset names fields under `dataset`; here the body is the dataset
    if (error instanceof ValidationError) {
      throw new ValidationError(
        error.issues.map((i) => ({ ...i, path: i.path.replace(/^dataset\.?/, '') })),
      );
    }
    throw error;
  }
}
