// The checkpoint store against a real Redis: what is saved loads back exactly (bytes of every
// float, the double sums, an infinite best error), a save replaces the previous checkpoint whole,
// and delete removes it. With a blob store (a temp dir, issue 16): the arrays are one blob the
// hash names, a replaced checkpoint's blob goes, a deleted one's too, and so does the last one's
// when its job ends or is removed; a fenced save leaves no blob; a checkpoint written inline
// (before the blob store) still loads.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import type { TrainCheckpoint } from '../../src/engine/index.js';
import { decodeCheckpointFile, encodeCheckpointFile } from '../../src/spec/checkpoint-file.js';
import { fileBlobStore } from '../../src/store/blobs/file-blobs.js';
import { connectRedis, createStores, deleteKeysUnder } from '../../src/store/index.js';
import { recordOnlySpec } from '../helpers/store.js';

const prefix = `bp:test:${randomUUID().slice(0, 8)}`;
const redis = connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const stores = createStores(redis, prefix, defaultTenant);
afterAll(async () => {
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

const floats = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * 1e3 + 1 / (i + 1));

function checkpoint(withBest: boolean): TrainCheckpoint {
  return {
    epoch: 7,
    position: 48,
    errorSum: 123.45678901234567,
    correct: 41,
    order: Uint32Array.from([4, 0, 3, 1, 2, 4294967295]),
    random: 3735928559,
    params: { W: [floats(12, 1), floats(6, 2)], b: [floats(4, 3), floats(3, 4)] },
    optimizer: { steps: 31, slots: [floats(12, 5), floats(6, 6), floats(4, 7), floats(3, 8)] },
    best: withBest
      ? { W: [floats(12, 9), floats(6, 10)], b: [floats(4, 11), floats(3, 12)] }
      : null,
    bestError: withBest ? 0.25 : Number.POSITIVE_INFINITY,
    ...(withBest
      ? {
          bestReport: {
            epoch: 5,
            error: 0.3,
            validationError: 0.25,
            learningRate: 0.1,
            elapsedMs: 12.5,
            samplesPerSecond: 1e5,
          },
        }
      : {}),
    sinceBest: 2,
    calm: 1,
    elapsedMs: 1234.5,
  };
}

describe('checkpoint store', () => {
  it('loads back exactly what was saved, with and without best weights', async () => {
    for (const withBest of [true, false]) {
      const saved = checkpoint(withBest);
      await stores.checkpoints.save('job1', saved);
      expect(await stores.checkpoints.load('job1')).toEqual(saved);
    }
  });

  it('a save replaces the previous checkpoint whole; delete removes it', async () => {
    await stores.checkpoints.save('job2', checkpoint(true));
    await stores.checkpoints.save('job2', checkpoint(false));
    const loaded = await stores.checkpoints.load('job2');
    expect(loaded?.best).toBeNull();
    expect(await redis.hexists(stores.keys.checkpoint('job2'), 'best')).toBe(0);
    await stores.checkpoints.delete('job2');
    expect(await stores.checkpoints.load('job2')).toBeNull();
    expect(await stores.checkpoints.load('never')).toBeNull();
  });

  it('with a finished-job TTL, a checkpoint nobody finishes expires', async () => {
    const bounded = createStores(redis, prefix, defaultTenant, { finishedTtlSeconds: 60 });
    await bounded.checkpoints.save('job3', checkpoint(false));
    const ttl = await redis.ttl(bounded.keys.checkpoint('job3'));
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});

describe('checkpoints in the blob store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bp-checkpoint-blobs-'));
  const blobs = fileBlobStore(dir);
  const inBlobs = createStores(redis, `${prefix}:blobs`, defaultTenant, { blobs });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const { keys } = inBlobs;

  async function listed(): Promise<string[]> {
    const all: string[] = [];
    for await (const key of blobs.list()) all.push(key);
    return all;
  }
  async function bytesOf(sha256: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of (await blobs.get(sha256))!) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  const refs = () => redis.hgetall(keys.blobRefs);

  /** A running job (claimed: its fence), for fenced saves and its end. */
  async function runningJob(id: string): Promise<string> {
    const at = new Date().toISOString();
    await inBlobs.jobs.create(
      { id, status: 'queued', spec: recordOnlySpec, createdAt: at },
      { type: 'status', status: 'queued', at },
    );
    await inBlobs.jobs.transition(id, ['queued'], 'running', {}, []);
    return (await inBlobs.jobs.claim(id))!.fence;
  }

  it('keeps the arrays as one checkpoint file the hash names; a replace drops the old blob', async () => {
    const first = checkpoint(true);
    await inBlobs.checkpoints.save('b1', first);
    const hash = await redis.hgetall(keys.checkpoint('b1'));
    // the small meta and the blob: no float in Redis
    expect(Object.keys(hash).sort()).toEqual(['blob', 'bytes', 'meta']);
    expect(await listed()).toEqual([hash.blob]);
    const file = await bytesOf(hash.blob!);
    expect(file.length).toBe(Number(hash.bytes));
    // order 6 uint32, W 12+6, b 4+3, slots 25, best 25 floats: 4 bytes each
    const arrays = decodeCheckpointFile(file);
    expect(arrays.order).toEqual(first.order);
    expect(arrays.slots).toEqual(first.optimizer.slots);
    expect(arrays.best).toEqual(first.best);
    expect(await refs()).toEqual({ [hash.blob!]: '1' });
    expect(await inBlobs.checkpoints.load('b1')).toEqual(first);

    const second = checkpoint(false);
    await inBlobs.checkpoints.save('b1', second);
    const replaced = await redis.hget(keys.checkpoint('b1'), 'blob');
    expect(replaced).not.toBe(hash.blob);
    expect(await listed()).toEqual([replaced]);
    expect(await refs()).toEqual({ [replaced!]: '1' });
    expect(await inBlobs.checkpoints.load('b1')).toEqual(second);

    await inBlobs.checkpoints.delete('b1');
    expect(await inBlobs.checkpoints.load('b1')).toBeNull();
    expect(await listed()).toEqual([]);
    expect(await redis.exists(keys.blobRefs, keys.blobDeleting)).toBe(0);
  });

  it('a fenced save writes nothing and leaves no blob', async () => {
    const fence = await runningJob('b2');
    await inBlobs.jobs.claim('b2'); // another try took the job over
    expect(await inBlobs.checkpoints.save('b2', checkpoint(true), fence)).toBe('fenced');
    expect(await redis.exists(keys.checkpoint('b2'))).toBe(0);
    expect(await listed()).toEqual([]);
    expect(await redis.exists(keys.blobRefs, keys.blobDeleting)).toBe(0);
  });

  it("the job's end deletes its last checkpoint's blob; so does removing a job", async () => {
    const fence = await runningJob('b3');
    expect(await inBlobs.checkpoints.save('b3', checkpoint(true), fence)).toBe('ok');
    expect(await inBlobs.checkpoints.save('b3', checkpoint(false), fence)).toBe('ok');
    expect(await listed()).toHaveLength(1);
    expect(await inBlobs.jobs.transition('b3', ['running'], 'succeeded', {}, [], 0, fence)).toBe(
      'ok',
    );
    expect(await redis.exists(keys.checkpoint('b3'))).toBe(0);
    expect(await listed()).toEqual([]);
    expect(await redis.exists(keys.blobRefs, keys.blobDeleting)).toBe(0);

    // a checkpoint a finished job still has (none should): removing the job takes it and its blob
    await inBlobs.checkpoints.save('b3', checkpoint(true));
    expect(await listed()).toHaveLength(1);
    expect(await inBlobs.jobs.remove('b3')).toBe('ok');
    expect(await listed()).toEqual([]);
    expect(await redis.exists(keys.blobRefs, keys.blobDeleting)).toBe(0);
  });

  it('a save waits out a delete of the same content, then stores the blob again', async () => {
    const c = checkpoint(true);
    const file = encodeCheckpointFile({
      order: c.order,
      params: c.params,
      slots: c.optimizer.slots,
      best: c.best,
    });
    const { sha256 } = await blobs.put(Readable.from(file.chunks, { objectMode: false }));
    // as a delete leaves it between its script and its blob delete
    await redis.hset(keys.blobDeleting, sha256, Date.now() + 60_000);
    const saving = inBlobs.checkpoints.save('b5', c);
    await new Promise((r) => setTimeout(r, 200));
    expect(await redis.exists(keys.checkpoint('b5'))).toBe(0); // still waiting
    await blobs.delete(sha256);
    await redis.hdel(keys.blobDeleting, sha256);
    expect(await saving).toBe('ok');
    expect(await redis.hget(keys.checkpoint('b5'), 'blob')).toBe(sha256);
    expect(await listed()).toEqual([sha256]);
    expect(await inBlobs.checkpoints.load('b5')).toEqual(c);
    await inBlobs.checkpoints.delete('b5');
    expect(await listed()).toEqual([]);
  });

  it('reads a checkpoint saved inline (before the blob store), and replaces it with a blob', async () => {
    const inline = createStores(redis, `${prefix}:blobs`, defaultTenant);
    const old = checkpoint(true);
    await inline.checkpoints.save('b4', old);
    expect(await redis.hexists(keys.checkpoint('b4'), 'params')).toBe(1);
    expect(await inBlobs.checkpoints.load('b4')).toEqual(old);
    const next = checkpoint(false);
    await inBlobs.checkpoints.save('b4', next);
    expect(await redis.hexists(keys.checkpoint('b4'), 'params')).toBe(0);
    expect(await inBlobs.checkpoints.load('b4')).toEqual(next);
    expect(await listed()).toHaveLength(1);
    await inBlobs.checkpoints.delete('b4');
    expect(await listed()).toEqual([]);
  });
});
