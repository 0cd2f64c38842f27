// Training jobs over HTTP with no worker running, so every job stays queued: submit with each
// dataset form, read, list newest first in cursor pages, cancel while queued, the event stream of
// a cancelled job, and Idempotency-Key (same body: same job; other body: 422).

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../src/api/problem.js';
import { defaultTenant } from '../../src/config.js';
import { idPattern } from '../../src/ids.js';
import { connectRedis, createStores, type Stores } from '../../src/store/index.js';
import { startService, type TestService } from '../helpers/service.js';

let service: TestService;
let redis: Redis;
let stores: Stores;
beforeAll(async () => {
  service = await startService();
  redis = connectRedis(service.config.redisUrl);
  stores = createStores(redis, service.config.keyPrefix, defaultTenant, {
    blobs: service.app.services.blobs,
  });
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const xorJob = (training: object = {}) => ({
  network: {
    inputSize: 2,
    layers: [
      { units: 4, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    divergence: 'binary_cross_entropy',
  },
  dataset: { generator: 'xor', samples: 16, seed: 3 },
  training,
});

const irisJob = {
  network: {
    inputSize: 4,
    layers: [
      { units: 8, activation: 'relu' },
      { units: 3, activation: 'softmax' },
    ],
    divergence: 'cross_entropy',
  },
  dataset: { builtin: 'iris', subset: 'train' },
  training: { epochs: 20, optimizer: 'adam', seed: 7 },
};

const inject = (method: 'GET' | 'POST', url: string, body?: unknown, headers = {}) =>
  service.app.inject({
    method,
    url,
    headers,
    ...(body === undefined ? {} : { payload: body as object }),
  });

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json<T>(): T },
  status: number,
) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Problem>();
  expect(body.status).toBe(status);
  expect(body.detail).toMatch(/\w+ \w+/);
  return body;
}

async function submit(body: unknown, headers = {}) {
  const res = await inject('POST', '/v1/jobs', body, headers);
  expect(res.statusCode, res.body).toBe(202);
  return res.json();
}

const keysOf = async (kind: string) =>
  (await redis.keys(`${service.config.keyPrefix}:tenant:default:${kind}:*`)).filter(
    (k) => !k.endsWith(':events'),
  );

describe('POST /v1/jobs', () => {
  it('queues a job: 202, location, resolved training with the seed, no progress yet', async () => {
    const res = await inject('POST', '/v1/jobs', xorJob({ epochs: 12 }));
    expect(res.statusCode).toBe(202);
    const job = res.json();
    expect(job.id).toMatch(idPattern);
    expect(res.headers.location).toBe(`/v1/jobs/${job.id}`);
    expect(job.status).toBe('queued');
    expect(job.spec.network).toEqual(xorJob().network);
    expect(job.spec.dataset).toEqual({ generator: 'xor', samples: 16, seed: 3 });
    expect(job.spec.training).toMatchObject({
      epochs: 12,
      batchSize: 'full',
      learningRate: 0.1,
      optimizer: 'sgd',
      momentum: 0.9,
      tolerance: 1e-7,
      patience: 10,
      validationSplit: 0,
      standardize: true,
      threads: 1,
    });
    expect(Number.isInteger(job.seed)).toBe(true);
    expect(job.spec.training.seed).toBe(job.seed);
    expect(job.progress).toEqual({ epoch: 0, epochs: 12, error: null });
    expect(job.metrics).toBeUndefined();
    expect(job.modelId).toBeUndefined();

    // recorded, and on the training queue with the spec it carries
    expect((await stores.jobs.get(job.id))!.status).toBe('queued');
    const queued = await service.app.services.queue.getJob(job.id);
    expect(queued?.data).toEqual({ jobId: job.id, tenant: 'default', spec: job.spec });
  });

  it('adam defaults to learning rate 0.01 and a given seed is kept', async () => {
    const job = await submit(irisJob);
    expect(job.spec.training).toMatchObject({ optimizer: 'adam', learningRate: 0.01, seed: 7 });
    expect(job.seed).toBe(7);
    expect(job.spec.dataset).toEqual({ builtin: 'iris', subset: 'train' });
  });

  it('a job asking for more threads than the service allows is 400, naming the limit', async () => {
    const max = service.config.maxJobThreads;
    const before = (await keysOf('job')).length;
    const res = await inject('POST', '/v1/jobs', xorJob({ threads: max + 1 }));
    const body = expectProblem(res, 400);
    expect(JSON.stringify(body)).toContain('training.threads');
    expect(body.detail).toContain(`at most ${max} (MAX_JOB_THREADS)`);
    expect(await keysOf('job')).toHaveLength(before);
  });

  it('trains on an uploaded dataset by id', async () => {
    const upload = await service.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      payload: { inputs: [[0], [1], [2], [3]], targets: [[0], [2], [4], [6]] },
    });
    const { id } = upload.json();
    const job = await submit({
      network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: { id },
    });
    expect(job.spec.dataset).toEqual({ id });
  });

  it('stores inline rows as a dataset and queues the job with a reference to it', async () => {
    const before = await keysOf('dataset');
    const job = await submit({
      network: {
        inputSize: 2,
        layers: [{ units: 2, activation: 'softmax' }],
        divergence: 'cross_entropy',
      },
      dataset: {
        inputs: [
          [0, 1],
          [1, 0],
          [1, 1],
        ],
        labels: ['no', 'yes', 'no'],
      },
    });
    const after = await keysOf('dataset');
    expect(after).toHaveLength(before.length + 1);
    expect(Object.keys(job.spec.dataset)).toEqual(['id']);
    const meta = await stores.datasets.meta(job.spec.dataset.id);
    expect(meta).toMatchObject({ rows: 3, features: 2, outputs: 2, classes: ['no', 'yes'] });
    const queued = await service.app.services.queue.getJob(job.id);
    expect(queued?.data.spec.dataset).toEqual({ id: job.spec.dataset.id }); // no rows on the queue
  });
});

