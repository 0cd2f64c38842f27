// One try of a job run in this process, with no BullMQ Worker: src/jobs/run.ts against real
// Redis, from queued to each end a try can reach, with the events written and the webhook told.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { RefusedInputError, type RunOptions } from '../../src/jobs/kind.js';
import { createLifecycle } from '../../src/jobs/lifecycle.js';
import { runJob } from '../../src/jobs/run.js';
import {
  type DatasetRef,
  type JobEvent,
  type JobPayload,
  type JobRecord,
  resolveTraining,
} from '../../src/spec/index.js';
import { createStores } from '../../src/store/index.js';
import type { Notify } from '../../src/webhooks.js';
import { scratchRedis } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();
const stores = createStores(redis, prefix, 'acme');

/** What the webhook was told, per job: event types, `status:<status>` for status events. */
const told = new Map<string, string[]>();
const notify: Notify = async ({ jobId }, events) => {
  const named = events.map((e) => (e.type === 'status' ? `status:${e.status}` : e.type));
  told.set(jobId, [...(told.get(jobId) ?? []), ...named]);
};

const options: RunOptions = {
  config: loadConfig({}),
  checkpointMs: 60_000,
  maxJobSeconds: 0,
  maxDatasetCells: 1_000_000,
  maxRunningJobs: 0,
  webhookEpochIntervalMs: 0,
  historyPoints: 100,
  notify,
};

let n = 0;
async function queued(dataset: DatasetRef = { generator: 'xor' }, inputSize = 2) {
  const spec = {
    network: {
      inputSize,
      layers: [
        { units: 4, activation: 'tanh' as const },
        { units: 1, activation: 'sigmoid' as const },
      ],
      divergence: 'binary_cross_entropy' as const,
    },
    dataset,
    training: resolveTraining({ epochs: 3, learningRate: 0.5, seed: 11 }),
    webhook: {
      url: 'https://hooks.example.com/b',
      events: ['status', 'done', 'failed', 'cancelled', 'epoch'],
    },
  } as JobPayload['spec'];
  const job: JobPayload = { jobId: `run${++n}`, tenant: 'acme', spec };
  const record: JobRecord = { id: job.jobId, status: 'queued', spec, createdAt: 'at' };
  await createLifecycle(stores, notify).create(record, 'acme', 0, async () => {});
  return job;
}

async function eventsOf(jobId: string): Promise<JobEvent[]> {
  return (await stores.events.after(jobId)).map((e) => e.event);
}
const typesOf = (events: JobEvent[]) =>
  events.map((e) => (e.type === 'status' ? `status:${e.status}` : e.type));

