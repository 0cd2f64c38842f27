// A sweep run in this process against real Redis and real BullMQ queues, with no Worker: its
// trials' jobs are started by index at most `parallel` at once and only once however often the
// start is asked for (a crashed step made again); each trial's try (jobs/run.ts) trains it, its
// end is recorded once; the sweep finishes once with its best model registered once, even when
// several processes finish it together; and a sweep past the tenant's queued cap is refused.
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { RunOptions } from '../../src/jobs/kind.js';
import { runJob } from '../../src/jobs/run.js';
import { afterTrial, finishSweep, launchWindow } from '../../src/jobs/sweep-runs.js';
import { submitSweep } from '../../src/jobs/sweeps.js';
import { queueName, sweepQueueName } from '../../src/queue.js';
import { type JobPayload, sweepSchema } from '../../src/spec/index.js';
import { bullConnection, createStores } from '../../src/store/index.js';
import { scratchRedis } from '../helpers/store.js';
import { irisSweep } from '../helpers/sweeps.js';

const { redis, prefix } = scratchRedis();
const config = loadConfig({ KEY_PREFIX: prefix });
const queue = new Queue<JobPayload>(queueName, { connection: bullConnection(config), prefix });
const sweepQueue = new Queue(sweepQueueName, { connection: bullConnection(config), prefix });
afterAll(async () => {
  await queue.close();
  await sweepQueue.close();
});
const notify = async () => {};
const deps = { config, queue, notify };
const options: RunOptions = {
  config,
  checkpointMs: 60_000,
  maxJobSeconds: 0,
  maxDatasetCells: 1_000_000,
  maxRunningJobs: 0,
  webhookEpochIntervalMs: 0,
  historyPoints: 100,
  notify,
};

describe('a sweep run step by step', () => {
  it('starts each trial once, records each end once, and registers one best model', async () => {
    const stores = createStores(redis, prefix, 'acme');
    const body = sweepSchema.parse(irisSweep({ model: { name: 'once', alias: 'best' } }));
    const sweep = await submitSweep({ config, sweepQueue }, stores, body);
    // the first window, asked for three times: two jobs, each queued once
    const started = await Promise.all([1, 2, 3].map(() => launchWindow(deps, stores, sweep.id)));
    expect(started.flat().sort()).toEqual([0, 1]);
    expect(await queue.count()).toBe(2);
    const ran = new Set<string>();
    for (;;) {
      const view = (await stores.sweeps.get(sweep.id))!;
      const next = view.trials.filter((t) => t.status === 'queued');
      if (next.length === 0) break;
      for (const t of next) {
        const record = (await stores.jobs.get(t.jobId))!;
        const payload = { jobId: t.jobId, tenant: 'acme', spec: record.spec };
        await runJob(stores, payload, options);
        ran.add(t.jobId);
        // told twice (a retried hook): counted once; the window moves on by one
        await afterTrial(deps, stores, t.jobId);
        await afterTrial(deps, stores, t.jobId);
      }
    }
    const view = (await stores.sweeps.get(sweep.id))!;
    expect(ran.size).toBe(6);
    expect(view.counts.succeeded + view.counts.pruned).toBe(6);
    expect(view.trials.every((t) => t.status === 'succeeded' || t.status === 'pruned')).toBe(true);
    // the last afterTrial finished it; three more finishers change nothing
    await Promise.all([1, 2, 3].map(() => finishSweep(stores, sweep.id)));
    const done = (await stores.sweeps.get(sweep.id))!;
    expect(done.status).toBe('succeeded');
    expect(done.model).toMatchObject({ name: 'once', version: 1, alias: 'best' });
    const name = await stores.models.name('once');
    expect(name?.versions).toHaveLength(1);
    expect(name?.aliases).toEqual({ best: 1 });
  }, 120_000);

  it('refuses a sweep that would queue past MAX_TENANT_QUEUED_JOBS, keeping nothing', async () => {
    const stores = createStores(redis, prefix, 'capped');
    const capped = { ...config, maxTenantQueuedJobs: 3 };
    const body = sweepSchema.parse(irisSweep({ parallel: 4 }));
    await expect(submitSweep({ config: capped, sweepQueue }, stores, body)).rejects.toMatchObject({
      status: 429,
      message: expect.stringMatching(/MAX_TENANT_QUEUED_JOBS/),
    });
    expect((await stores.sweeps.list({ limit: 10 })).sweeps).toEqual([]);
  });
});
