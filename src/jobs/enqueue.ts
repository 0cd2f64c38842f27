// Putting a recorded job on the training queue within ENQUEUE_TIMEOUT_MS. A queue that fails or
// does not answer in time leaves nothing of the request behind — the job record, its first
// event, its counts, its inline dataset, its Idempotency-Key — and the client is told 503 to try
// again (issue 12, defect 4). Not the checks before, nor the record itself: submit.ts.
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { TrainingQueue } from '../queue.js';
import type { JobPayload } from '../spec/index.js';
import type { Stores } from '../store/index.js';

/** Where a refusal is logged (the request's logger in the API). */
export interface Logger {
  error(fields: object, message: string): void;
}

/** How long a client refused for a queue that did not take its job is asked to wait. */
const retryAfterSeconds = 5;

class EnqueueTimeout extends Error {}

/**
 * Adds the job, or takes its record back and throws a 503. `release` removes what else the
 * request stored (its inline dataset, its Idempotency-Key).
 */
export async function enqueueJob(
  { queue, config }: { queue: TrainingQueue; config: Readonly<Config> },
  stores: Stores,
  data: JobPayload,
  release: () => Promise<void>,
  log?: Logger,
): Promise<void> {
  const adding = queue.add('train', data, { jobId: data.jobId });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EnqueueTimeout()), config.enqueueTimeoutMs);
  });
  let why: string;
  try {
    await Promise.race([adding, late]);
    return;
  } catch (err) {
    log?.error({ err, jobId: data.jobId }, 'the training queue did not take a job');
    why =
      err instanceof EnqueueTimeout
        ? `did not answer within ${config.enqueueTimeoutMs} ms (ENQUEUE_TIMEOUT_MS)`
        : 'failed to store it (its Redis connection: see the service log)';
  } finally {
    clearTimeout(timer);
  }
  const discarded = await stores.jobs.discard(data.jobId).catch(() => 'missing' as const);
  // queued after all, and a worker has it: the job stands (nothing to take back)
  if (discarded !== 'ok' && discarded !== 'missing') return;
  await release();
  // an add that still lands later would queue a job without a record: take it off again
  adding.then((job) => job.remove()).catch(() => {});
  throw new AppError(
    'unavailable',
    `the training queue ${why}: the job was not kept; submit it again shortly`,
    retryAfterSeconds,
  );
}
