// Datasets in Redis: one hash per dataset, with its metadata as JSON and its inputs and targets
// as raw little-endian float32 bytes, written in one HSET so a dataset is whole or absent.
import type { Redis } from 'ioredis';
import type { Dataset } from '../data/index.js';
import { type TargetKind, targetKindOf } from '../data/shape.js';
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

const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const floatsOf = (b: Buffer) =>
  new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** `usage`: the tenant's storage, checked before a save and charged with it. */
export function createDatasetStore(redis: Redis, keys: Keys, usage: Usage) {
  return {
    async save(data: Dataset): Promise<DatasetMeta> {
      const meta: DatasetMeta = {
        id: newId(),
        rows: data.rows,
        features: data.features,
        outputs: data.outputs,
        ...(data.classes ? { classes: data.classes } : {}),
        ...(data.featureNames ? { featureNames: data.featureNames } : {}),
        targetKind: targetKindOf(data),
        bytes: data.inputs.byteLength + data.targets.byteLength,
        createdAt: new Date().toISOString(),
      };
      await usage.check(meta.bytes, `storing this dataset`);
      const write = redis.multi().hset(keys.dataset(meta.id), {
        meta: JSON.stringify(meta),
        inputs: bytesOf(data.inputs),
        targets: bytesOf(data.targets),
        ...(data.labels
          ? {
              labels: Buffer.from(
                data.labels.buffer,
                data.labels.byteOffset,
                data.labels.byteLength,
              ),
            }
          : {}),
      });
      await charge(write, keys, `dataset:${meta.id}`, meta.bytes).exec();
      return meta;
    },

    async meta(id: string): Promise<DatasetMeta | null> {
      const json = await redis.hget(keys.dataset(id), 'meta');
      return json ? (JSON.parse(json) as DatasetMeta) : null;
    },

    async load(id: string): Promise<Dataset | null> {
      const [meta, inputs, targets, labels] = await redis.hmgetBuffer(
        keys.dataset(id),
        'meta',
        'inputs',
        'targets',
        'labels',
      );
      if (!meta || !inputs || !targets) return null;
      const m = JSON.parse(meta.toString('utf8')) as DatasetMeta;
      return {
        rows: m.rows,
        features: m.features,
        outputs: m.outputs,
        inputs: floatsOf(inputs),
        targets: floatsOf(targets),
        ...(m.classes ? { classes: m.classes } : {}),
        ...(m.featureNames ? { featureNames: m.featureNames } : {}),
        ...(labels
          ? {
              labels: new Int32Array(
                labels.buffer.slice(labels.byteOffset, labels.byteOffset + labels.byteLength),
              ),
            }
          : {}),
      };
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
