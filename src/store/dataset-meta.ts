// What the dataset store keeps of a dataset besides its values: its metadata (shape, classes, a
// table's profile) and status (issue 16: `processing`, `ready`, `failed`), how an old record
// without a status reads, and the refusals of a dataset too large to store. Not the storing
// (datasets.ts).
import type { DataRows } from '../data/index.js';
import type { TargetKind } from '../data/shape.js';
import type { TableDataset } from '../data/table-dataset.js';
import { AppError, type Issue, ValidationError } from '../errors.js';

/** A dataset of numeric rows (JSON {inputs, targets | labels}, CSV ?targets=): no `format`. */
export interface RowsDatasetMeta {
  id: string;
  status: 'ready';
  format?: undefined;
  rows: number;
  features: number;
  outputs: number;
  classes?: (string | number)[];
  featureNames?: string[];
  targetKind: TargetKind;
  bytes: number;
  createdAt: string;
}

/** A table (issue 14): its profile, label and dropped rows, and the shape a job is checked on. */
export interface TableDatasetMeta {
  id: string;
  status: 'ready';
  format: 'table';
  /** Stored rows: the rows whose label is missing are not among them. */
  rows: number;
  /** The input width with the default preprocessing (planTable(profile).width). */
  features: number;
  /** Classes, or 1. */
  outputs: number;
  classes?: (string | number)[];
  targetKind: TargetKind;
  /** Absent for a table uploaded without ?label= (scored, not trained on). */
  label?: TableDataset['label'];
  droppedRows: TableDataset['droppedRows'];
  missingTokens: string[];
  columns: TableDataset['columns'];
  /** What the hash holds: the meta JSON, header and dictionaries JSON and the codes. */
  bytes: number;
  createdAt: string;
}

/** The kinds of upload a worker reads (the streamed ones). */
export type UploadKind = 'csv' | 'ndjson' | 'parquet' | 'arrow';

/** A big upload a worker is reading (`processing`), or could not read (`failed`). */
export interface PendingDatasetMeta {
  id: string;
  status: 'processing' | 'failed';
  /** What was uploaded: its kind, and its bytes (decompressed). */
  upload: { kind: UploadKind; bytes: number };
  /** Why it failed: a sentence, and the problems found (row, column or query field) if any. */
  error?: { message: string; errors?: Issue[] };
  createdAt: string;
  /** When it failed. */
  finishedAt?: string;
}

/** A dataset ready to train on. */
export type ReadyDatasetMeta = RowsDatasetMeta | TableDatasetMeta;
export type DatasetMeta = ReadyDatasetMeta | PendingDatasetMeta;

/** True when the dataset can be read (its status is `ready`). */
export function isReady(meta: DatasetMeta): meta is ReadyDatasetMeta {
  return meta.status === 'ready';
}

// A meta as stored: those written before issue 16 have no status, and were all ready.
export function parseMeta(json: string): DatasetMeta {
  const meta = JSON.parse(json) as DatasetMeta;
  return meta.status ? meta : ({ ...(meta as object), status: 'ready' } as DatasetMeta);
}

/** The bytes a save writes for `data`: inputs, and class indices or targets. */
export function storedBytesOf(data: DataRows): number {
  const perRow = data.labels ? 1 : data.outputs;
  return 4 * data.rows * (data.features + perRow);
}

/** Refuses (413, naming MAX_DATASET_STORED_BYTES) data whose save would write over `maxBytes`. */
export function checkStoredSize(data: DataRows, maxBytes: number): void {
  const bytes = storedBytesOf(data);
  if (bytes <= maxBytes) return;
  const what = data.labels ? 'a class index' : `${data.outputs} targets`;
  throw new AppError(
    'payload_too_large',
    `the dataset would take ${bytes} bytes stored (${data.rows} rows of ${data.features} features and ${what}, 4 bytes each); this service stores at most ${maxBytes} bytes per dataset (MAX_DATASET_STORED_BYTES): use fewer rows or columns`,
  );
}

// A table's meta (its profile, shape and label) as stored; `bytes` set by the caller.
export function tableMetaOf(dataset: TableDataset, id: string): TableDatasetMeta {
  return {
    id,
    status: 'ready',
    format: 'table',
    rows: dataset.table.rows,
    features: dataset.features,
    outputs: dataset.outputs,
    ...(dataset.classes ? { classes: dataset.classes } : {}),
    targetKind: dataset.targetKind,
    ...(dataset.label ? { label: dataset.label } : {}),
    droppedRows: dataset.droppedRows,
    missingTokens: dataset.missingTokens,
    columns: dataset.columns,
    bytes: 0,
    createdAt: new Date().toISOString(),
  };
}

export function tableTooLarge(dataset: TableDataset, bytes: number, maxBytes: number): AppError {
  const { rows } = dataset.table;
  const columns = dataset.table.header.length;
  return new AppError(
    'payload_too_large',
    `the table would take ${bytes} bytes stored (${rows} rows of ${columns} columns, 4 bytes a cell, with their distinct values and profile); this service stores at most ${maxBytes} bytes per dataset (MAX_DATASET_STORED_BYTES): use fewer rows or columns`,
  );
}

/**
 * `meta` when it is ready; else a ValidationError under `path` saying why it cannot be used yet
 * (failed: its reason; processing: to wait, which a submitted job does by itself).
 */
export function readyOrRefuse(meta: DatasetMeta, path: string): ReadyDatasetMeta {
  if (isReady(meta)) return meta;
  const message =
    meta.status === 'failed'
      ? `could not be read (${meta.error?.message ?? 'no reason recorded'}): fix the file and upload it again`
      : 'is still being read by a worker: wait until GET /v1/datasets/:id says ready';
  throw new ValidationError([{ path, message }]);
}
