// Datasets in Redis: one hash per dataset, written in one HSET so a dataset is whole or absent.
// Rows (JSON {inputs, …} and CSV ?targets=): its metadata as JSON and its inputs and targets as
// raw little-endian float32 bytes (classification: a little-endian int32 class index per row, no
// one-hot targets). Tables (issue 14: CSV, JSON records, NDJSON with a label): the metadata with
// the profile, and the EncodedTable: `header` and `dictionaries` as JSON, `codes` as raw
// little-endian int32 bytes. Size limits of rows are the caller's (storedBytesOf says what a save
// would write), a table's are checked by saveTable; retention is not kept here.
import type { Redis } from 'ioredis';
import type { EncodedTable } from '../data/encoded-table.js';
import type { DataRows } from '../data/index.js';
import { type TargetKind, targetKindOf } from '../data/shape.js';
import type { TableDataset } from '../data/table-dataset.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { Keys } from './redis.js';
import { charge, release, type Usage } from './usage.js';

/** A dataset of numeric rows (JSON {inputs, targets | labels}, CSV ?targets=): no `format`. */
export interface RowsDatasetMeta {
  id: string;
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

export type DatasetMeta = RowsDatasetMeta | TableDatasetMeta;

const bytesOf = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const copyOf = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);

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

// A table's hash fields, and the bytes they take: the meta counts itself, `bytes` included.
function tableFields(dataset: TableDataset, id: string) {
  const { table } = dataset;
  const data = {
    header: JSON.stringify(table.header),
    dictionaries: JSON.stringify(table.dictionaries),
    codes: bytesOf(table.codes),
  };
  const dataBytes =
    Buffer.byteLength(data.header) + Buffer.byteLength(data.dictionaries) + data.codes.length;
  const meta: TableDatasetMeta = {
    id,
    format: 'table',
    rows: table.rows,
    features: dataset.features,
    outputs: dataset.outputs,
    ...(dataset.classes ? { classes: dataset.classes } : {}),
    targetKind: dataset.targetKind,
    ...(dataset.label ? { label: dataset.label } : {}),
    droppedRows: dataset.droppedRows,
    missingTokens: dataset.missingTokens,
    columns: dataset.columns,
    bytes: dataBytes,
    createdAt: new Date().toISOString(),
  };
  // the meta's length depends on the digits of `bytes`: settles in a step or two
  for (let json = JSON.stringify(meta); ; json = JSON.stringify(meta)) {
    const bytes = dataBytes + Buffer.byteLength(json);
    if (bytes === meta.bytes) return { meta, fields: { meta: json, ...data } };
    meta.bytes = bytes;
  }
}

