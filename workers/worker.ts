// A worker process: a BullMQ Worker on the `training` queue whose processor runs sandboxed in
// worker threads (concurrency from config), one on the `datasets` queue reading big uploads (one
// at a time, in a thread), one on the `sweeps` queue running sweeps' parent jobs (start the next
// trials, end the sweep: light, on this thread), a subscriber that turns cancel requests published by any API into
// BullMQ cancellations of the jobs this process runs, and the orphaned blobs' sweep every
// BLOB_SWEEP_SECONDS.
import { fileURLToPath } from 'node:url';
import { WaitingChildrenError, Worker } from 'bullmq';
import { defaultTenant, loadConfigOrExit } from '../src/config.js';
import { handoffReason } from '../src/jobs/kind.js';
import { createLifecycle } from '../src/jobs/lifecycle.js';
import { afterTrial, reconcileSweep, type SweepRunDeps } from '../src/jobs/sweep-runs.js';
import { createLogger } from '../src/log.js';
import {
  createTrainingQueue,
  type DatasetJob,
  datasetQueueName,
  queueName,
  type SweepJob,
  sweepQueueName,
} from '../src/queue.js';
import type { JobError, JobPayload } from '../src/spec/index.js';
import { startBlobSweeps } from '../src/store/blob-sweep.js';
import { lazyBlobStore } from '../src/store/blobs/index.js';
import {
  blobKeysFor,
  bullConnection,
  channelsFor,
  connectRedis,
  storesByTenant,
} from '../src/store/index.js';
import { enableRelaxedSimd } from '../src/wasm-features.js';
import { createNotify, createWebhookQueueFor, createWebhookWorker } from '../src/webhooks.js';

const config = loadConfigOrExit();
enableRelaxedSimd(config.wasmRelaxedSimd); // before any training thread compiles the kernels
const log = createLogger(config.logLevel, 'worker');
const redis = connectRedis(config);
const subscriber = connectRedis(config);
const blobs = lazyBlobStore(config);
const storesFor = storesByTenant(redis, config.keyPrefix, {
  finishedTtlSeconds: config.finishedJobTtlSeconds,
  maxJobEvents: config.maxJobEvents,
  storageQuotaBytes: config.maxTenantStorageBytes,
  blobs,
});
const stopBlobSweeps = startBlobSweeps({
  blobs,
  redis,
  keys: blobKeysFor(config.keyPrefix),
  everySeconds: config.blobSweepSeconds,
  log,
});

const worker = new Worker<JobPayload>(
  queueName,
  fileURLToPath(new URL('./processor.js', import.meta.url)),
  {
    connection: bullConnection(config),
    prefix: config.keyPrefix,
    concurrency: config.workerConcurrency,
    lockDuration: config.workerLockMs,
    // a job whose worker died is found within one lock period and taken up again (from its
    // checkpoint), up to WORKER_MAX_STALLED times
    stalledInterval: config.workerLockMs,
    maxStalledCount: config.workerMaxStalled,
    useWorkerThreads: true,
  },
);

// big dataset uploads (issue 16), read one at a time beside training, each in a thread of its own
const datasetWorker = new Worker<DatasetJob>(
  datasetQueueName,
  fileURLToPath(new URL('./dataset-processor.js', import.meta.url)),
  {
    connection: bullConnection(config),
    prefix: config.keyPrefix,
    concurrency: 1,
    lockDuration: config.workerLockMs,
    stalledInterval: config.workerLockMs,
    maxStalledCount: config.workerMaxStalled,
    useWorkerThreads: true,
  },
);
datasetWorker.on('error', (err) => log.error({ err }, 'dataset worker error'));
datasetWorker.on('completed', (job, outcome) =>
  log.info({ datasetId: job.data.datasetId, outcome }, 'dataset read'),
);
// the last try failed (not the upload's fault: that is `failed` already, with its reason)
datasetWorker.on('failed', async (job, err) => {
  if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
  log.error({ err, datasetId: job.data.datasetId }, 'could not read a dataset');
  const message = `a worker could not read the upload (${err.message}): upload it again`;
  await storesFor(job.data.tenant)
    .datasets.fail(job.data.datasetId, { message })
    .catch((e: unknown) => log.error({ err: e }, 'could not record the failure'));
});

