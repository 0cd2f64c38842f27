// Every state change through src/jobs/lifecycle.ts, against real Redis: each move writes its
// events and queues its webhook deliveries (the real webhook queue, under this suite's prefix),
// and a move refused (wrong status, capped, fenced out) writes and tells nothing. The `failed`
// moves are here from both places that make them: a try that fails, and a job that never ran.
import { afterAll, describe, expect, it } from 'vitest';
import { createLifecycle, type JobRef } from '../../src/jobs/lifecycle.js';
import { type JobRecord, resolveTraining } from '../../src/spec/index.js';
import { createStores } from '../../src/store/index.js';
import { createNotify, createWebhookQueue } from '../../src/webhooks.js';
import { scratchRedis } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();
const webhooks = createWebhookQueue({ host: '127.0.0.1', port: 6379 }, prefix, {
  attempts: 1,
  backoffMs: 10,
  timeoutMs: 1000,
  keepSeconds: 60,
});
afterAll(() => webhooks.close());

const silent = { error: () => {} };
const stores = createStores(redis, prefix, 'acme');
const lifecycle = createLifecycle(stores, createNotify(webhooks, silent));

const spec = {
  network: {
    inputSize: 2,
    layers: [{ units: 1, activation: 'sigmoid' as const }],
    divergence: 'binary_cross_entropy' as const,
  },
  dataset: { generator: 'xor' as const },
  training: resolveTraining({ epochs: 5, seed: 3 }),
  webhook: {
    url: 'https://hooks.example.com/backprop',
    events: ['status', 'done', 'failed', 'cancelled', 'epoch'] as ('status' | 'done')[],
  },
};
const metrics = {
  epochs: 5,
  stopReason: 'max_epochs',
  stopMessage: 'trained 5 epochs',
  trainRows: 4,
  validationRows: 0,
  durationMs: 12,
};

let n = 0;
/** A new queued job of this suite, created through the lifecycle. */
async function queuedJob(): Promise<JobRef> {
  const jobId = `job${++n}`;
  const record: JobRecord = { id: jobId, status: 'queued', spec, createdAt: 'at' };
  expect(await lifecycle.create(record, 'acme', 0, async () => {})).toBe('ok');
  return { jobId, tenant: 'acme', spec };
}

async function runningJob(): Promise<{ job: JobRef; fence: string }> {
  const job = await queuedJob();
  expect(await lifecycle.start(job, 0)).toBe('ok');
  const claim = await stores.jobs.claim(job.jobId);
  return { job, fence: claim!.fence };
}

/** The job's events, as `type` or `status:<status>`. */
async function eventsOf(jobId: string): Promise<string[]> {
  const stored = await stores.events.after(jobId);
  return stored.map(({ event: e }) => (e.type === 'status' ? `status:${e.status}` : e.type));
}

/** The webhook deliveries queued for the job: what each says, sorted. */
async function deliveriesOf(jobId: string): Promise<string[]> {
  const jobs = await webhooks.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
  return jobs
    .filter((j) => j.id?.startsWith(`msg_${jobId}_`))
    .map((j) => {
      const body = JSON.parse(j.data.body) as { type: string; data: { status?: string } };
      return body.data.status ? `${body.type}:${body.data.status}` : body.type;
    })
    .sort();
}

const statusOf = async (jobId: string) => (await stores.jobs.get(jobId))?.status;

