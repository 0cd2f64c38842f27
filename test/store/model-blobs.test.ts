// The model store's blobs against a real Redis and a temp-dir blob store: a fenced save keeps no
// blob; a save of content whose delete is under way waits for it, then puts the blob again; and
// many saves and deletes of identical models at once end with the reference count equal to the
// records and the blob there exactly while a record names it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { encodeModelFile } from '../../src/spec/model-file.js';
import { fileBlobStore } from '../../src/store/blobs/file-blobs.js';
import { createStores, fileDocumentOf } from '../../src/store/index.js';
import { scratchRedis, storedModel } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();
const dir = mkdtempSync(join(tmpdir(), 'bp-model-blobs-'));
const blobs = fileBlobStore(dir);
const stores = createStores(redis, prefix, 'team', { blobs });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const createdAt = '2026-01-01T00:00:00.000Z';
const weights = [{ W: [[0.5]], b: [0.25] }]; // float32 exactly, as a file holds them
const shaOf = async (id: string) =>
  (JSON.parse((await redis.get(stores.keys.model(id)))!) as { weights: { blob: string } }).weights
    .blob;
const refs = async (sha256: string) =>
  Number((await redis.hget(stores.keys.blobRefs, sha256)) ?? 0);
async function listed(): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of blobs.list()) keys.push(key);
  return keys;
}

it('a fenced save keeps no blob', async () => {
  const jobId = newId();
  await redis.hset(stores.keys.job(jobId), 'fence', 'try-2');
  const model = storedModel(newId(), { jobId, createdAt: '2026-02-02T00:00:00.000Z' });
  expect(await stores.models.save(model, 'try-1')).toBe('fenced');
  expect(await listed()).toEqual([]);
});

it('a save waits out a delete of the same content, then stores the blob again', async () => {
  const model = storedModel(newId(), { createdAt, weights });
  const file = encodeModelFile(fileDocumentOf(model));
  const sha256 = (await blobs.put(Readable.from(Buffer.from(file)))).sha256;
  // as a delete leaves it between its script and its blob delete
  await redis.hset(stores.keys.blobDeleting, sha256, Date.now() + 60_000);
  const saving = stores.models.save(model);
  await new Promise((r) => setTimeout(r, 200));
  expect(await redis.exists(stores.keys.model(model.id))).toBe(0); // still waiting
  await blobs.delete(sha256);
  await redis.hdel(stores.keys.blobDeleting, sha256);
  await saving;
  expect(await shaOf(model.id)).toBe(sha256);
  expect(await blobs.exists(sha256)).toBe(true);
  expect((await stores.models.get(model.id))!.weights).toEqual(model.weights);
  expect(await stores.models.delete(model.id)).toBe('ok');
  expect(await listed()).toEqual([]);
});

it('saves and deletes of identical models at once: counted exactly, no orphan', async () => {
  const ids = Array.from({ length: 24 }, () => newId());
  await Promise.all(ids.map((id) => stores.models.save(storedModel(id, { createdAt, weights }))));
  const sha256 = await shaOf(ids[0]!);
  expect(await refs(sha256)).toBe(24);
  expect(await listed()).toEqual([sha256]);
  // delete half while the other half is saved again under new ids
  const again = Array.from({ length: 12 }, () => newId());
  await Promise.all([
    ...ids.slice(0, 12).map((id) => stores.models.delete(id)),
    ...again.map((id) => stores.models.save(storedModel(id, { createdAt, weights }))),
  ]);
  expect(await refs(sha256)).toBe(24);
  expect(await blobs.exists(sha256)).toBe(true);
  await Promise.all([...ids.slice(12), ...again].map((id) => stores.models.delete(id)));
  expect(await refs(sha256)).toBe(0);
  expect(await redis.exists(stores.keys.blobRefs, stores.keys.blobDeleting)).toBe(0);
  expect(await listed()).toEqual([]);
});
