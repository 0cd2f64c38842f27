// The sandboxed processor of the `datasets` queue (issue 16): BullMQ loads this file in a worker
// thread, so parsing and profiling a big upload never holds up the event loop that renews the
// job's lock. One Redis connection per thread, made on the first job. What a job does is
// src/jobs/dataset-processing.ts; this file is BullMQ glue.
import type { SandboxedJob } from 'bullmq';
import { type Config, loadConfig } from '../src/config.js';
import { type DatasetOutcome, processDataset } from '../src/jobs/dataset-processing.js';
import type { DatasetJob } from '../src/queue.js';
import { lazyBlobStore } from '../src/store/blobs/index.js';
import { connectRedis, type Stores, storesByTenant } from '../src/store/index.js';

let context: { config: Readonly<Config>; storesFor: (tenant: string) => Stores } | undefined;

function makeContext() {
  const config = loadConfig();
  const redis = connectRedis(config, { maxRetriesPerRequest: config.workerRedisRetries });
  const storesFor = storesByTenant(redis, config.keyPrefix, {
    storageQuotaBytes: config.maxTenantStorageBytes,
    blobs: lazyBlobStore(config),
  });
  return { config, storesFor };
}

export default async function processDatasetJob(
  job: SandboxedJob<DatasetJob>,
): Promise<DatasetOutcome> {
  context ??= makeContext();
  return processDataset(context.storesFor(job.data.tenant), job.data, context.config);
}
