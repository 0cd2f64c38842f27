// The sandboxed processor: BullMQ loads this file in a worker thread (useWorkerThreads), so the
// training math never runs on the event loop that renews job locks. One Redis connection per
// thread, made on the first job. A job the worker hands back when it shuts down goes back on
// the queue from here.
import { type SandboxedJob, WaitingError } from 'bullmq';
import { loadConfig } from '../src/config.js';
import type { TrainingJobData } from '../src/queue.js';
import { connectRedis, createStores, type Stores } from '../src/store/index.js';
import { type JobOutcome, type RunOptions, runTrainingJob } from './train-job.js';

let context:
  | { redis: ReturnType<typeof connectRedis>; stores: Stores; options: RunOptions }
  | undefined;

export default async function processTrainingJob(
  job: SandboxedJob<TrainingJobData>,
  token?: string,
  signal?: AbortSignal,
): Promise<JobOutcome> {
  if (!context) {
    const config = loadConfig();
    const redis = connectRedis(config.redisUrl, {
      maxRetriesPerRequest: config.workerRedisRetries,
    });
    context = {
      redis,
      stores: createStores(redis, config.keyPrefix, {
        finishedTtlSeconds: config.finishedJobTtlSeconds,
      }),
      options: {
        checkpointMs: config.checkpointIntervalMs,
        maxJobSeconds: config.maxJobSeconds,
      },
    };
  }
  const outcome = await runTrainingJob(
    context.redis,
    context.stores,
    job.data,
    context.options,
    signal,
    { made: job.attemptsMade, max: job.opts.attempts ?? 1 },
  );
  if (outcome.status === 'handed_back') {
    // back on the queue at once, for another worker to resume from the checkpoint just saved;
    // the WaitingError tells BullMQ this attempt neither completed nor failed
    await job.moveToWait(token);
    throw new WaitingError();
  }
  return outcome;
}
