// The blob store in a folder of this machine (BLOB_URL=file:///path; the default). A blob is the
// file <dir>/<first two hex digits>/<sha256>. A put streams into <dir>/.incoming/<random>, fsyncs
// it, then renames it onto its key: rename is atomic within one file system (both sit under
// <dir>), so a reader sees the whole blob or none, and a failed or aborted put only ever leaves
// a file in .incoming, which it removes. Two puts of the same content both rename onto the same
// name, each with the whole content, so either winning is right. Not shared between machines:
// for many machines use S3 (s3-blobs.ts).

import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import {
  type BlobStat,
  type BlobStore,
  checkKey,
  metered,
  type PutBlob,
  type PutOptions,
} from './blob-store.js';

const incoming = '.incoming';

/** The blob store under `dir` (made when missing). */
export function fileBlobStore(dir: string): BlobStore {
  const pathOf = (sha256: string) => join(dir, checkKey(sha256).slice(0, 2), sha256);
  const exists = (sha256: string) =>
    access(pathOf(sha256)).then(
      () => true,
      () => false,
    );

  return {
    location: pathToFileURL(dir).href,

    async put(source: Readable, options: PutOptions = {}): Promise<PutBlob> {
      await mkdir(join(dir, incoming), { recursive: true });
      const temporary = join(dir, incoming, randomUUID());
      try {
        const meter = metered(source, options.maxBytes);
        // flush: fsync before close, so the rename never publishes a file the disk lacks
        await pipeline(meter, createWriteStream(temporary, { flags: 'wx', flush: true }));
        const { sha256, bytes } = meter.result();
        if (await exists(sha256)) {
          await unlink(temporary);
          return { sha256, bytes, created: false };
        }
        await mkdir(join(dir, sha256.slice(0, 2)), { recursive: true });
        await rename(temporary, pathOf(sha256));
        return { sha256, bytes, created: true };
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },

    async get(sha256: string): Promise<Readable | null> {
      const stream = createReadStream(pathOf(sha256));
      // open before answering, so a missing blob is null rather than a stream that fails later
      return new Promise((resolve, reject) => {
        const failed = (error: NodeJS.ErrnoException) =>
          error.code === 'ENOENT' ? resolve(null) : reject(error);
        stream.once('error', failed).once('open', () => {
          // later errors are the reader's to handle
          stream.off('error', failed);
          resolve(stream);
        });
      });
    },

    exists,

    async stat(sha256: string): Promise<BlobStat | null> {
      try {
        const { size, mtime } = await stat(pathOf(sha256));
        return { bytes: size, modifiedAt: mtime };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },

    async delete(sha256: string): Promise<boolean> {
      try {
        await unlink(pathOf(sha256));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },

    async *list(): AsyncIterable<string> {
      const shards = await readdir(dir).catch(() => [] as string[]);
      for (const shard of shards.filter((name) => /^[0-9a-f]{2}$/.test(name)).sort())
        for (const name of (await readdir(join(dir, shard))).sort())
          if (/^[0-9a-f]{64}$/.test(name) && name.startsWith(shard)) yield name;
    },

    async close() {},
  };
}
