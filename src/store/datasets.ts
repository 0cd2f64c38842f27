// Datasets: one Redis hash per dataset holding its metadata (`meta`, JSON: shape, classes, a
// table's profile, its `status`), and its values in the blob store (issue 16) as one dataset
// file (src/data/dataset-file.ts: rows' float32 inputs and int32 class indices or float32
// targets; a table's header, dictionaries and int32 codes), named by the hash's `blob`.
// Identical data is stored once: `keys.blobRefs` counts the records naming each blob, changed
// in the record's own Lua script (dataset-scripts.ts), and the blob goes with its last record.
// A big upload is first a `processing` record naming its raw upload (`source`), which a worker
// reads (src/jobs/dataset-processing.ts) and makes `ready` or `failed`. Datasets stored before
// issue 16, or by a store made without a blob store (tests of other parts), keep their values
// in the hash itself (`inputs`, `labels` | `targets`, or `header`, `dictionaries`, `codes`):
// both are read. Size limits of rows are the caller's (storedBytesOf), a table's are checked
// by saveTable; retention is not kept here.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { readDatasetFile, rowsFile, tableFile } from '../data/dataset-file.js';
import type { EncodedTable } from '../data/encoded-table.js';
import type { DataRows } from '../data/index.js';
import { targetKindOf } from '../data/shape.js';
import type { TableDataset } from '../data/table-dataset.js';
import { newId } from '../ids.js';
import { blobRefs } from './blob-refs.js';
import type { BlobStore } from './blobs/index.js';
import {
  checkStoredSize,
  type DatasetMeta,
  isReady,
  type PendingDatasetMeta,
  parseMeta,
  type ReadyDatasetMeta,
  type RowsDatasetMeta,
  storedBytesOf,
  type TableDatasetMeta,
  tableMetaOf,
  tableTooLarge,
  type UploadKind,
} from './dataset-meta.js';
import {
  deleteScript,
  failScript,
  finishScript,
  pendingScript,
  saveScript,
} from './dataset-scripts.js';
import type { Keys } from './redis.js';
import { charge, type Usage, usageKey } from './usage.js';

export * from './dataset-meta.js';

const bytesOf = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const copyOf = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);

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
  const meta: TableDatasetMeta = { ...tableMetaOf(dataset, id), bytes: dataBytes };
  const json = withBytes(meta, dataBytes);
  return { meta, fields: { meta: json, ...data } };
}

// The meta's JSON with `bytes` = dataBytes + the JSON's own length, which depends on the digits
// of `bytes`: settles in a step or two.
function withBytes(meta: ReadyDatasetMeta, dataBytes: number): string {
  for (let json = JSON.stringify(meta); ; json = JSON.stringify(meta)) {
    const bytes = dataBytes + Buffer.byteLength(json);
    if (bytes === meta.bytes) return json;
    meta.bytes = bytes;
  }
}

/** The random bytes a raw upload's blob starts with (createPending). */
const saltBytes = 16;

async function* salt(source: Readable): AsyncIterable<Buffer> {
  yield randomBytes(saltBytes);
  for await (const chunk of source) yield chunk as Buffer;
}

async function* unsalted(stream: Readable): AsyncIterable<Buffer> {
  let skip = saltBytes;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    yield skip > 0 ? buffer.subarray(skip) : buffer;
    skip = 0;
  }
}

const chunksBytes = (chunks: Buffer[]) => chunks.reduce((n, c) => n + c.length, 0);

/** The values a worker read from a processing dataset's upload. */
export type ReadData = { rows: DataRows } | { table: TableDataset };

/**
 * `usage`: the tenant's storage, checked before a save and charged with it. With `blobs`, a
 * dataset's values are a blob; without (tests of other parts), in its hash, as before issue 16.
 */