describe('GET /v1/jobs/:id', () => {
  it('answers the same view as the submission', async () => {
    const job = await submit(xorJob({ seed: 11 }));
    const res = await inject('GET', `/v1/jobs/${job.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(job);
  });
});

describe('GET /v1/jobs', () => {
  it('lists newest first and pages with nextCursor until null', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await submit(xorJob({ seed: i }))).id);
    const all = await inject('GET', '/v1/jobs?limit=100');
    expect(all.statusCode).toBe(200);
    const listed: string[] = all.json().jobs.map((j: { id: string }) => j.id);
    expect(all.json().nextCursor).toBeNull();
    expect(listed).toEqual([...listed].sort().reverse()); // ids sort by creation time
    for (const id of ids) expect(listed).toContain(id);
    const created = all.json().jobs.map((j: { createdAt: string }) => Date.parse(j.createdAt));
    for (let i = 1; i < created.length; i++) expect(created[i]).toBeLessThanOrEqual(created[i - 1]);

    // pages of 2: together exactly the full list, each cursor the last id of its page
    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await inject('GET', url)).json();
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      paged.push(...page.jobs.map((j: { id: string }) => j.id));
      cursor = page.nextCursor;
      if (cursor) expect(cursor).toBe(paged[paged.length - 1]);
      pages++;
    } while (cursor && pages < 100);
    expect(paged).toEqual(listed);
    expect(pages).toBe(Math.ceil(listed.length / 2));
  });

  it('defaults to 20 a page and filters by status', async () => {
    while ((await stores.jobs.list({ limit: 100 })).jobs.length <= 20) await submit(xorJob());
    const first = (await inject('GET', '/v1/jobs')).json();
    expect(first.jobs).toHaveLength(20);
    expect(first.nextCursor).toBe(first.jobs[19].id);

    const cancelled = await submit(xorJob());
    await inject('POST', `/v1/jobs/${cancelled.id}/cancel`);
    const onlyCancelled = (await inject('GET', '/v1/jobs?status=cancelled&limit=100')).json();
    expect(onlyCancelled.jobs.map((j: { id: string }) => j.id)).toContain(cancelled.id);
    for (const j of onlyCancelled.jobs) expect(j.status).toBe('cancelled');
    const onlyQueued = (await inject('GET', '/v1/jobs?status=queued&limit=100')).json();
    expect(onlyQueued.jobs.map((j: { id: string }) => j.id)).not.toContain(cancelled.id);
    for (const j of onlyQueued.jobs) expect(j.status).toBe('queued');
    const none = (await inject('GET', '/v1/jobs?status=succeeded')).json();
    expect(none).toEqual({ jobs: [], nextCursor: null });
  });
});

describe('POST /v1/jobs/:id/cancel', () => {
  it('cancels a queued job at once and takes it off the queue; a second cancel is 409', async () => {
    const job = await submit(xorJob());
    const res = await inject('POST', `/v1/jobs/${job.id}/cancel`);
    expect(res.statusCode).toBe(200);
    const view = res.json();
    expect(view.status).toBe('cancelled');
    expect(Number.isNaN(Date.parse(view.finishedAt))).toBe(false);
    expect(await service.app.services.queue.getJob(job.id)).toBeUndefined();
    expect((await inject('GET', `/v1/jobs/${job.id}`)).json().status).toBe('cancelled');

    const again = expectProblem(await inject('POST', `/v1/jobs/${job.id}/cancel`), 409);
    expect(again.detail).toContain('cancelled');
    expect((await stores.jobs.get(job.id))!.status).toBe('cancelled');
  });

  it("a finished job's record and event stream expire after FINISHED_JOB_TTL_SECONDS", async () => {
    const job = await submit(xorJob());
    const events = stores.keys.jobEvents(job.id);
    expect(await redis.ttl(events)).toBe(-1); // kept while the job lives
    const queued = await service.app.services.queue.getJob(job.id);
    expect(queued?.opts.removeOnComplete).toMatchObject({
      age: service.config.finishedJobTtlSeconds,
    });
    expect(queued?.opts.removeOnFail).toMatchObject({ age: service.config.finishedJobTtlSeconds });
    await inject('POST', `/v1/jobs/${job.id}/cancel`);
    const ttl = await redis.ttl(events);
    expect(ttl).toBeGreaterThan(service.config.finishedJobTtlSeconds - 60);
    expect(ttl).toBeLessThanOrEqual(service.config.finishedJobTtlSeconds);
    const recordTtl = await redis.ttl(stores.keys.job(job.id));
    expect(recordTtl).toBeGreaterThan(service.config.finishedJobTtlSeconds - 60);
    expect(recordTtl).toBeLessThanOrEqual(service.config.finishedJobTtlSeconds);
  });

  it('takes the empty body some clients send with content-type application/json', async () => {
    const job = await submit(xorJob());
    const res = await service.app.inject({
      method: 'POST',
      url: `/v1/jobs/${job.id}/cancel`,
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('cancelled');
  });

  it('an unknown job is 404', async () => {
    const body = expectProblem(await inject('POST', '/v1/jobs/01NOPE/cancel'), 404);
    expect(body.detail).toContain('01NOPE');
  });
});

describe('GET /v1/jobs/:id/events', () => {
  it("streams a cancelled job's history and ends; Last-Event-ID resumes after it", async () => {
    const job = await submit(xorJob());
    await inject('POST', `/v1/jobs/${job.id}/cancel`);
    const res = await inject('GET', `/v1/jobs/${job.id}/events`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const frames = res.body
      .split('\n\n')
      .filter((f) => f.startsWith('id: '))
      .map((f) => {
        const [id, event, data] = f.split('\n').map((l) => l.slice(l.indexOf(': ') + 2));
        return { id: id!, event: event!, data: JSON.parse(data!) };
      });
    expect(frames.map((f) => f.event)).toEqual(['status', 'status', 'cancelled']);
    expect(frames.map((f) => f.data.status ?? f.data.type)).toEqual([
      'queued',
      'cancelled',
      'cancelled',
    ]);

    const resumed = await inject('GET', `/v1/jobs/${job.id}/events`, undefined, {
      'last-event-id': frames[0]!.id,
    });
    expect(resumed.body).not.toContain(`id: ${frames[0]!.id}\n`);
    expect(resumed.body).toContain(`id: ${frames[1]!.id}\n`);
    expect(resumed.body).toContain(`id: ${frames[2]!.id}\n`);
    const byQuery = await inject('GET', `/v1/jobs/${job.id}/events?lastEventId=${frames[1]!.id}`);
    expect(byQuery.body).not.toContain(`id: ${frames[1]!.id}\n`);
    expect(byQuery.body).toContain(`id: ${frames[2]!.id}\n`);
  });
});

describe('Idempotency-Key', () => {
  it('same key and body: the same job (202 then 200), and only one job exists', async () => {
    const key = `retry-${Date.now()}`;
    const jobsBefore = await keysOf('job');
    const first = await inject('POST', '/v1/jobs', irisJob, { 'idempotency-key': key });
    expect(first.statusCode).toBe(202);
    const second = await inject('POST', '/v1/jobs', irisJob, { 'idempotency-key': key });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual(first.json());
    expect(second.headers.location).toBe(`/v1/jobs/${first.json().id}`);
    // the same body with its keys in another order is the same request
    const reordered = {
      training: irisJob.training,
      dataset: irisJob.dataset,
      network: irisJob.network,
    };
    const third = await inject('POST', '/v1/jobs', reordered, { 'idempotency-key': key });
    expect(third.statusCode).toBe(200);
    expect(third.json().id).toBe(first.json().id);
    expect(await keysOf('job')).toHaveLength(jobsBefore.length + 1);
  });

  it('the answer to a retry shows the job as it is now', async () => {
    const key = `now-${Date.now()}`;
    const first = (await inject('POST', '/v1/jobs', xorJob(), { 'idempotency-key': key })).json();
    await inject('POST', `/v1/jobs/${first.id}/cancel`);
    const retry = await inject('POST', '/v1/jobs', xorJob(), { 'idempotency-key': key });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ id: first.id, status: 'cancelled' });
  });

  it('same key with another body: 422, and nothing new is stored', async () => {
    const key = `mismatch-${Date.now()}`;
    const inline = (labels: number[]) => ({
      network: {
        inputSize: 1,
        layers: [{ units: 2, activation: 'softmax' }],
        divergence: 'cross_entropy',
      },
      dataset: { inputs: [[0], [1]], labels },
    });
    const first = await inject('POST', '/v1/jobs', inline([0, 1]), { 'idempotency-key': key });
    expect(first.statusCode).toBe(202);
    const jobs = await keysOf('job');
    const datasets = await keysOf('dataset');
    const other = await inject('POST', '/v1/jobs', inline([1, 0]), { 'idempotency-key': key });
    const problem = expectProblem(other, 422);
    expect(problem.detail).toContain(key);
    expect(problem.detail).toMatch(/new key/);
    expect(await keysOf('job')).toEqual(jobs);
    expect(await keysOf('dataset')).toEqual(datasets); // no orphan inline dataset
    // a retry of the first body still finds the first job, without storing its rows again
    const retry = await inject('POST', '/v1/jobs', inline([0, 1]), { 'idempotency-key': key });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().id).toBe(first.json().id);
    expect(await keysOf('dataset')).toEqual(datasets);
  });

  it('different keys make different jobs; concurrent retries of one key make one job', async () => {
    const a = await submit(xorJob(), { 'idempotency-key': `a-${Date.now()}` });
    const b = await submit(xorJob(), { 'idempotency-key': `b-${Date.now()}` });
    expect(a.id).not.toBe(b.id);

    const key = `race-${Date.now()}`;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        inject('POST', '/v1/jobs', irisJob, { 'idempotency-key': key }),
      ),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 202]);
    expect(new Set(answers.map((r) => r.json().id)).size).toBe(1);
  });
});
