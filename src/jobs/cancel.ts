// Cancelling a job for a client: a queued job never starts (cancelled at once); a running one is
// asked to stop (a cross-validated one's folds too), and the answer waits a little for its
// worker to confirm. Not how a running try stops (run.ts hears it), nor the HTTP shape of the
// answer (api/routes/jobs.ts).
import { AppError } from '../errors.js';
import { finalStatuses, type JobRecord } from '../spec/index.js';
import type { Stores } from '../store/index.js';
import { cancelFolds } from './cross-validation.js';
import type { Lifecycle } from './lifecycle.js';

/** The training queue, to take a cancelled job off it. */
export interface QueueRemove {
  remove(id: string): Promise<unknown>;
}

/** How long a cancel request waits for a running job to confirm it stopped. */
const cancelWaitMs = 2000;

async function getJob(stores: Stores, id: string): Promise<JobRecord> {
  const record = await stores.jobs.get(id);
  if (!record) throw new AppError('not_found', `no job has id ${id}`);
  return record;
}

/** The job after the request: cancelled, or still running when its worker is slow to stop. */
export async function cancelJob(
  lifecycle: Lifecycle,
  stores: Stores,
  queue: QueueRemove,
  id: string,
): Promise<JobRecord> {
  const { outcome, record } = await lifecycle.cancelQueued(id, stores.keys.tenant);
  if (outcome === 'missing') throw new AppError('not_found', `no job has id ${id}`);
  if (outcome === 'ok') {
    await queue.remove(id).catch(() => 0); // already taken: the worker sees 'cancelled'
    return record ?? getJob(stores, id); // gone in between: a 404
  }
  if (outcome !== 'full' && outcome !== 'fenced' && finalStatuses.includes(outcome))
    throw new AppError(
      'conflict',
      `job ${id} has already ${outcome === 'cancelled' ? 'been cancelled' : outcome}`,
    );
  await lifecycle.requestCancel(id);
  // a cross-validated job waits for its folds: they stop, then it does (cross-validation.ts)
  await cancelFolds(stores, lifecycle, await getJob(stores, id), queue);
  return waitUntilFinished(stores, id);
}

async function waitUntilFinished(stores: Stores, id: string): Promise<JobRecord> {
  const deadline = Date.now() + cancelWaitMs;
  let record = await getJob(stores, id);
  while (!finalStatuses.includes(record.status) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    record = await getJob(stores, id);
  }
  return record;
}
