// The orphaned-blob sweep (issue 16) on both blob stores, the folder one in a temp dir and the S3
// one against s3rver over HTTP, with a real Redis: it deletes an old blob no record names, and
// keeps a blob a record names (a real checkpoint's), a young one (a put whose record is not
// written yet) and one whose delete another process has under way. A blob is made old by
// setting its file's time back (s3rver answers an object's LastModified from its file's).
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainCheckpoint } from '../../src/engine/index.js';
import { sweepBlobs } from '../../src/store/blob-sweep.js';
import { fileBlobStore } from '../../src/store/blobs/file-blobs.js';
import type { BlobStore } from '../../src/store/blobs/index.js';
import { s3BlobStore } from '../../src/store/blobs/s3-blobs.js';
import { createStores } from '../../src/store/index.js';
import { s3Server } from '../helpers/s3-server.js';
import { scratchRedis } from '../helpers/store.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { redis, prefix } = scratchRedis();
const hour = 3600 * 1000;

interface Opened {
  store: BlobStore;
  /** Sets the blob's stored time back by `ms`. */
  age(sha256: string, ms: number): void;
  remove(): Promise<void>;
}

// the file under `dir` whose name starts with the blob's key (s3rver adds a suffix)
function fileOf(dir: string, sha256: string): string {
  const entry = readdirSync(dir, { recursive: true, withFileTypes: true }).find(
    (e) => e.isFile() && e.name.startsWith(sha256) && !/\.(md5|json)$/.test(e.name),
  );
  if (!entry) throw new Error(`no file for blob ${sha256} under ${dir}`);
  return join(entry.parentPath, entry.name);
}

const setBack = (path: string, ms: number) => {
  const at = new Date(Date.now() - ms);
  utimesSync(path, at, at);
};

const implementations: { name: string; open(): Promise<Opened> }[] = [
  {
    name: 'the filesystem',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'bp-sweep-'));
      return {
        store: fileBlobStore(dir),
        age: (sha256, ms) => setBack(fileOf(dir, sha256), ms),
        remove: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'S3 (s3rver over HTTP)',
    async open() {
      const server = await s3Server();
      const store = await s3BlobStore(
        { kind: 's3', bucket: server.bucket, prefix: 'blobs/' },
        { endpoint: server.endpoint, credentials: server.credentials },
      );
      return {
        store,
        age: (sha256, ms) => setBack(fileOf(server.dir, sha256), ms),
        async remove() {
          await store.close();
          await server.remove();
        },
      };
    },
  },
];

const checkpoint: TrainCheckpoint = {
  epoch: 1,
  position: 0,
  errorSum: 0,
  correct: 0,
  order: Uint32Array.from([1, 0]),
  random: 7,
  params: { W: [Float32Array.from([0.5, -0.25])], b: [Float32Array.from([0.125])] },
  optimizer: { steps: 1, slots: [] },
  best: null,
  bestError: Number.POSITIVE_INFINITY,
  sinceBest: 0,
  calm: 0,
  elapsedMs: 1,
};

describe.each(implementations)('the orphaned-blob sweep on $name', ({ name, open }) => {
  let opened: Opened;
  beforeAll(async () => {
    opened = await open();
  }, 30_000);
  afterAll(async () => {
    await opened?.remove();
  });

  async function listed(): Promise<string[]> {
    const all: string[] = [];
    for await (const key of opened.store.list()) all.push(key);
    return all.sort();
  }
  const put = async (text: string) =>
    (await opened.store.put(Readable.from([Buffer.from(text)]))).sha256;

  it('deletes old unnamed blobs; keeps named, young and being-deleted ones', async () => {
    const { store, age } = opened;
    const stores = createStores(redis, `${prefix}:${name.slice(0, 2)}`, 'team', { blobs: store });
    const { keys } = stores;
    // named by a record: a running job's checkpoint
    await stores.checkpoints.save('job1', checkpoint);
    const named = (await redis.hget(keys.checkpoint('job1'), 'blob'))!;
    const orphan = await put('left by a checkpoint that expired');
    const young = await put('a put whose record is not written yet');
    const deleting = await put('another process is deleting this one');
    await redis.hset(keys.blobDeleting, deleting, Date.now() + 60_000);
    // a delete whose process died: its mark has lapsed
    const abandoned = await put('its deleter died');
    await redis.hset(keys.blobDeleting, abandoned, Date.now() - 60_000);
    for (const sha256 of [named, orphan, deleting, abandoned]) age(sha256, 2 * hour);
    expect((await store.stat(orphan))!.modifiedAt.getTime()).toBeLessThan(Date.now() - hour);

    const result = await sweepBlobs(store, redis, keys);
    expect(result.deleted.sort()).toEqual([orphan, abandoned].sort());
    expect(result.kept).toBe(3);
    expect(await listed()).toEqual([named, young, deleting].sort());
    expect(await redis.hkeys(keys.blobDeleting)).toEqual([deleting]);
    // the checkpoint still loads from its blob
    expect((await stores.checkpoints.load('job1'))!.params).toEqual(checkpoint.params);

    // with a shorter grace the young one goes too; the named one never does
    await redis.hdel(keys.blobDeleting, deleting);
    const again = await sweepBlobs(store, redis, keys, { olderThanMs: 0 });
    expect(again.deleted.sort()).toEqual([young, deleting].sort());
    expect(await listed()).toEqual([named]);
    await stores.checkpoints.delete('job1');
    expect(await listed()).toEqual([]);
  });
});
