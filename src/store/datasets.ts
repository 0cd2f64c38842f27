// Datasets in Redis: one hash per dataset, with its metadata as JSON and its inputs and targets
// as raw little-endian float32 bytes (classification: a little-endian int32 class index per row,
// no one-hot targets), written in one HSET so a dataset is whole or absent. Size limits are the
// caller's (storedBytesOf says what a save would write); retention is not kept here.
import type { Redis } from 'ioredis';
import type { DataRows } from '../data/index.js';
import { type TargetKind, targetKindOf } from '../data/shape.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { Keys } from './redis.js';
import { charge, release, type Usage } from './usage.js';

export interface DatasetMeta {
  id: string;
  rows: number;
  features: number;
  outputs: number;
  classes?: (string | number)[];
  featureNames?: string[];
  targetKind: TargetKind;
  bytes: number;
  createdAt: string;
}

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

/** `usage`: the tenant's storage, checked before a save and charged with it. */
export function createDatasetStore(redis: Redis, keys: Keys, usage: Usage) {
  return {
    /** Stores classification data as class indices only, whatever one-hot targets it carries. */
    async save(data: DataRows): Promise<DatasetMeta> {
      const meta: DatasetMeta = {
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

    async meta(id: string): Promise<DatasetMeta | null> {
      const json = await redis.hget(keys.dataset(id), 'meta');
      return json ? (JSON.parse(json) as DatasetMeta) : null;
    },

    /**
     * The stored rows; classification data without targets (withTargets expands them). Datasets
     * stored before issue 12 also hold one-hot `targets` beside their labels: those are not read.
     */
    async load(id: string): Promise<DataRows | null> {
      const key = keys.dataset(id);
      const [meta, inputs, labels] = await redis.hmgetBuffer(key, 'meta', 'inputs', 'labels');
      if (!meta || !inputs) return null;
      const m = JSON.parse(meta.toString('utf8')) as DatasetMeta;
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
