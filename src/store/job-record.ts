// How a job's record (spec/job-contract.ts) is written to and read from the job's Redis hash
// (JSON for the nested fields, strings for the rest). The store that moves it: jobs.ts.
import type { JobRecord } from '../spec/index.js';

const jsonFields = new Set(['spec', 'progress', 'metrics', 'error', 'reproduction', 'fold']);

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
