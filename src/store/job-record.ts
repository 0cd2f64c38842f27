// A job's record: what it holds, and how it is written to and read from the job's Redis hash
// (JSON for the nested fields, strings for the rest). The store that moves it: jobs.ts.
import type { DatasetRef } from '../queue.js';
import type { ModelMetrics, NetworkSpec, ResolvedTraining, WebhookSpec } from '../spec/index.js';
import type { JobError, JobStatus } from './events.js';

export interface JobSpecRecord {
  network: NetworkSpec;
  dataset: DatasetRef;
  training: ResolvedTraining;
  /** Where the job's events are sent, signed with the tenant's secret. */
  webhook?: WebhookSpec;
}

export interface Progress {
  epoch: number;
  epochs: number;
  error: number;
}

export interface JobRecord {
  id: string;
  status: JobStatus;
  spec: JobSpecRecord;
  progress?: Progress;
  metrics?: ModelMetrics;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: JobError;
  modelId?: string;
  cancelRequested?: boolean;
  /** The id of the inline dataset stored for this job: deleted when the job finishes. */
  ownedDataset?: string;
  /** The Idempotency-Key the job was submitted with (its mapping goes when the job is deleted). */
  idempotencyKey?: string;
}

const jsonFields = new Set(['spec', 'progress', 'metrics', 'error']);

export function toHash(fields: Partial<JobRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = jsonFields.has(k) ? JSON.stringify(v) : String(v);
  }
  return out;
}

export function fromHash(hash: Record<string, string>): JobRecord {
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hash)) {
    r[k] = jsonFields.has(k) ? JSON.parse(v) : k === 'cancelRequested' ? v === 'true' : v;
  }
  return r as unknown as JobRecord;
}
