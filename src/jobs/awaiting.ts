// A job submitted on a dataset still processing (issue 16): recorded and queued at once with an
// AwaitingSpec (what was submitted), it waits here, taken up by a worker, until a worker has read
// its dataset; then its kind checks and prepares it as submit.ts would have (a refusal fails the
// job, `invalid_input`, naming the field as a 400 would) and its record's spec becomes the full
// one. A later try finds the spec settled in the record (the same seed, the same network).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import { type AwaitingSpec, isAwaiting } from '../spec/index.js';
import { fencedOut } from '../store/fence.js';
import type { Stores } from '../store/index.js';
import {
  failTry,
  handoffReason,
  type JobOutcome,
  type Kind,
  type Submitted,
  type Try,
} from './kind.js';
import { kinds } from './kinds.js';

/** How often a waiting job reads its dataset's status. */
const pollMs = 500;

/** When `spec` names a dataset still processing, what submit records and queues instead. */
export async function awaitingSpecOf(
  stores: Stores,
  spec: Submitted,
  kind: AwaitingSpec['for'],
): Promise<AwaitingSpec | null> {
  const dataset = spec.dataset as { id?: unknown } | undefined;
  if (typeof dataset?.id !== 'string') return null;
  const meta = await stores.datasets.meta(dataset.id);
  if (meta?.status !== 'processing') return null;
  return {
    kind: 'awaiting-dataset',
    for: kind,
    dataset: { id: dataset.id },
    submitted: spec as unknown as Record<string, unknown>,
    ...(spec.webhook ? { webhook: spec.webhook } : {}),
  };
}

/**
 * Waits for the try's dataset, then settles the job's spec: the try with its full spec, or how
 * the try ended (the dataset gone, the job cancelled or handed back, the try fenced out).
 */
export async function awaitDataset(t: Try, config: Readonly<Config>): Promise<Try | JobOutcome> {
  const spec = t.job.spec as AwaitingSpec;
  const record = await t.stores.jobs.get(t.job.jobId);
  if (record && !isAwaiting(record.spec)) return { ...t, job: { ...t.job, spec: record.spec } };
  for (;;) {
    const meta = await t.stores.datasets.meta(spec.dataset.id);
    if (!meta) return failTry(t, 'dataset_missing', 'the dataset was deleted before the job ran');
    if (meta.status !== 'processing') break;
    if (t.signal?.aborted) return stopped(t);
    await sleep(pollMs, undefined, t.signal ? { signal: t.signal } : {}).catch(() => {});
  }
  // its kind's checks, as at submit: a refusal (the dataset failed, or does not fit) is thrown,
  // and fails the job as its own input's fault (run.ts)
  const kind = kinds[spec.for] as unknown as Kind<unknown, Submitted>;
  const submitted = spec.submitted as unknown as Submitted;
  const prepared = await kind.prepare(config, t.stores, submitted, kind.check(config, submitted));
  const settled = prepared.record(prepared.dataset ?? spec.dataset);
  if ((await t.stores.jobs.setSpec(t.job.jobId, settled, t.fence)) === fencedOut)
    return { status: 'fenced' };
  return { ...t, job: { ...t.job, spec: settled } };
}

// Aborted while waiting: handed back (the worker is shutting down), or cancelled.
async function stopped(t: Try): Promise<JobOutcome> {
  if (t.signal?.reason === handoffReason) return { status: 'handed_back' };
  const outcome = await t.lifecycle.cancel(t.job, ['running'], 0, t.fence);
  return { status: outcome === fencedOut ? 'fenced' : 'cancelled' };
}