/** `usage`: the tenant's storage, checked before a save and charged with it. */
export function createDatasetStore(redis: Redis, keys: Keys, usage: Usage) {
  return {
    /** Stores classification data as class indices only, whatever one-hot targets it carries. */
    async save(data: DataRows): Promise<RowsDatasetMeta> {
      const meta: RowsDatasetMeta = {
        id: newId(),
        rows: data.rows,
        features: data.features,
        outputs: data.outputs,
        ...(data.classes ? { classes: data.classes } : {}),
        ...(data.featureNames ? { featureNames: data.featureNames } : {}),
        targetKind: targetKindOf(data),
        bytes: storedBytesOf(data),
        createdAt: new Date().toISOString(),
      };
      await usage.check(meta.bytes, `storing this dataset`);
      const rows = data.labels
        ? { labels: bytesOf(data.labels) }
        : { targets: bytesOf(data.targets!) };
      const write = redis.multi().hset(keys.dataset(meta.id), {
        meta: JSON.stringify(meta),
        inputs: bytesOf(data.inputs),
        ...rows,
      });
      await charge(write, keys, `dataset:${meta.id}`, meta.bytes).exec();
      return meta;
    },

    /**
     * Stores a table, refused (413 naming MAX_DATASET_STORED_BYTES) when its hash would take
     * more than `maxBytes`, or the tenant's quota; charged to the tenant's usage.
     */
    async saveTable(dataset: TableDataset, maxBytes: number): Promise<TableDatasetMeta> {
      const { meta, fields } = tableFields(dataset, newId());
      if (meta.bytes > maxBytes) {
        const { rows } = dataset.table;
        const columns = dataset.table.header.length;
        throw new AppError(
          'payload_too_large',
          `the table would take ${meta.bytes} bytes stored (${rows} rows of ${columns} columns, 4 bytes a cell, with their distinct values and profile); this service stores at most ${maxBytes} bytes per dataset (MAX_DATASET_STORED_BYTES): use fewer rows or columns`,
        );
      }
      await usage.check(meta.bytes, 'storing this dataset');
      const write = redis.multi().hset(keys.dataset(meta.id), fields);
      await charge(write, keys, `dataset:${meta.id}`, meta.bytes).exec();
      return meta;
    },

    /**
     * A stored table and its meta, or null when there is no dataset `id`. Throws for a dataset
     * of rows (meta.format is not 'table'): read that with load().
     */
    async loadTable(id: string): Promise<{ meta: TableDatasetMeta; table: EncodedTable } | null> {
      const fields = ['meta', 'header', 'dictionaries', 'codes'] as const;
      const [meta, header, dictionaries, codes] = await redis.hmgetBuffer(
        keys.dataset(id),
        ...fields,
      );
      if (!meta) return null;
      const m = JSON.parse(meta.toString('utf8')) as DatasetMeta;
      if (m.format !== 'table') {
        throw new Error(`dataset ${id} holds rows, not a table: read it with load()`);
      }
      if (!header || !dictionaries || !codes)
        throw new Error(`dataset ${id}: its table is not whole`);
      const table: EncodedTable = {
        header: JSON.parse(header.toString('utf8')),
        rows: m.rows,
        dictionaries: JSON.parse(dictionaries.toString('utf8')),
        codes: new Int32Array(copyOf(codes)),
      };
      return { meta: m, table };
    },

    async meta(id: string): Promise<DatasetMeta | null> {
      const json = await redis.hget(keys.dataset(id), 'meta');
      return json ? (JSON.parse(json) as DatasetMeta) : null;
    },

    /**
     * The stored rows; classification data without targets (withTargets expands them). Datasets
     * stored before issue 12 also hold one-hot `targets` beside their labels: those are not read.
     * Throws for a table (meta.format 'table'): read that with loadTable().
     */
    async load(id: string): Promise<DataRows | null> {
      const key = keys.dataset(id);
      const [meta, inputs, labels] = await redis.hmgetBuffer(key, 'meta', 'inputs', 'labels');
      if (!meta) return null;
      const m = JSON.parse(meta.toString('utf8')) as DatasetMeta;
      if (m.format === 'table') {
        throw new Error(`dataset ${id} is a table, not rows: read it with loadTable()`);
      }
      if (!inputs) return null;
      const rows: DataRows = {
        rows: m.rows,
        features: m.features,
        outputs: m.outputs,
        inputs: new Float32Array(copyOf(inputs)),
        ...(m.classes ? { classes: m.classes } : {}),
        ...(m.featureNames ? { featureNames: m.featureNames } : {}),
      };
      if (labels) return { ...rows, labels: new Int32Array(copyOf(labels)) };
      const targets = await redis.hgetBuffer(key, 'targets');
      return targets ? { ...rows, targets: new Float32Array(copyOf(targets)) } : null;
    },

    /** True when something was deleted. */
    async delete(id: string): Promise<boolean> {
      const write = redis.multi().unlink(keys.dataset(id));
      const [[, deleted]] = (await release(write, keys, `dataset:${id}`).exec()) as [
        [Error | null, number],
      ];
      return deleted > 0;
    },
  };
}

export type DatasetStore = ReturnType<typeof createDatasetStore>;