// webhook deliveries (queued by the API and by training threads) go out from here, beside
// training but never in its way
const webhookQueue = createWebhookQueueFor(config);
webhookQueue.on('error', (err) => log.debug({ err }, 'webhook queue connection error'));
const notify = createNotify(webhookQueue, log);
const deliverer = createWebhookWorker(
  bullConnection(config),
  config.keyPrefix,
  (tenant) => config.webhookSecrets.get(tenant),
  log,
  { allowPrivate: config.webhookAllowPrivate },
);

// sweeps (issue 17): a trial's end starts the next trials at once; the sweep's parent job, run
// when all its children have finished, catches what a dead process did not tell, and ends it
const trainingQueue = createTrainingQueue(config);
trainingQueue.on('error', (err) => log.debug({ err }, 'training queue connection error'));
const sweepDeps: SweepRunDeps = { config, queue: trainingQueue, notify };
const trialEnded = (job: { data: JobPayload }) => {
  if (!('sweep' in job.data.spec) || !job.data.spec.sweep) return;
  const stores = storesFor(job.data.tenant ?? defaultTenant);
  afterTrial(sweepDeps, stores, job.data.jobId).catch((err: unknown) =>
    log.error({ err, jobId: job.data.jobId }, "could not record a sweep trial's end"),
  );
};
/** Rounds a sweep's parent job makes before BullMQ tries it again later (a trial in limbo). */
const sweepRounds = 50;
const sweepWorker = new Worker<SweepJob>(
  sweepQueueName,
  async (job, token) => {
    const stores = storesFor(job.data.tenant);
    for (let round = 0; round < sweepRounds; round++) {
      if ((await reconcileSweep(sweepDeps, stores, job.data.sweepId)) === 'ended') return 'ended';
      if (await job.moveToWaitingChildren(token!)) throw new WaitingChildrenError();
      await new Promise((r) => setTimeout(r, 200)); // its trials all finished meanwhile
    }
    throw new Error(`sweep ${job.data.sweepId}: its trials are neither running nor done`);
  },
  { connection: bullConnection(config), prefix: config.keyPrefix, concurrency: 8 },
);
sweepWorker.on('error', (err) => log.error({ err }, 'sweep worker error'));

worker.on('ready', () => log.info({ concurrency: config.workerConcurrency }, 'worker ready'));
// every kind of job (training, batch predictions) logs its kind
const kindOfJob = (job: { data: { kind?: string } }) => job.data.kind ?? 'training';
worker.on('active', (job) => log.info({ jobId: job.id, kind: kindOfJob(job) }, 'job started'));
worker.on('completed', (job, outcome) => {
  log.info({ jobId: job.id, kind: kindOfJob(job), outcome }, 'job finished');
  trialEnded(job);
});
worker.on('error', (err) => log.error({ err }, 'worker error'));
// A thread that died or threw: make sure the job's own record says so.
worker.on('failed', async (job, err) => {
  if (!job) return;
  // a try that BullMQ will make again is not the job's end
  if (job.attemptsMade < (job.opts.attempts ?? 1) && err.name !== 'UnrecoverableError') return;
  log.error({ err, jobId: job.id }, 'training failed');
  const error: JobError = {
    code: 'internal',
    message: `training stopped by an internal error: ${err.message}`,
  };
  try {
    const tenant = job.data.tenant ?? defaultTenant;
    const lifecycle = createLifecycle(storesFor(tenant), notify);
    await lifecycle.fail({ ...job.data, tenant }, ['queued', 'running'], error);
  } catch (e) {
    log.error({ err: e, jobId: job.id }, 'could not record the failure');
  }
  trialEnded(job);
});

await subscriber.subscribe(channelsFor(config.keyPrefix).cancelChannel);
subscriber.on('message', (_channel, jobId: string) => {
  if (worker.cancelJob(jobId, 'cancelled by request')) log.info({ jobId }, 'cancelling');
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  log.info({ signal }, 'worker shutting down');
  // take no more jobs; the running ones save a checkpoint at their next batch boundary and go
  // back on the queue for another worker, then close() resolves
  const closed = Promise.all([worker.close(), datasetWorker.close(), sweepWorker.close()]);
  worker.cancelAllJobs(handoffReason);
  await closed;
  await Promise.all([
    deliverer.close(),
    webhookQueue.close(),
    trainingQueue.close(),
    stopBlobSweeps(),
  ]);
  await blobs.close();
  subscriber.disconnect();
  await redis.quit();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
