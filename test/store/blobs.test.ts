// The blob store's contract (issue 16), one suite run against both implementations: the folder
// one in a temp dir, the S3 one against s3rver started over HTTP (test/helpers/s3-server.ts).
// "Nothing kept" is checked on the raw storage (every file under the folder, every object in the
// bucket), not only through the store's own list, so a leftover temporary would show.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileBlobStore } from '../../src/store/blobs/file-blobs.js';
import { type BlobStore, BlobTooLargeError } from '../../src/store/blobs/index.js';
import { s3BlobStore } from '../../src/store/blobs/s3-blobs.js';
import { type S3Server, s3Server } from '../helpers/s3-server.js';

// the SDK's Node 20 notice is not this test's business
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const MiB = 1024 * 1024;

/** `bytes` of content, streamed in 64 KiB chunks (never one buffer handed over whole). */
function streamOf(content: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < content.length; at += 64 * 1024)
        yield content.subarray(at, at + 64 * 1024);
    })(),
  );
}

/** A source that sends `bytes` and then breaks, as a client hanging up mid-upload does. */
function brokenAfter(bytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) return this.destroy(new Error('the client went away'));
      sent += 64 * 1024;
      this.push(randomBytes(64 * 1024));
    },
  });
}

const sha256Of = (content: Buffer) => createHash('sha256').update(content).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listed(store: BlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list()) keys.push(key);
  return keys.sort();
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

interface Implementation {
  name: string;
  open(): Promise<{ store: BlobStore; raw(): Promise<string[]>; remove(): Promise<void> }>;
}

const implementations: Implementation[] = [
  {
    name: 'the filesystem',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'backprop-blobs-'));
      return {
        store: fileBlobStore(dir),
        raw: async () => filesUnder(dir),
        remove: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'S3 (s3rver over HTTP)',
    async open() {
      const server: S3Server = await s3Server();
      const options = { endpoint: server.endpoint, credentials: server.credentials };
      // 5 MiB parts (S3's least), so a few MB is a multipart upload
      const store = await s3BlobStore(
        { kind: 's3', bucket: server.bucket, prefix: 'blobs/' },
        { ...options, partBytes: 5 * MiB },
      );
      const s3 = await import('@aws-sdk/client-s3');
      const client = new s3.S3Client({ region: 'us-east-1', forcePathStyle: true, ...options });
      return {
        store,
        // every object of the bucket, whatever its prefix
        async raw() {
          const page = await client.send(new s3.ListObjectsV2Command({ Bucket: server.bucket }));
          return (page.Contents ?? []).map(({ Key }) => Key ?? '').sort();
        },
        async remove() {
          client.destroy();
          await store.close();
          await server.remove();
        },
      };
    },
  },
];

