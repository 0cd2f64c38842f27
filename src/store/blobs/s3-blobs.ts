// The blob store in an S3-compatible bucket (BLOB_URL=s3://bucket/prefix; AWS S3, MinIO, R2, …):
// a blob is the object <prefix>sha256/<sha256>.
//
// The key is the content's SHA-256, known only when the stream has ended, and the bytes are not
// held (a dataset may be gigabytes), so they cannot be hashed first and sent after. A put therefore
// uploads to a temporary key, <prefix>incoming/<random>, with lib-storage's multipart Upload while
// hashing, then copies it server-side onto its key (CopyObject: no bytes pass through us again)
// and deletes the temporary object. Readers only ever see whole blobs under sha256/: an object
// appears there in one CopyObject. A failed put (limit passed, source broken) aborts the multipart
// upload and deletes the temporary object; a process that dies mid-put may leave an object under
// incoming/ or an unfinished multipart upload, which a bucket lifecycle rule
// (AbortIncompleteMultipartUpload, expire incoming/ after a day) sweeps.
// One CopyObject copies at most 5 GiB, so a blob here is at most that (a BlobTooLargeError past it).
//
// The SDK is imported when such a store is opened, not before: the processes that never use S3
// never load it (it also prints a NodeVersionSupportWarning on Node < 22, which
// AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true silences).
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { S3BlobAddress } from '../../blob-url.js';
import {
  type BlobStat,
  type BlobStore,
  checkKey,
  metered,
  type PutBlob,
  type PutOptions,
} from './blob-store.js';

/** The most one CopyObject copies. */
export const maxS3BlobBytes = 5 * 1024 ** 3;

export interface S3Options {
  /** An S3-compatible endpoint (AWS_ENDPOINT_URL_S3); with one, requests are path-style. */
  endpoint?: string;
  /** AWS_REGION; empty: us-east-1 (what MinIO and s3rver expect). */
  region?: string;
  /** Explicit keys; when absent the SDK's own chain finds them (AWS_ACCESS_KEY_ID, roles, …). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Bytes per multipart part (at least 5 MiB, S3's minimum); memory is about 2 parts. */
  partBytes?: number;
}

/** Opens the store: loads the SDK and makes a client (no request is sent yet). */
export async function s3BlobStore(
  address: S3BlobAddress,
  options: S3Options = {},
): Promise<BlobStore> {
  const s3 = await import('@aws-sdk/client-s3');
  const { Upload } = await import('@aws-sdk/lib-storage');
  const client = new s3.S3Client({
    region: options.region || 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const { bucket: Bucket, prefix } = address;
  const keyOf = (sha256: string) => `${prefix}sha256/${checkKey(sha256)}`;
  const missing = (error: unknown) =>
    error instanceof s3.NoSuchKey ||
    error instanceof s3.NotFound ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

  async function exists(sha256: string): Promise<boolean> {
    try {
      await client.send(new s3.HeadObjectCommand({ Bucket, Key: keyOf(sha256) }));
      return true;
    } catch (error) {
      if (missing(error)) return false;
      throw error;
    }
  }

  return {
    location: `s3://${Bucket}/${prefix}`,

    async put(source: Readable, putOptions: PutOptions = {}): Promise<PutBlob> {
      const limit = Math.min(putOptions.maxBytes ?? maxS3BlobBytes, maxS3BlobBytes);
      const meter = metered(source, limit);
      const temporary = `${prefix}incoming/${randomUUID()}`;
      const upload = new Upload({
        client,
        params: { Bucket, Key: temporary, Body: meter },
        partSize: Math.max(options.partBytes ?? 8 * 1024 ** 2, 5 * 1024 ** 2),
        queueSize: 2,
      });
      try {
        await upload.done();
      } catch (error) {
        await client.send(new s3.DeleteObjectCommand({ Bucket, Key: temporary })).catch(() => {});
        // the source's failure, not the abort's, is the reason (a server may refuse the abort)
        throw meter.errored ?? error;
      }
      try {
        const { sha256, bytes } = meter.result();
        const created = !(await exists(sha256));
        if (created)
          await client.send(
            new s3.CopyObjectCommand({
              Bucket,
              Key: keyOf(sha256),
              CopySource: `${Bucket}/${temporary.split('/').map(encodeURIComponent).join('/')}`,
            }),
          );
        return { sha256, bytes, created };
      } finally {
        await client.send(new s3.DeleteObjectCommand({ Bucket, Key: temporary }));
      }
    },

    async get(sha256: string): Promise<Readable | null> {
      try {
        const answer = await client.send(new s3.GetObjectCommand({ Bucket, Key: keyOf(sha256) }));
        return answer.Body as Readable;
      } catch (error) {
        if (missing(error)) return null;
        throw error;
      }
    },

    exists,

    async stat(sha256: string): Promise<BlobStat | null> {
      try {
        const head = await client.send(new s3.HeadObjectCommand({ Bucket, Key: keyOf(sha256) }));
        // the CopyObject that published it set LastModified
        return { bytes: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
      } catch (error) {
        if (missing(error)) return null;
        throw error;
      }
    },

    async delete(sha256: string): Promise<boolean> {
      // S3 answers a delete of a missing key with success: ask first
      if (!(await exists(sha256))) return false;
      await client.send(new s3.DeleteObjectCommand({ Bucket, Key: keyOf(sha256) }));
      return true;
    },

    async *list(): AsyncIterable<string> {
      const Prefix = `${prefix}sha256/`;
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(
          new s3.ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }),
        );
        for (const { Key } of page.Contents ?? []) {
          const name = Key?.slice(Prefix.length) ?? '';
          if (/^[0-9a-f]{64}$/.test(name)) yield name;
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    async close() {
      client.destroy();
    },
  };
}