export function createDatasetStore(redis: Redis, keys: Keys, usage: Usage, blobs?: BlobStore) {
  const item = (id: string) => `dataset:${id}`;

  const refs = blobRefs(redis, keys, blobs);
  const { deleteBlob, dropIfUnreferenced } = refs;

  // The dataset file a record names, read into its typed arrays.
  async function fileOf(id: string, blob: string) {
    const stream = blobs ? await blobs.get(blob) : null;
    if (!stream) throw new Error(`dataset ${id}: its file ${blob} is not in the blob store`);
    return readDatasetFile(stream as AsyncIterable<Uint8Array>);
  }

  function rowsMetaOf(data: DataRows, bytes: number): RowsDatasetMeta {
    return {
      id: newId(),
      status: 'ready',
      rows: data.rows,
      features: data.features,
      outputs: data.outputs,
      ...(data.classes ? { classes: data.classes } : {}),
      ...(data.featureNames ? { featureNames: data.featureNames } : {}),
      targetKind: targetKindOf(data),
      bytes,
      createdAt: new Date().toISOString(),
    };
  }

  // Stores a ready dataset's file under a new record (or, with `finishing`, makes that processing
  // record ready): 'gone' when the processing record is not there any more.
  async function saveFile(
    meta: ReadyDatasetMeta,
    file: Buffer[],
    finishing = false,
  ): Promise<ReadyDatasetMeta | 'gone'> {
    const json = JSON.stringify(meta);
    return refs.putAndRecord(
      blobs!,
      () => Readable.from(file),
      async ({ sha256: blob }) => {
        const answer = (await redis.eval(
          finishing ? finishScript : saveScript,
          5,
          keys.dataset(meta.id),
          usageKey(keys),
          keys.blobRefs,
          keys.blobDeleting,
          keys.datasets,
          item(meta.id),
          json,
          blob,
          meta.bytes,
          meta.id,
        )) as 'ok' | 'deleting' | 'gone' | [string, string];
        if (answer === 'deleting') return answer;
        if (answer === 'gone') {
          await dropIfUnreferenced(blob);
          return 'gone';
        }
        if (Array.isArray(answer)) await deleteBlob(answer[1]);
        return meta;
      },
    );
  }

  return {
    /**
     * Stores classification data as class indices only, whatever one-hot targets it carries.
     * `inRedis`: in the hash even with a blob store, for a job's own rows (sent with it, so at
     * most MAX_BODY_BYTES), which its job's scripts delete with it (job-scripts.ts).
     */
    async save(data: DataRows, options: { inRedis?: boolean } = {}): Promise<RowsDatasetMeta> {
      if (blobs && !options.inRedis) {
        const file = rowsFile(data);
        const meta = rowsMetaOf(data, chunksBytes(file));
        await usage.check(meta.bytes, `storing this dataset`);
        return (await saveFile(meta, file)) as RowsDatasetMeta;
      }
      const meta = rowsMetaOf(data, storedBytesOf(data));
      await usage.check(meta.bytes, `storing this dataset`);
      const rows = data.labels
        ? { labels: bytesOf(data.labels) }
        : { targets: bytesOf(data.targets!) };
      const write = redis.multi().hset(keys.dataset(meta.id), {
        meta: JSON.stringify(meta),
        inputs: bytesOf(data.inputs),
        ...rows,
      });
      // a job's own rows go with the job (job-scripts.ts), unlisted
      if (!options.inRedis) write.zadd(keys.datasets, 0, meta.id);
      await charge(write, keys, item(meta.id), meta.bytes).exec();
      return meta;
    },

    /**
     * Stores a table, refused (413 naming MAX_DATASET_STORED_BYTES) when it would take more than
     * `maxBytes`, or the tenant's quota; charged to the tenant's usage.
     */
    async saveTable(dataset: TableDataset, maxBytes: number): Promise<TableDatasetMeta> {
      if (blobs) {
        const file = tableFile(dataset.table);
        const meta = { ...tableMetaOf(dataset, newId()), bytes: chunksBytes(file) };
        if (meta.bytes > maxBytes) throw tableTooLarge(dataset, meta.bytes, maxBytes);
        await usage.check(meta.bytes, 'storing this dataset');
        return (await saveFile(meta, file)) as TableDatasetMeta;
      }
      const { meta, fields } = tableFields(dataset, newId());
      if (meta.bytes > maxBytes) throw tableTooLarge(dataset, meta.bytes, maxBytes);
      await usage.check(meta.bytes, 'storing this dataset');
      const write = redis
        .multi()
        .hset(keys.dataset(meta.id), fields)
        .zadd(keys.datasets, 0, meta.id);
      await charge(write, keys, item(meta.id), meta.bytes).exec();
      return meta;
    },

    /**
     * A new `processing` dataset, to be read by a worker from `source`, streamed into the blob
     * store first (a BlobTooLargeError past `maxBytes`, nothing kept). The raw upload is a blob
     * of its own, after 16 random bytes: never shared with an identical upload, so one dataset's
     * read ending (which deletes its upload) cannot take another's away; the record counts it
     * until the dataset is ready, failed or deleted.
     */
    async createPending(
      source: Readable,
      kind: UploadKind,
      maxBytes: number,
    ): Promise<PendingDatasetMeta> {
      if (!blobs) throw new Error('a processing dataset needs a blob store');
      const salted = Readable.from(salt(source), { objectMode: false });
      const put = await blobs.put(salted, { maxBytes: maxBytes + saltBytes });
      const meta: PendingDatasetMeta = {
        id: newId(),
        status: 'processing',
        upload: { kind, bytes: put.bytes - saltBytes },
        createdAt: new Date().toISOString(),
      };
      try {
        await redis.eval(
          pendingScript,
          4,
          keys.dataset(meta.id),
          keys.blobRefs,
          keys.blobDeleting,
          keys.datasets,
          JSON.stringify(meta),
          put.sha256,
          meta.id,
        );
      } catch (error) {
        await dropIfUnreferenced(put.sha256).catch(() => {});
        throw error;
      }
      return meta;
    },

    /**
     * A processing dataset's upload as a stream, or null when it is not processing any more.
     * Throws when the upload is missing from the blob store: the read is tried again, and the
     * last try marks it failed (workers/worker.ts) rather than leave it processing for ever.
     */
    async upload(id: string): Promise<Readable | null> {
      const source = await redis.hget(keys.dataset(id), 'source');
      if (!source || !blobs) return null;
      const stream = await blobs.get(source);
      if (!stream) throw new Error(`its upload ${source} is not in the blob store`);
      return Readable.from(unsalted(stream), { objectMode: false });
    },

    /**
     * Makes processing dataset `id` ready with what a worker read from its upload; 'gone' when
     * it is not processing any more (deleted meanwhile, or made ready or failed by another try),
     * in which case nothing is kept. Refused past `maxBytes` or the quota (the caller fails it).
     */
    async finish(id: string, read: ReadData, maxBytes: number): Promise<ReadyDatasetMeta | 'gone'> {
      if (!blobs) throw new Error('a processing dataset needs a blob store');
      const pending = await this.meta(id);
      if (pending?.status !== 'processing') return 'gone';
      let meta: ReadyDatasetMeta;
      let file: Buffer[];
      if ('table' in read) {
        file = tableFile(read.table.table);
        meta = { ...tableMetaOf(read.table, id), bytes: chunksBytes(file) };
        if (meta.bytes > maxBytes) throw tableTooLarge(read.table, meta.bytes, maxBytes);
      } else {
        checkStoredSize(read.rows, maxBytes);
        file = rowsFile(read.rows);
        meta = { ...rowsMetaOf(read.rows, chunksBytes(file)), id };
      }
      meta.createdAt = pending.createdAt;
      await usage.check(meta.bytes, 'storing this dataset');
      return saveFile(meta, file, true);
    },

    /** Marks processing dataset `id` failed for `error`; false when it is not processing. */
    async fail(id: string, error: NonNullable<PendingDatasetMeta['error']>): Promise<boolean> {
      const pending = await this.meta(id);
      if (pending?.status !== 'processing') return false;
      const meta: PendingDatasetMeta = {
        ...pending,
        status: 'failed',
        error,
        finishedAt: new Date().toISOString(),
      };
      const answer = (await redis.eval(
        failScript,
        3,
        keys.dataset(id),
        keys.blobRefs,
        keys.blobDeleting,
        JSON.stringify(meta),
      )) as 'gone' | [string, string];
      if (answer === 'gone') return false;
      await deleteBlob(answer[1]);
      return true;
    },

    /**
     * A stored table and its meta, or null when there is no ready dataset `id`. Throws for a
     * dataset of rows (meta.format is not 'table'): read that with load().
     */
    async loadTable(id: string): Promise<{ meta: TableDatasetMeta; table: EncodedTable } | null> {
      const [meta, blob] = await redis.hmget(keys.dataset(id), 'meta', 'blob');
      if (!meta) return null;
      const m = parseMeta(meta);
      if (!isReady(m)) return null;
      if (m.format !== 'table') {
        throw new Error(`dataset ${id} holds rows, not a table: read it with load()`);
      }
      if (blob) {
        const { head, arrays } = await fileOf(id, blob);
        const table: EncodedTable = {
          header: head.header!,
          rows: m.rows,
          dictionaries: head.dictionaries!,
          codes: arrays.codes as Int32Array,
        };
        return { meta: m, table };
      }
      const fields = ['header', 'dictionaries', 'codes'] as const;
      const [header, dictionaries, codes] = await redis.hmgetBuffer(keys.dataset(id), ...fields);
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
      return json ? parseMeta(json) : null;
    },

    /**
     * The stored rows; classification data without targets (withTargets expands them). Datasets
     * stored before issue 12 also hold one-hot `targets` beside their labels: those are not read.
     * Null when there is no ready dataset `id`. Throws for a table (meta.format 'table'): read
     * that with loadTable().
     */
    async load(id: string): Promise<DataRows | null> {
      const key = keys.dataset(id);
      const [meta, blob] = await redis.hmget(key, 'meta', 'blob');
      if (!meta) return null;
      const m = parseMeta(meta);
      if (!isReady(m)) return null;
      if (m.format === 'table') {
        throw new Error(`dataset ${id} is a table, not rows: read it with loadTable()`);
      }
      const shape = {
        rows: m.rows,
        features: m.features,
        outputs: m.outputs,
        ...(m.classes ? { classes: m.classes } : {}),
        ...(m.featureNames ? { featureNames: m.featureNames } : {}),
      };
      if (blob) {
        const { arrays } = await fileOf(id, blob);
        const inputs = arrays.inputs as Float32Array;
        if (arrays.labels) return { ...shape, inputs, labels: arrays.labels as Int32Array };
        return { ...shape, inputs, targets: arrays.targets as Float32Array };
      }
      const [inputs, labels] = await redis.hmgetBuffer(key, 'inputs', 'labels');
      if (!inputs) return null;
      const rows: DataRows = { ...shape, inputs: new Float32Array(copyOf(inputs)) };
      if (labels) return { ...rows, labels: new Int32Array(copyOf(labels)) };
      const targets = await redis.hgetBuffer(key, 'targets');
      return targets ? { ...rows, targets: new Float32Array(copyOf(targets)) } : null;
    },

    /**
     * The tenant's uploaded datasets, newest first, `limit` a page after `cursor` (the last id of
     * the page before), those of `status` only when given. Datasets stored before the list
     * (issue 16) are not in it.
     */
    async list(options: {
      limit: number;
      cursor?: string | undefined;
      status?: DatasetMeta['status'] | undefined;
    }): Promise<{ datasets: DatasetMeta[]; nextCursor: string | null }> {
      const found: DatasetMeta[] = [];
      let cursor = options.cursor;
      for (;;) {
        const batch = await redis.zrevrangebylex(
          keys.datasets,
          cursor ? `(${cursor}` : '+',
          '-',
          'LIMIT',
          0,
          200,
        );
        if (batch.length === 0) return { datasets: found, nextCursor: null };
        const read = redis.pipeline();
        for (const id of batch) read.hget(keys.dataset(id), 'meta');
        const metas = ((await read.exec()) ?? []).map(([, json]) => json as string | null);
        for (const json of metas) {
          if (!json) continue; // deleted meanwhile
          const meta = parseMeta(json);
          if (options.status && meta.status !== options.status) continue;
          if (found.length === options.limit)
            return { datasets: found, nextCursor: found.at(-1)!.id };
          found.push(meta);
        }
        cursor = batch.at(-1);
      }
    },

    /** True when something was deleted; the blobs it alone named go with it. */
    async delete(id: string): Promise<boolean> {
      const answer = (await redis.eval(
        deleteScript,
        5,
        keys.dataset(id),
        usageKey(keys),
        keys.blobRefs,
        keys.blobDeleting,
        keys.datasets,
        item(id),
        id,
      )) as [number, ...string[]];
      const [deleted, ...drops] = answer;
      await Promise.all(drops.map(deleteBlob));
      return deleted === 1;
    },
  };
}

export type DatasetStore = ReturnType<typeof createDatasetStore>;
