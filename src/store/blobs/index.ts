// The blob store BLOB_URL names, opened: the filesystem one by default, S3 for many machines.
// Bytes only (datasets, models, checkpoints, from issue 16 on); what owns them stays in Redis.
import { join } from 'node:path';
import { parseBlobUrl } from '../../blob-url.js';
import { packageRoot } from '../../paths.js';
import type { BlobStore } from './blob-store.js';
import { fileBlobStore } from './file-blobs.js';

export {
  type BlobStat,
  type BlobStore,
  BlobTooLargeError,
  type PutBlob,
  type PutOptions,
} from './blob-store.js';

/** The settings a blob store is opened from (a Config has them). */
export interface BlobSettings {
  /** BLOB_URL; empty: the folder .data/blobs of the package. */
  blobUrl: string;
  /** AWS_ENDPOINT_URL_S3. */
  awsEndpointUrlS3: string;
  /** AWS_REGION. */
  awsRegion: string;
}

/** The default folder: beside the Redis that `npm start` may run, under the package's .data/. */
export function defaultBlobDir(): string {
  return join(packageRoot(), '.data', 'blobs');
}

/** Opens the store; an s3:// one loads the AWS SDK now (and only then). */
export async function openBlobStore(settings: BlobSettings): Promise<BlobStore> {
  if (settings.blobUrl === '') return fileBlobStore(defaultBlobDir());
  const address = parseBlobUrl(settings.blobUrl);
  // loadConfig has refused a bad one already; this is for callers that skipped it
  if (typeof address === 'string') throw new Error(`BLOB_URL ${address}`);
  if (address.kind === 'file') return fileBlobStore(address.dir);
  const { s3BlobStore } = await import('./s3-blobs.js');
  return s3BlobStore(address, { endpoint: settings.awsEndpointUrlS3, region: settings.awsRegion });
}

/**
 * The store BLOB_URL names, opened on first use (for callers that are made synchronously: the
 * API's services, a worker's stores); an error opening it is the first call's.
 */
export function lazyBlobStore(settings: BlobSettings): BlobStore {
  let opened: Promise<BlobStore> | undefined;
  const store = () => {
    opened ??= openBlobStore(settings);
    return opened;
  };
  return {
    get location() {
      return settings.blobUrl || defaultBlobDir();
    },
    put: async (source, options) => (await store()).put(source, options),
    get: async (sha256) => (await store()).get(sha256),
    exists: async (sha256) => (await store()).exists(sha256),
    stat: async (sha256) => (await store()).stat(sha256),
    delete: async (sha256) => (await store()).delete(sha256),
    async *list() {
      yield* (await store()).list();
    },
    async close() {
      if (opened) await (await opened).close();
    },
  };
}
