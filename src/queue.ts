// The BullMQ queue `training`: how it is made, shared by the API (producer) and workers. What a
// job on it carries is the contract's JobPayload (spec/job-contract.ts).
import { Queue } from 'bullmq';
import type { Config } from './config.js';
import type { JobPayload } from './spec/index.js';
import { bullConnection } from './store/redis.js';

export const queueName = 'training';

export type TrainingQueue = Queue<JobPayload>;

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
