// What the service keeps, where, and for how long: finished jobs, their events and history,
// stored datasets, idempotency keys in Redis; bytes in the blob store (BLOB_URL).
import { z } from 'zod';
import { parseBlobUrl } from '../blob-url.js';
import { custom, int, matching, type Setting } from './kinds.js';

// the sentence parseBlobUrl returns is the refusal; empty is the default folder
const blobUrl = z.string().superRefine((url, ctx) => {
  const parsed = url === '' ? null : parseBlobUrl(url);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

const httpUrl = z.string().superRefine((url, ctx) => {
  if (url !== '' && !/^https?:\/\/[^/?#\s]+\/?$/.test(url))
    ctx.addIssue({
      code: 'custom',
      message: 'must be an http:// or https:// URL with a host and no path, e.g. http://minio:9000',
    });
});

export const storageSettings = {
  finishedJobTtlSeconds: {
    env: 'FINISHED_JOB_TTL_SECONDS',
    ...int(0),
    default: String(7 * 24 * 3600),
    doc: 'How long a finished job is kept: its record, event stream and BullMQ record (0: for ever); `DELETE /v1/jobs/:id` removes one sooner.',
  },
  keepCompletedJobs: {
    env: 'KEEP_COMPLETED_JOBS',
    ...int(0),
    default: '1000',
    doc: "Succeeded jobs BullMQ's own records keep at most (the newest).",
  },
  keepFailedJobs: {
    env: 'KEEP_FAILED_JOBS',
    ...int(0),
    default: '5000',
    doc: "Failed jobs BullMQ's own records keep at most (the newest).",
  },
  maxJobEvents: {
    env: 'MAX_JOB_EVENTS',
    ...int(0),
    default: '2000',
    doc: "About how many events a job's stream keeps, the newest (0: all).",
  },
  maxHistoryPoints: {
    env: 'MAX_HISTORY_POINTS',
    ...int(2),
    default: '1000',
    doc: "The most per-epoch points a model's history keeps (evenly spaced, first and last epoch among them).",
  },
  maxDatasetStoredBytes: {
    env: 'MAX_DATASET_STORED_BYTES',
    ...int(1024),
    default: String(2 * 1024 * 1024 * 1024),
    doc: "The bytes one stored dataset may take: its file in the blob store (4 bytes a value, with a table's distinct texts) and its profile; more is a 413 (or, for an upload a worker reads, its `failed` status).",
  },
  blobUrl: {
    env: 'BLOB_URL',
    ...custom(blobUrl, '`file:///path`, `s3://bucket/prefix`'),
    default: '',
    defaultDoc: '`file://<package>/.data/blobs`',
    doc: "Where bytes are kept, by their SHA-256: a folder of this machine, or an S3-compatible bucket (credentials from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` or the AWS SDK's other sources).",
  },
  awsEndpointUrlS3: {
    env: 'AWS_ENDPOINT_URL_S3',
    ...custom(httpUrl, 'an `http(s)://host:port` URL'),
    default: '',
    doc: 'An S3-compatible server (MinIO, …) for an `s3://` `BLOB_URL`, addressed path-style; empty: AWS S3.',
  },
  awsRegion: {
    env: 'AWS_REGION',
    ...matching(/^[a-z0-9-]*$/, 'must be a region name like us-east-1', 'a region name'),
    default: '',
    doc: 'The region of an `s3://` `BLOB_URL`; empty: `us-east-1`.',
  },
  blobSweepSeconds: {
    env: 'BLOB_SWEEP_SECONDS',
    ...int(0),
    default: '3600',
    doc: 'How often a worker deletes the blobs no record names that are over an hour old (one worker a round; 0: never), the bytes a record that expired or a process that died left behind.',
  },
  idempotencyTtlSeconds: {
    env: 'IDEMPOTENCY_TTL_SECONDS',
    ...int(1),
    default: String(24 * 3600),
    doc: 'How long an `Idempotency-Key` returns the job it first made.',
  },
} satisfies Record<string, Setting>;