describe.each(implementations)('the blob store on $name', ({ open }) => {
  let store: BlobStore;
  let raw: () => Promise<string[]>;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    ({ store, raw, remove } = await open());
  }, 30_000);
  afterAll(async () => {
    await remove?.();
  });

  /** Deletes every blob, so each test starts from an empty store. */
  async function empty() {
    for (const key of await listed(store)) await store.delete(key);
    expect(await raw()).toEqual([]);
  }

  it('streams a few MB in and out, keyed by its SHA-256 and counted', async () => {
    await empty();
    const content = randomBytes(12 * MiB + 123);
    const put = await store.put(streamOf(content));
    expect(put).toEqual({ sha256: sha256Of(content), bytes: 12 * MiB + 123, created: true });
    const back = await readAll((await store.get(put.sha256))!);
    expect(back.length).toBe(content.length);
    expect(sha256Of(back)).toBe(put.sha256);
    // a small one (one plain PUT on S3) as well
    const small = await store.put(streamOf(Buffer.from('x,y\n1,2\n')));
    expect(small).toMatchObject({ bytes: 8, created: true });
    expect((await readAll((await store.get(small.sha256))!)).toString()).toBe('x,y\n1,2\n');
    expect(await listed(store)).toEqual([put.sha256, small.sha256].sort());
    // and nothing at all
    const none = await store.put(Readable.from([]));
    expect(none).toEqual({ sha256: sha256Of(Buffer.alloc(0)), bytes: 0, created: true });
    expect(await readAll((await store.get(none.sha256))!)).toHaveLength(0);
  });

  it('stores identical content once', async () => {
    await empty();
    const content = randomBytes(300 * 1024);
    const first = await store.put(streamOf(content));
    const second = await store.put(streamOf(content));
    expect(first.created).toBe(true);
    expect(second).toEqual({ ...first, created: false });
    expect(await listed(store)).toEqual([first.sha256]);
    expect(await raw()).toHaveLength(1);
  });

  it('stops at the limit mid-stream and keeps nothing, leaving the source to its owner', async () => {
    await empty();
    const source = streamOf(randomBytes(12 * MiB));
    const refused = await store.put(source, { maxBytes: 6 * MiB }).catch((error) => error);
    expect(refused).toBeInstanceOf(BlobTooLargeError);
    expect(refused.maxBytes).toBe(6 * MiB);
    expect(refused.bytesRead).toBeGreaterThan(6 * MiB);
    expect(refused.bytesRead).toBeLessThan(12 * MiB);
    expect(source.destroyed).toBe(false);
    source.destroy();
    expect(await listed(store)).toEqual([]);
    expect(await raw()).toEqual([]);
    // exactly at the limit is allowed
    const at = await store.put(streamOf(randomBytes(1024)), { maxBytes: 1024 });
    expect(at.bytes).toBe(1024);
  });

  it('keeps nothing of a source that breaks mid-stream', async () => {
    await empty();
    const failed = await store.put(brokenAfter(7 * MiB)).catch((error) => error);
    expect(failed).toBeInstanceOf(Error);
    expect(failed.message).toBe('the client went away');
    expect(await listed(store)).toEqual([]);
    expect(await raw()).toEqual([]);
  });

  it('answers exists, get and delete for present and absent keys', async () => {
    await empty();
    const { sha256 } = await store.put(streamOf(Buffer.from('hello')));
    const absent = sha256Of(Buffer.from('never stored'));
    expect(await store.exists(sha256)).toBe(true);
    expect(await store.exists(absent)).toBe(false);
    expect(await store.get(absent)).toBeNull();
    expect(await store.delete(sha256)).toBe(true);
    expect(await store.exists(sha256)).toBe(false);
    expect(await store.get(sha256)).toBeNull();
    expect(await store.delete(sha256)).toBe(false);
    expect(await raw()).toEqual([]);
    await expect(store.get('../../etc/passwd')).rejects.toThrow(/not a blob key/);
  });

  it("tells a blob's length and when it was stored; null for an absent key", async () => {
    await empty();
    const before = Date.now();
    const { sha256 } = await store.put(streamOf(randomBytes(3000)));
    const stat = await store.stat(sha256);
    expect(stat?.bytes).toBe(3000);
    // S3's LastModified is to the second
    expect(stat!.modifiedAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(stat!.modifiedAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await store.stat(sha256Of(Buffer.from('never stored')))).toBeNull();
    await store.delete(sha256);
    expect(await store.stat(sha256)).toBeNull();
  });

  it('lists every blob it holds', async () => {
    await empty();
    const keys: string[] = [];
    for (let i = 0; i < 5; i++)
      keys.push((await store.put(streamOf(randomBytes(1000 + i)))).sha256);
    expect(await listed(store)).toEqual(keys.sort());
    await store.delete(keys[2]!);
    expect(await listed(store)).toEqual(keys.filter((_, i) => i !== 2));
  });

  it('takes concurrent puts of the same content, ending with one whole blob', async () => {
    await empty();
    const content = randomBytes(6 * MiB);
    const puts = await Promise.all([1, 2, 3, 4].map(() => store.put(streamOf(content))));
    expect(new Set(puts.map((p) => p.sha256))).toEqual(new Set([sha256Of(content)]));
    expect(puts.every((p) => p.bytes === 6 * MiB)).toBe(true);
    expect(puts.some((p) => p.created)).toBe(true);
    expect(await listed(store)).toEqual([sha256Of(content)]);
    expect(await raw()).toHaveLength(1);
    expect(sha256Of(await readAll((await store.get(sha256Of(content)))!))).toBe(sha256Of(content));
  });
});
