// One try of a queued job, for any kind: take it up (queued → running, or resume a job another
// try left running), claim its fence, hear a cancel asked for meanwhile, run its kind, and turn
// an error into the job's end or BullMQ's next try. Needs no BullMQ: workers/processor.ts is the
// glue. Not what a kind does (training.ts), nor the moves themselves (lifecycle.ts).
import { AppError } from '../errors.js';
import { finalStatuses, isAwaiting, type JobPayload, kindOfSpec } from '../spec/index.js';
import { fencedOut } from '../store/fence.js';
import type { Stores } from '../store/index.js';
import { awaitDataset } from './awaiting.js';
import {
  type Attempt,
  type JobOutcome,
  RefusedInputError,
  type RunOptions,
  type Try,
} from './kind.js';
import { kindOf } from './kinds.js';
import { createLifecycle } from './lifecycle.js';

type Base = Omit<Try, 'fence' | 'takeover' | 'written'>;

/**
 * Runs one try of `job`. Throws a RefusedInputError when the job's input was refused (it failed
 * and must not be tried again), or the error itself when another try may do better.
 */
export async function runJob(
  stores: Stores,
  job: JobPayload,
  options: RunOptions,
  signal?: AbortSignal,
  attempt: Attempt = { made: 0, max: 1 },
): Promise<JobOutcome> {
  const lifecycle = createLifecycle(stores, options.notify);
  const base: Base = { stores, lifecycle, job, options, signal, attempt };
  const taken = await takeUp(base);
  if ('status' in taken) return taken;
  if (taken.cancelRequested) {
    const outcome = await lifecycle.cancel(job, ['running'], 0, taken.fence);
    return { status: outcome === fencedOut ? 'fenced' : 'cancelled' };
  }
  try {
    // a job submitted on a dataset still processing waits for it here, then gets its full spec
    const ready = isAwaiting(job.spec) ? await awaitDataset(taken, options.config) : taken;
    if ('status' in ready) return ready;
    return await kindOf(job).run(ready);
  } catch (error) {
    throw await ended(taken, error);
  }
}

/**
 * This try takes the job: queued → running, or running already (its worker stopped, and BullMQ
 * handed it on). Claims a fence for every write of the try, reading the job once on the way.
 * An outcome when there is nothing to run.
 */
async function takeUp(base: Base): Promise<JobOutcome | (Try & { cancelRequested: boolean })> {
  const { stores, lifecycle, job, options } = base;
  const before = await stores.jobs.get(job.jobId);
  if (before && finalStatuses.includes(before.status)) {
    await lifecycle.retellFinished(job); // its worker stopped before BullMQ heard
    return { status: 'skipped' };
  }
  const takeover = before?.status === 'running';
  if (takeover && before.startedAt) await lifecycle.retellRunning(job, before.startedAt);
  if (!takeover) {
    // a fold of a cross-validated job runs under its parent's place: held back by the tenant's
    // cap, its parent (running, waiting for it) would wait for itself
    const started = await lifecycle.start(job, job.fold ? 0 : options.maxRunningJobs);
    if (started === 'full') return { status: 'throttled' };
    if (started !== 'ok') return { status: 'skipped' }; // cancelled while queued, or gone
  }
  // the claim reads the epochs written so far: no write of an earlier try lands after it
  const claim = await stores.jobs.claim(job.jobId);
  if (!claim) return { status: 'skipped' }; // finished meanwhile
  const written = takeover ? claim.written : 0;
  return { ...base, fence: claim.fence, takeover, written, cancelRequested: claim.cancelRequested };
}

// What a try's error means: the job's own input at fault fails it once, as a 4xx would; an
// infrastructure fault is retried from the checkpoint (the record stays running) until the
// last try, which fails the job. Writes are best effort: Redis may be the cause.
async function ended(t: Try, error: unknown): Promise<unknown> {
  const { lifecycle, job, fence, attempt } = t;
  if (error instanceof AppError && error.status < 500) {
    const message = `the job's input was refused: ${error.message}`;
    await failQuietly(t, 'invalid_input', message);
    return new RefusedInputError(message);
  }
  const what = kindOfSpec(job.spec) === 'training' ? 'training' : 'the batch of predictions';
  const message = `${what} stopped by an internal error: ${(error as Error).message}`;
  const internal = { code: 'internal' as const, message };
  if (attempt.made + 1 < attempt.max)
    await lifecycle.retrying(job, fence, attempt.made + 1, attempt.max, internal).catch(() => {});
  else await failQuietly(t, 'internal', message);
  return error;
}

async function failQuietly(t: Try, code: 'invalid_input' | 'internal', message: string) {
  await t.lifecycle.fail(t.job, ['running'], { code, message }, t.fence).catch(() => {});
}
