// The BullMQ queue `training`: how it is made, shared by the API (producer) and workers. What a
// job on it carries is the contract's JobPayload (spec/job-contract.ts).
import { type DefaultJobOptions, Queue } from 'bullmq';
import type { Config } from './config.js';
import type { UploadQuery } from './data/dataset-upload.js';
import type { JobPayload } from './spec/index.js';
import type { UploadKind } from './store/index.js';
import { bullConnection } from './store/redis.js';

export const queueName = 'training';

export type TrainingQueue = Queue<JobPayload>;

export function createTrainingQueue(config: Config): TrainingQueue {
  return queueOf(queueName, config, {
    attempts: config.jobAttempts,
    backoff: { type: 'exponential', delay: config.jobBackoffMs },
    // the finished-job TTL bounds their age too (BullMQ takes seconds); 0 bounds only the count
    removeOnComplete: {
      count: config.keepCompletedJobs,
      ...(config.finishedJobTtlSeconds > 0 ? { age: config.finishedJobTtlSeconds } : {}),
    },
    removeOnFail: {
      count: config.keepFailedJobs,
      ...(config.finishedJobTtlSeconds > 0 ? { age: config.finishedJobTtlSeconds } : {}),
    },
  });
}

/**
 * The BullMQ queue `datasets` (issue 16): each job a big upload for a worker to read, parse,
 * profile and store (src/jobs/dataset-processing.ts); its dataset's record says how it went.
 */
export const datasetQueueName = 'datasets';

/** What a job on the datasets queue carries: the dataset, and how the upload asked to read it. */
export interface DatasetJob {
  tenant: string;
  datasetId: string;
  kind: UploadKind;
  query: UploadQuery;
}

export type DatasetQueue = Queue<DatasetJob>;

export function createDatasetQueue(config: Config): DatasetQueue {
  return queueOf(datasetQueueName, config, {
    // a worker that died mid-read is retried; the last failure marks the dataset failed
    attempts: 3,
    backoff: { type: 'exponential', delay: 2000 },
    removeOnComplete: { count: config.keepCompletedJobs },
    removeOnFail: { count: config.keepFailedJobs },
  });
}

/**
 * The BullMQ queue `sweeps` (issue 17): one job per sweep, the parent of its trials (jobs on
 * `training`, added as its flow children, at most `parallel` at once). It runs when its children
 * have all finished: it starts the next trials, or ends the sweep (jobs/sweep-runs.ts).
 */
export const sweepQueueName = 'sweeps';

/** What a sweep's parent job carries. */
export interface SweepJob {
  tenant: string;
  sweepId: string;
}

export type SweepQueue = Queue<SweepJob>;

export function createSweepQueue(config: Config): SweepQueue {
  return queueOf(sweepQueueName, config, {
    attempts: 10,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: true,
    removeOnFail: { count: config.keepFailedJobs },
  });
}

/** Where a trial names its sweep's parent job (BullMQ's qualified queue name). */
export const sweepParentOf = (config: Pick<Config, 'keyPrefix'>, sweepId: string) => ({
  id: sweepId,
  queue: `${config.keyPrefix}:${sweepQueueName}`,
});

// A queue of ours: the service's Redis connection and key prefix, and its jobs' options.
function queueOf<T>(name: string, config: Config, defaultJobOptions: DefaultJobOptions): Queue<T> {
  return new Queue<T>(name, {
    connection: bullConnection(config),
    prefix: config.keyPrefix,
    defaultJobOptions,
  });
}
