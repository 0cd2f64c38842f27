// Workers as deployed: two jobs train at once on two threads of one worker process while that
// process's event loop keeps renewing BullMQ's locks; cancel mid-epoch and while queued;
// Last-Event-ID resumes; a job outlives an API restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow, type Received } from '../helpers/events.js';
import { http, startService, type TestService, waitForJob } from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  // a 1 s lock: a worker whose event loop were blocked by training would lose it mid-job
  service = await startService({ env: { WORKER_LOCK_MS: '1000', WORKER_CONCURRENCY: '2' } });
  await service.startWorker();
});
afterAll(() => service?.stop());

// Spirals big enough that a job of a few dozen epochs trains for seconds, even on SIMD kernels.
const slowJob = (epochs: number, seed = 1, samples = 4000) => ({
  network: {
    inputSize: 2,
    layers: [
      { units: 64, activation: 'tanh' },
      { units: 64, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    divergence: 'cross_entropy',
  },
  dataset: { generator: 'spirals', samples, classes: 3 },
  training: { epochs, batchSize: 64, optimizer: 'adam', learningRate: 0.005, seed, tolerance: 0 },
});

async function submit(body: unknown): Promise<string> {
  const r = await http(service, 'POST', '/v1/jobs', body);
  expect(r.status).toBe(202);
  return r.body.id;
}

describe('workers', () => {
  it('trains two jobs at once on two threads, renewing locks throughout', async () => {
    const [a, b] = [await submit(slowJob(40, 1, 20_000)), await submit(slowJob(40, 2, 20_000))];
    // /healthz keeps answering all the while
    let training = true;
    const health: number[] = [];
    const poll = (async () => {
      while (training) {
        health.push((await fetch(`${service.url}/healthz`)).status);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const [ea, eb] = await Promise.all([follow(service, a), follow(service, b)]);
    training = false;
    await poll;
    expect(health.length).toBeGreaterThan(20);
    expect(health.every((s) => s === 200)).toBe(true);
    const ja = await http(service, 'GET', `/v1/jobs/${a}`);
    const jb = await http(service, 'GET', `/v1/jobs/${b}`);
    expect(ja.body.status).toBe('succeeded');
    expect(jb.body.status).toBe('succeeded');
    // both were running at the same time
    const span = (j: any) => [Date.parse(j.startedAt), Date.parse(j.finishedAt)];
    const [sa, fa] = span(ja.body);
    const [sb, fb] = span(jb.body);
    expect(sa! < fb! && sb! < fa!).toBe(true);
    expect(Math.max(fa!, fb!) - Math.min(sa!, sb!)).toBeGreaterThan(1000); // longer than the lock
    // never stalled and restarted: each ran once, every epoch reported once
    for (const events of [ea, eb]) {
      expect(events.filter((e) => e.type === 'status' && e.data.status === 'running')).toHaveLength(
        1,
      );
      expect(events.filter((e) => e.type === 'epoch').map((e) => e.data.epoch)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
    }
  });

  it('cancels a running job mid-epoch: the cancel answer already says cancelled', async () => {
    // one full batch of a million rows: its first epoch takes seconds, so a stop must come mid-batch
    const body = slowJob(3, 1, 1_000_000);
    body.training.batchSize = 'full' as unknown as number;
    const id = await submit(body);
    await waitForJob(service, id, (j) => j.status === 'running');
    const cancelled = await http(service, 'POST', `/v1/jobs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const events = await follow(service, id);
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(0);
    const last = events[events.length - 1]!;
    expect(last).toMatchObject({ type: 'cancelled', data: { epoch: 0 } });
    expect((await http(service, 'POST', `/v1/jobs/${id}/cancel`)).status).toBe(409);
  });

  it('a queued job that is cancelled never starts', async () => {
    const running = [await submit(slowJob(30, 3, 20_000)), await submit(slowJob(30, 4, 20_000))]; // both threads busy
    const queued = await submit(slowJob(5, 5));
    const cancelled = await http(service, 'POST', `/v1/jobs/${queued}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    await Promise.all(
      running.map((id) => waitForJob(service, id, (j) => j.status === 'succeeded')),
    );
    await new Promise((r) => setTimeout(r, 300));
    const events = await follow(service, queued);
    expect(events.map((e) => e.type)).toEqual(['status', 'status', 'cancelled']);
    expect(events.map((e) => e.data.status).slice(0, 2)).toEqual(['queued', 'cancelled']);
    expect((await http(service, 'GET', `/v1/jobs/${queued}`)).body.startedAt).toBeUndefined();
  });

  it('resumes after Last-Event-ID with nothing lost or repeated, and replays a finished job', async () => {
    const id = await submit(slowJob(25, 6));
    const first = await follow(service, id, {
      until: (e) => e.type === 'epoch' && e.data.epoch === 5,
    });
    const resumed = await follow(service, id, { lastEventId: first[first.length - 1]!.id });
    const replay = await follow(service, id);
    const joined: Received[] = [...first, ...resumed];
    expect(joined.map((e) => e.id)).toEqual(replay.map((e) => e.id));
    expect(new Set(joined.map((e) => e.id)).size).toBe(joined.length);
    expect(replay.filter((e) => e.type === 'epoch')).toHaveLength(25);
  });

  it('a job survives an API restart: its state and events are in Redis', async () => {
    const id = await submit(slowJob(30, 7, 20_000));
    await waitForJob(service, id, (j) => j.status === 'running');
    await service.restartApi();
    expect((await http(service, 'GET', `/v1/jobs/${id}`)).body.status).toBe('running'); // still training
    const events = await follow(service, id);
    expect(events[events.length - 1]!.type).toBe('done');
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(30);
    const job = await http(service, 'GET', `/v1/jobs/${id}`);
    expect(job.body).toMatchObject({ status: 'succeeded', progress: { epoch: 30 } });
  });
});