describe('a try of a job, run in process', () => {
  it('trains a queued job to a saved model: running, three epochs, succeeded and done', async () => {
    const job = await queued();
    const outcome = await runJob(stores, job, options);
    expect(outcome).toEqual({ status: 'succeeded', modelId: expect.any(String) });
    const record = await stores.jobs.get(job.jobId);
    expect(record).toMatchObject({ status: 'succeeded', modelId: outcome.modelId });
    expect(record?.progress).toMatchObject({ epoch: 3, epochs: 3 });
    expect(record?.metrics?.epochs).toBe(3);
    const events = await eventsOf(job.jobId);
    expect(typesOf(events)).toEqual([
      'status:queued',
      'status:running',
      'epoch',
      'epoch',
      'epoch',
      'status:succeeded',
      'done',
    ]);
    expect(told.get(job.jobId)).toEqual(typesOf(events));
    const model = await stores.models.get(outcome.modelId!);
    expect(model?.jobId).toBe(job.jobId);
  });

  it('the same seed trains the same weights twice', async () => {
    const [a, b] = [await queued(), await queued()];
    const ids = [
      (await runJob(stores, a, options)).modelId!,
      (await runJob(stores, b, options)).modelId!,
    ];
    const [ma, mb] = await Promise.all(ids.map((id) => stores.models.get(id)));
    expect(ma?.weights).toEqual(mb?.weights);
  });

  it('a job whose stored dataset is gone fails: dataset_missing, told to its webhook', async () => {
    const job = await queued({ id: 'deleted' });
    expect(await runJob(stores, job, options)).toEqual({ status: 'failed' });
    const record = await stores.jobs.get(job.jobId);
    expect(record?.error?.code).toBe('dataset_missing');
    expect(told.get(job.jobId)).toEqual([
      'status:queued',
      'status:running',
      'status:failed',
      'failed',
    ]);
  });

  it('a job whose input is refused as it runs fails once: invalid_input, never retried', async () => {
    const job = await queued({ builtin: 'nosuch' } as never);
    const attempt = { made: 0, max: 3 };
    await expect(runJob(stores, job, options, undefined, attempt)).rejects.toBeInstanceOf(
      RefusedInputError,
    );
    const record = await stores.jobs.get(job.jobId);
    expect(record).toMatchObject({ status: 'failed', error: { code: 'invalid_input' } });
    expect(typesOf(await eventsOf(job.jobId)).slice(-2)).toEqual(['status:failed', 'failed']);
  });

  it('an internal error is retried (record running, a retrying event) until the last try fails it', async () => {
    // a dataset key of the wrong Redis type: its load fails as a lost connection would
    await redis.set(stores.keys.dataset('broken'), 'not a hash');
    const job = await queued({ id: 'broken' });
    const first = runJob(stores, job, options, undefined, { made: 0, max: 2 });
    await expect(first).rejects.not.toBeInstanceOf(RefusedInputError);
    expect(await stores.jobs.get(job.jobId)).toMatchObject({ status: 'running' });
    expect((await eventsOf(job.jobId)).at(-1)).toMatchObject({
      type: 'retrying',
      attempt: 1,
      attempts: 2,
      error: { code: 'internal' },
    });
    const last = runJob(stores, job, options, undefined, { made: 1, max: 2 });
    await expect(last).rejects.toThrow();
    expect(await stores.jobs.get(job.jobId)).toMatchObject({
      status: 'failed',
      error: { code: 'internal' },
    });
    expect(typesOf(await eventsOf(job.jobId)).slice(-2)).toEqual(['status:failed', 'failed']);
  });

  it('a cancel asked for while it was taken up stops it before it trains', async () => {
    const job = await queued();
    await createLifecycle(stores, notify).start(job, 0);
    await stores.jobs.requestCancel(job.jobId);
    expect(await runJob(stores, job, options)).toEqual({ status: 'cancelled' });
    const events = await eventsOf(job.jobId);
    expect(typesOf(events).slice(-2)).toEqual(['status:cancelled', 'cancelled']);
    expect(events.at(-1)).toMatchObject({ type: 'cancelled', epoch: 0 });
  });

  it('an aborted try (cancelled by request) ends the job cancelled', async () => {
    const job = await queued();
    const signal = AbortSignal.abort('cancelled by request');
    expect(await runJob(stores, job, options, signal)).toEqual({ status: 'cancelled' });
    expect(await stores.jobs.get(job.jobId)).toMatchObject({ status: 'cancelled' });
  });

  it('a tenant at its running cap is throttled: the job stays queued, nothing told', async () => {
    const job = await queued();
    const running = await stores.jobs.count('running');
    const capped = { ...options, maxRunningJobs: Math.max(running, 1) };
    if (running === 0) await createLifecycle(stores, notify).start(await queued(), 0);
    expect(await runJob(stores, job, capped)).toEqual({ status: 'throttled' });
    expect(await stores.jobs.get(job.jobId)).toMatchObject({ status: 'queued' });
    expect(told.get(job.jobId)).toEqual(['status:queued']);
  });

  it('a finished job taken up again is skipped, and its end told again', async () => {
    const job = await queued();
    await runJob(stores, job, options);
    told.delete(job.jobId);
    expect(await runJob(stores, job, options)).toEqual({ status: 'skipped' });
    expect(told.get(job.jobId)).toEqual(['status:succeeded', 'done']);
  });
});
