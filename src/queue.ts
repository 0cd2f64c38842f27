// The BullMQ queue `training`: what a job carries (the spec and a dataset reference, never the
// data itself) and how the queue is made, shared by the API (producer) and workers.
import { Queue } from 'bullmq';
import type { Config } from './config.js';
import type { BuiltinSpec, GeneratorSpec } from './spec/index.js';
import type { JobSpecRecord } from './store/jobs.js';
import { bullConnection } from './store/redis.js';

export const queueName = 'training';

/** The reason a worker shutting down (SIGTERM) aborts its jobs with: checkpoint and hand back. */
export const handoffReason = 'handoff';

/** Where a job's rows come from: a stored dataset, a built-in set, or a seeded generator. */
export type DatasetRef = { id: string } | BuiltinSpec | GeneratorSpec;

export interface TrainingJobData {
  jobId: string;
  /** The tenant whose job it is: its records live under that tenant's keys. */
  tenant: string;
  spec: JobSpecRecord;
}

export type TrainingQueue = Queue<TrainingJobData>;

export function createTrainingQueue(config: Config): TrainingQueue {
  return new Queue(queueName, {
    connection: bullConnection(config),
    prefix: config.keyPrefix,
    defaultJobOptions: {
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
    },
  });
}
