// Models in the blob store (issue 16) with a real worker, Redis and a temp-dir blob store: a
// trained model's record in Redis holds no weights but its model file's SHA-256; GET answers
// exactly what the same model stored the old way (weights inline as JSON) answers; a download
// is the stored blob's bytes; identical models share one blob, counted, and deleting models
// leaves no blob that no record names.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { newId } from '../../src/ids.js';
import type { BlobStore } from '../../src/store/blobs/index.js';
import { connectRedis, createStores, type StoredModel } from '../../src/store/index.js';
import { follow } from '../helpers/events.js';
import { http, startService, type TestService, xorNetwork, xorRows } from '../helpers/service.js';

let service: TestService;
let redis: Redis;
let blobs: BlobStore;

beforeAll(async () => {
  service = await startService({ workers: 1 });
  redis = connectRedis(service.config.redisUrl);
  blobs = await service.blobs();
}, 60_000);
afterAll(async () => {
  await Promise.all([redis?.quit(), blobs?.close()]);
  await service?.stop();
});

const stores = (withBlobs = true) =>
  createStores(redis, service.config.keyPrefix, defaultTenant, withBlobs ? { blobs } : {});

async function listBlobs(): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of blobs.list()) keys.push(key);
  return keys.sort();
}

async function trainXor(seed: number): Promise<string> {
  const { status, body } = await http(service, 'POST', '/v1/jobs', {
    network: xorNetwork,
    dataset: xorRows,
    training: { epochs: 30, learningRate: 0.5, seed },
  });
  expect(status).toBe(202);
  const events = await follow(service, body.id);
  const done = events.at(-1)!;
  expect(done.type, JSON.stringify(done.data)).toBe('done');
  return (done.data as { modelId: string }).modelId;
}

const record = async (id: string) => JSON.parse((await redis.get(stores().keys.model(id)))!);
const refs = async (sha256: string) =>
  Number((await redis.hget(stores().keys.blobRefs, sha256)) ?? 0);

describe('a trained model', () => {
  let id: string;
  let sha256: string;

  beforeAll(async () => {
    id = await trainXor(3);
    sha256 = (await record(id)).weights.blob;
  }, 60_000);

  it('keeps its weights in the blob store: Redis has the record and the file’s sha256', async () => {
    const stored = await record(id);
    expect(stored.weights).toEqual({ blob: sha256, bytes: expect.any(Number) });
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await blobs.exists(sha256)).toBe(true);
    expect(await refs(sha256)).toBe(1);
    // the record is small: the network, metrics, history; no parameter
    expect(JSON.stringify(stored)).not.toContain('"W"');
  });

  it('downloads as the stored blob, byte for byte', async () => {
    const response = await fetch(`${service.url}/v1/models/${id}/download`);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
    expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
  });

  it('answers GET and predict exactly as the same model stored the old way (JSON in Redis)', async () => {
    const model = (await stores().models.get(id))!;
    expect(model.weights[0]!.W.length).toBe(3);
    // the old way: the whole document, weights inline, as one JSON string (a store without blobs)
    const oldId = newId();
    await stores(false).models.save({ ...model, id: oldId });
    const old = await record(oldId);
    expect(Array.isArray(old.weights)).toBe(true);
    const [now, before] = await Promise.all([
      http(service, 'GET', `/v1/models/${id}`),
      http(service, 'GET', `/v1/models/${oldId}`),
    ]);
    expect(before.status).toBe(200);
    expect(JSON.stringify({ ...before.body, id })).toBe(JSON.stringify(now.body));
    const inputs = xorRows.inputs;
    const [a, b] = await Promise.all([
      http(service, 'POST', `/v1/models/${id}/predict`, { inputs }),
      http(service, 'POST', `/v1/models/${oldId}/predict`, { inputs }),
    ]);
    expect(a.status).toBe(200);
    expect(a.body).toEqual(b.body);
    // an old model downloads too (encoded from its JSON), as the same bytes
    const download = await fetch(`${service.url}/v1/models/${oldId}/download`);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
    expect((await http(service, 'DELETE', `/v1/models/${oldId}`)).status).toBe(204);
    expect(await blobs.exists(sha256)).toBe(true); // the old one had no blob to release
  });

  it('shares its blob with an identical model; deleting both leaves no orphan', async () => {
    const model = (await stores().models.get(id))!;
    const twin: StoredModel = { ...model, id: newId(), jobId: newId() };
    await stores().models.save(twin);
    expect((await record(twin.id)).weights.blob).toBe(sha256);
    expect(await refs(sha256)).toBe(2);
    const before = await listBlobs();
    expect(before).toContain(sha256);

    expect((await http(service, 'DELETE', `/v1/models/${id}`)).status).toBe(204);
    expect(await refs(sha256)).toBe(1);
    expect(await blobs.exists(sha256)).toBe(true);
    const predicted = await http(service, 'POST', `/v1/models/${twin.id}/predict`, {
      inputs: xorRows.inputs,
    });
    expect(predicted.status).toBe(200);

    expect((await http(service, 'DELETE', `/v1/models/${twin.id}`)).status).toBe(204);
    expect(await refs(sha256)).toBe(0);
    expect(await listBlobs()).toEqual(before.filter((key) => key !== sha256));
    expect(await redis.hlen(stores().keys.blobDeleting)).toBe(0);
  });
});

describe('blobs and records together', () => {
  it('a model saved again with other weights (a job finished twice) releases its first blob', async () => {
    const first = (await stores().models.get(await trainXor(5)))!;
    const firstSha = (await record(first.id)).weights.blob;
    const changed = structuredClone(first);
    changed.weights[0]!.b[0] = changed.weights[0]!.b[0]! + 1;
    await stores().models.save(changed);
    const secondSha = (await record(first.id)).weights.blob;
    expect(secondSha).not.toBe(firstSha);
    expect(await blobs.exists(firstSha)).toBe(false);
    expect(await refs(secondSha)).toBe(1);
    // the file holds float32, as the engine trains in
    expect((await stores().models.get(first.id))!.weights[0]!.b[0]).toBe(
      Math.fround(changed.weights[0]!.b[0]!),
    );
    expect((await http(service, 'DELETE', `/v1/models/${first.id}`)).status).toBe(204);
  }, 60_000);

  it('after every model is deleted, the blob store holds none of them', async () => {
    const ids = await Promise.all([trainXor(11), trainXor(12)]);
    const file = await (await fetch(`${service.url}/v1/models/${ids[0]}/download`)).arrayBuffer();
    const imported: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${service.url}/v1/models`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.backprop.model' },
        body: file,
      });
      expect(response.status).toBe(201);
      imported.push(((await response.json()) as { id: string }).id);
    }
    // one file imported twice: the downloaded model's own file, so three records name it
    const shared = (await record(ids[0]!)).weights.blob;
    expect((await record(imported[0]!)).weights.blob).toBe(shared);
    expect((await record(imported[1]!)).weights.blob).toBe(shared);
    expect(await refs(shared)).toBe(3);
    for (const id of [...ids, ...imported])
      expect((await http(service, 'DELETE', `/v1/models/${id}`)).status).toBe(204);
    expect(await listBlobs()).toEqual([]);
    expect(await redis.hlen(stores().keys.blobRefs)).toBe(0);
  }, 90_000);
});
