// The sandboxed processor: BullMQ loads this file in a worker thread (useWorkerThreads), so the
// training math never runs on the event loop that renews job locks. One Redis connection per
// thread, made on the first job. A job the worker hands back when it shuts down goes back on
// the queue from here. What a try does is src/jobs/run.ts; this file is BullMQ glue.
import {
  DelayedError,
  type SandboxedJob,
  UnrecoverableError,
  WaitingChildrenError,
  WaitingError,
} from 'bullmq';
import { defaultTenant, loadConfig } from '../src/config.js';
import { type JobOutcome, RefusedInputError, type RunOptions } from '../src/jobs/kind.js';
import { runJob } from '../src/jobs/run.js';
import { createLogger } from '../src/log.js';
import { createTrainingQueue, type TrainingQueue } from '../src/queue.js';
import type { JobPayload } from '../src/spec/index.js';
import { lazyBlobStore } from '../src/store/blobs/index.js';
import { connectRedis, type Stores, storesByTenant } from '../src/store/index.js';
import { createNotify, createWebhookQueueFor } from '../src/webhooks.js';

interface Context {
  storesFor: (tenant: string) => Stores;
  options: RunOptions;
  throttleDelayMs: number;
}

let context: Context | undefined;

/** How long a sweep's trial that gave its worker up at a rung waits before it is taken again. */
const rungWaitDelayMs = 1000;

function makeContext(): Context {
  const config = loadConfig();
  const redis = connectRedis(config, { maxRetriesPerRequest: config.workerRedisRetries });
  return {
    storesFor: storesByTenant(redis, config.keyPrefix, {
      finishedTtlSeconds: config.finishedJobTtlSeconds,
      maxJobEvents: config.maxJobEvents,
      storageQuotaBytes: config.maxTenantStorageBytes,
      blobs: lazyBlobStore(config),
    }),
    options: {
      config,
      checkpointMs: config.checkpointIntervalMs,
      maxJobSeconds: config.maxJobSeconds,
      maxDatasetCells: config.maxDatasetCells,
      maxRunningJobs: config.maxTenantRunningJobs,
      webhookEpochIntervalMs: config.webhookEpochIntervalMs,
      historyPoints: config.maxHistoryPoints,
      notify: createNotify(createWebhookQueueFor(config), createLogger(config.logLevel, 'worker')),
    },
    throttleDelayMs: config.tenantThrottleDelayMs,
  };
}

export default async function processTrainingJob(
  job: SandboxedJob<JobPayload>,
  token?: string,
  signal?: AbortSignal,
): Promise<JobOutcome> {
  context ??= makeContext();
  const outcome = await runJob(
    context.storesFor(job.data.tenant ?? defaultTenant),
    job.data,
    context.options,
    signal,
    { made: job.attemptsMade, max: job.opts.attempts ?? 1 },
  ).catch((error: unknown) => {
    // failed already, for its own input: BullMQ must not try it again
    throw error instanceof RefusedInputError ? new UnrecoverableError(error.message) : error;
  });
  if (outcome.status === 'handed_back') {
    // back on the queue at once, for another worker to resume from the checkpoint just saved;
    // the WaitingError tells BullMQ this attempt neither completed nor failed
    await job.moveToWait(token);
    throw new WaitingError();
  }
  if (outcome.status === 'waiting_at_rung') {
    // a sweep's trial that waited at a rung for lower trials: back in a moment, from the
    // checkpoint just saved, leaving this worker to them
    await job.moveToDelayed(Date.now() + rungWaitDelayMs, token);
    throw new DelayedError();
  }
  if (outcome.status === 'throttled') {
    // the tenant has MAX_TENANT_RUNNING_JOBS training already: wait a little and ask again,
    // leaving this worker to other tenants' jobs (the try is not counted)
    await job.moveToDelayed(Date.now() + context.throttleDelayMs, token);
    throw new DelayedError();
  }
  if (outcome.status === 'waiting_children') await waitForChildren(job, outcome, token);
  return outcome;
}

// A cross-validated job's folds (recorded already) go on the queue as its children (the same
// ids: a fold queued by an earlier try is not queued again), and the job waits for them
// (BullMQ's step-job pattern); a fold that fails does not hold it up. BullMQ may have them all
// done before a fold's record says so (a failure is recorded after): then it asks again shortly.
let childQueue: TrainingQueue | undefined; // made on the thread's first cross-validated job

async function waitForChildren(
  job: SandboxedJob<JobPayload>,
  outcome: JobOutcome,
  token: string | undefined,
): Promise<never> {
  const parent = { id: job.id, queue: job.queueQualifiedName };
  childQueue ??= createTrainingQueue(context!.options.config);
  await childQueue.addBulk(
    (outcome.children ?? []).map((child) => ({
      name: 'train',
      data: child,
      opts: { jobId: child.jobId, parent, ignoreDependencyOnFailure: true },
    })),
  );
  if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
  await job.moveToDelayed(Date.now() + context!.throttleDelayMs, token);
  throw new DelayedError();
}