describe('each move of a job, with its events and its webhook', () => {
  it('created: queued, told only once it is on the queue', async () => {
    const job = await queuedJob();
    expect(await statusOf(job.jobId)).toBe('queued');
    expect(await eventsOf(job.jobId)).toEqual(['status:queued']);
    expect(await deliveriesOf(job.jobId)).toEqual(['job.status:queued']);

    const record: JobRecord = { id: 'refused', status: 'queued', spec, createdAt: 'at' };
    const enqueue = () => Promise.reject(new Error('queue down'));
    await expect(lifecycle.create(record, 'acme', 0, enqueue)).rejects.toThrow('queue down');
    expect(await deliveriesOf('refused')).toEqual([]);
    expect(await lifecycle.create({ ...record, id: job.jobId }, 'acme', 0, enqueue)).toBe('exists');
  });

  it('started: running; a tenant at its cap is refused with nothing written', async () => {
    const { job } = await runningJob();
    expect(await statusOf(job.jobId)).toBe('running');
    expect(await eventsOf(job.jobId)).toEqual(['status:queued', 'status:running']);
    expect(await deliveriesOf(job.jobId)).toEqual(['job.status:queued', 'job.status:running']);

    const capped = await queuedJob();
    const running = await stores.jobs.count('running');
    expect(await lifecycle.start(capped, running)).toBe('full');
    expect(await eventsOf(capped.jobId)).toEqual(['status:queued']);
    expect(await deliveriesOf(capped.jobId)).toEqual(['job.status:queued']);
  });

  it('succeeded: done with its model and metrics', async () => {
    const { job, fence } = await runningJob();
    expect(await lifecycle.succeed(job, fence, 'model1', metrics)).toBe('ok');
    const record = await stores.jobs.get(job.jobId);
    expect(record).toMatchObject({ status: 'succeeded', modelId: 'model1', metrics });
    expect((await eventsOf(job.jobId)).slice(2)).toEqual(['status:succeeded', 'done']);
    expect(await deliveriesOf(job.jobId)).toEqual([
      'job.done',
      'job.status:queued',
      'job.status:running',
      'job.status:succeeded',
    ]);
  });

  it('failed while running (a try that fails): its status event, failed event and webhooks', async () => {
    const { job, fence } = await runningJob();
    const error = { code: 'diverged' as const, message: 'the error became NaN at epoch 3' };
    expect(await lifecycle.fail(job, ['running'], error, fence)).toBe('ok');
    expect(await stores.jobs.get(job.jobId)).toMatchObject({ status: 'failed', error });
    expect((await eventsOf(job.jobId)).slice(2)).toEqual(['status:failed', 'failed']);
    expect(await deliveriesOf(job.jobId)).toEqual([
      'job.failed',
      'job.status:failed',
      'job.status:queued',
      'job.status:running',
    ]);
  });

  it('failed before it ran (the path that once wrote no status event and no webhook)', async () => {
    const job = await queuedJob();
    const error = { code: 'internal' as const, message: 'training stopped by an internal error' };
    expect(await lifecycle.fail(job, ['queued', 'running'], error)).toBe('ok');
    expect(await statusOf(job.jobId)).toBe('failed');
    expect(await eventsOf(job.jobId)).toEqual(['status:queued', 'status:failed', 'failed']);
    expect(await deliveriesOf(job.jobId)).toEqual([
      'job.failed',
      'job.status:failed',
      'job.status:queued',
    ]);
  });

  it('cancelled while queued: read once after the move, for its webhook and the answer', async () => {
    const job = await queuedJob();
    const { outcome, record } = await lifecycle.cancelQueued(job.jobId, 'acme');
    expect(outcome).toBe('ok');
    expect(record).toMatchObject({ id: job.jobId, status: 'cancelled' });
    expect(await eventsOf(job.jobId)).toEqual(['status:queued', 'status:cancelled', 'cancelled']);
    expect(await deliveriesOf(job.jobId)).toEqual([
      'job.cancelled',
      'job.status:cancelled',
      'job.status:queued',
    ]);
    expect(await lifecycle.cancelQueued(job.jobId, 'acme')).toEqual({
      outcome: 'cancelled',
      record: null,
    });
    expect(await lifecycle.cancelQueued('nosuchjob', 'acme')).toEqual({
      outcome: 'missing',
      record: null,
    });
  });

  it('cancelled while running: asked for (flag and message), then stopped by its try', async () => {
    const { job, fence } = await runningJob();
    const heard: string[] = [];
    const listener = redis.duplicate();
    await listener.subscribe(stores.keys.cancelChannel);
    listener.on('message', (_channel, id: string) => heard.push(id));
    await lifecycle.requestCancel(job.jobId);
    await expect.poll(() => heard).toEqual([job.jobId]);
    await listener.quit();
    expect(await stores.jobs.get(job.jobId)).toMatchObject({ cancelRequested: true });
    expect((await lifecycle.cancelQueued(job.jobId, 'acme')).outcome).toBe('running');

    expect(await lifecycle.cancel(job, ['running'], 2, fence)).toBe('ok');
    const stored = await stores.events.after(job.jobId);
    expect(stored.at(-1)?.event).toMatchObject({ type: 'cancelled', epoch: 2 });
    expect(await deliveriesOf(job.jobId)).toEqual([
      'job.cancelled',
      'job.status:cancelled',
      'job.status:queued',
      'job.status:running',
    ]);
  });

  it('a try fenced out (another took the job over) moves nothing and tells nothing', async () => {
    const { job, fence } = await runningJob();
    await stores.jobs.claim(job.jobId); // a second try takes the job: the first fence is stale
    const error = { code: 'internal' as const, message: 'late' };
    expect(await lifecycle.fail(job, ['running'], error, fence)).toBe('fenced');
    expect(await lifecycle.cancel(job, ['running'], 1, fence)).toBe('fenced');
    expect(await lifecycle.succeed(job, fence, 'm', metrics)).toBe('fenced');
    expect(await statusOf(job.jobId)).toBe('running');
    expect(await eventsOf(job.jobId)).toEqual(['status:queued', 'status:running']);
    expect(await deliveriesOf(job.jobId)).toEqual(['job.status:queued', 'job.status:running']);
  });

  it('epochs: event and progress in one step, the webhook only when told to', async () => {
    const { job, fence } = await runningJob();
    const report = { epoch: 1, error: 0.5, learningRate: 0.1, elapsedMs: 3, samplesPerSecond: 9 };
    const epoch = { type: 'epoch' as const, ...report };
    expect(await lifecycle.epoch(job, epoch, 5, 0.003, fence, true)).toBe('ok');
    expect(await lifecycle.epoch(job, { ...epoch, epoch: 2 }, 5, 0.003, fence, false)).toBe('ok');
    expect((await stores.jobs.get(job.jobId))?.progress).toEqual({
      epoch: 2,
      epochs: 5,
      error: 0.5,
    });
    expect((await eventsOf(job.jobId)).slice(2)).toEqual(['epoch', 'epoch']);
    expect(await deliveriesOf(job.jobId)).toContain('job.epoch');
    expect((await deliveriesOf(job.jobId)).filter((d) => d === 'job.epoch')).toHaveLength(1);
  });

  it('resumed and retrying: events of the stream only, fenced like every write of a try', async () => {
    const { job, fence } = await runningJob();
    const error = { code: 'internal' as const, message: 'Redis went away' };
    await lifecycle.retrying(job, fence, 1, 3, error);
    await lifecycle.resumed(job, fence, 4, 2, 2);
    const stored = (await stores.events.after(job.jobId)).map((e) => e.event);
    expect(stored.slice(2)).toMatchObject([
      { type: 'retrying', attempt: 1, attempts: 3, error },
      { type: 'resumed', epoch: 4, position: 2, attempt: 2 },
    ]);
    expect(await deliveriesOf(job.jobId)).toEqual(['job.status:queued', 'job.status:running']);
    await stores.jobs.claim(job.jobId);
    expect(await lifecycle.resumed(job, fence, 4, 2)).toBe('fenced');
  });

  it('a finished job taken up again retells its end (the same delivery ids: nothing new)', async () => {
    const { job, fence } = await runningJob();
    await lifecycle.succeed(job, fence, 'model2', metrics);
    const before = await webhooks.getJobCounts();
    await lifecycle.retellFinished(job);
    await lifecycle.retellRunning(job, 'at');
    expect(await webhooks.getJobCounts()).toEqual(before);
  });
});
