// What POST /v1/datasets reads, by its body and query: a table (issue 14: CSV with ?label=, JSON
// records, NDJSON; issue 16: Parquet, Arrow IPC) profiled and encoded, or numeric rows as before (JSON {inputs, targets |
// labels}, CSV with ?targets=). Streams (CSV, NDJSON) are read as they arrive. Refusals name the
// query field or the body's line, row or column. Not the storing (the route calls the store).
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { readCsvStream, type StreamLimits } from '../data/csv-stream.js';
import type { DataRows } from '../data/index.js';
import { loadDataset } from '../data/resolve.js';
import { type Table, tableFromRecords } from '../data/table.js';
import type { TableDataset } from '../data/table-dataset.js';
import { readRecordsTable, readTableUpload, type TableRequest } from '../data/table-upload.js';
import { ValidationError } from '../errors.js';
import { datasetSchema, parseOrThrow } from '../spec/index.js';

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
