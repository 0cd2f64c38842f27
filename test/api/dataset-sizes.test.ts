// Issue 12, defect 1: 54 KB of CSV whose one class index 9999 made rows × classes one-hot floats
// (540 MB) in the API; sent as JSON rows here, since a CSV with ?label= is a table (issue 14). Labels are stored as class indices, every derived size is checked against
// its limit before anything is allocated, and a worker makes one-hot targets only after the same
// check. The API runs with the default MAX_DATASET_CELLS (1e8); the worker with 1e6.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { withTargets } from '../../src/data/index.js';
import { connectRedis, createStores, type Stores } from '../../src/store/index.js';
import { follow } from '../helpers/events.js';
import { http, startService, type TestService, waitForJob } from '../helpers/service.js';
import { datasetFile } from '../helpers/store.js';

const maxStoredBytes = 100_000;

let service: TestService;
let redis: Redis;
let stores: Stores;
beforeAll(async () => {
  service = await startService({
    env: { MAX_DATASET_STORED_BYTES: String(maxStoredBytes), WORKER_CONCURRENCY: '1' },
  });
  await service.startWorker({ MAX_DATASET_CELLS: '1000000' });
  redis = connectRedis(service.config.redisUrl);
  stores = createStores(redis, service.config.keyPrefix, defaultTenant, {
    blobs: service.app.services.blobs,
  });
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const tenantKeys = async () =>
  (await redis.keys(`${service.config.keyPrefix}:tenant:default:*`)).sort();

/**
 * `rows` rows of one feature, all class 0 but row 6000, which is class index 9999: JSON rows, as
 * a CSV with ?label= is a table now (issue 14), whose classes are the values it holds (2 here).
 */
const oneBigClass = (rows: number) =>
  JSON.stringify({
    inputs: Array.from({ length: rows }, (_, i) => [i % 7]),
    labels: Array.from({ length: rows }, (_, i) => (i === 6000 ? 9999 : 0)),
  });

const uploadRows = (json: string) =>
  fetch(`${service.url}/v1/datasets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: json,
  });

describe('a small upload of many rows and one large class index', () => {
  it('13,500 rows: a 400 naming MAX_DATASET_CELLS, nothing stored, others answered', async () => {
    const json = oneBigClass(13_500);
    expect(json.length).toBeLessThan(100_000);
    const before = await tenantKeys();
    const [upload, health, list] = await Promise.all([
      uploadRows(json),
      http(service, 'GET', '/healthz'),
      http(service, 'GET', '/v1/jobs'),
    ]);
    expect(upload.status).toBe(400);
    expect(upload.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await upload.json()) as { errors: unknown }).errors).toEqual([
      {
        path: 'labels',
        message:
          '13500 rows × 10000 classes = 135000000 one-hot target values; this service trains on at most 100000000 (MAX_DATASET_CELLS): number the classes from 0 without gaps, or use fewer rows',
      },
    ]);
    expect(health.status).toBe(200);
    expect(list.status).toBe(200);
    expect(await tenantKeys()).toEqual(before);
  });

  it('the same rows inline in POST /v1/jobs: the same 400, under dataset.labels', async () => {
    const before = await tenantKeys();
    const rows = 13_500;
    const r = await http(service, 'POST', '/v1/jobs', {
      network: {
        inputSize: 1,
        layers: [{ units: 10_000, activation: 'softmax' }],
        divergence: 'cross_entropy',
      },
      dataset: {
        inputs: Array.from({ length: rows }, (_, i) => [i % 7]),
        labels: Array.from({ length: rows }, (_, i) => (i === 6000 ? 9999 : 0)),
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([
      { path: 'dataset.labels', message: expect.stringContaining('135000000 one-hot target') },
    ]);
    expect(await tenantKeys()).toEqual(before);
  });

  it('10,000 rows are stored as 80 KB of inputs and class indices, not 400 MB', async () => {
    const upload = await uploadRows(oneBigClass(10_000));
    expect(upload.status).toBe(201);
    const meta = (await upload.json()) as { id: string };
    expect(meta).toMatchObject({ rows: 10_000, features: 1, outputs: 10_000 });
    const key = `${service.config.keyPrefix}:tenant:default:dataset:${meta.id}`;
    // 40,000 bytes of inputs and 40,000 of class indices in its file, and a small head
    const file = await datasetFile(redis, key, service.app.services.blobs);
    expect((meta as unknown as { bytes: number }).bytes).toBe(file.bytes);
    expect(file.bytes - 80_000).toBeGreaterThan(0);
    expect(file.bytes - 80_000).toBeLessThan(200);
    expect(await redis.hexists(key, 'targets')).toBe(0);
    const stored = (await stores.datasets.load(meta.id))!;
    expect(stored.labels![6000]).toBe(9999);
    expect(stored.labels!.reduce((a, v) => a + v, 0)).toBe(9999);
  });

  it('a worker whose MAX_DATASET_CELLS it exceeds fails the job dataset_too_large, untried', async () => {
    const meta = (await (await uploadRows(oneBigClass(10_000))).json()) as { id: string };
    const submitted = await http(service, 'POST', '/v1/jobs', {
      network: {
        inputSize: 1,
        layers: [{ units: 10_000, activation: 'softmax' }],
        divergence: 'cross_entropy',
      },
      dataset: { id: meta.id },
      training: { epochs: 1 },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id;
    const failed = await waitForJob(service, id, (j) => j.status === 'failed');
    expect(failed.error).toEqual({
      code: 'dataset_too_large',
      message:
        '10000 rows × 10000 classes = 100000000 one-hot target values; this service trains on at most 1000000 (MAX_DATASET_CELLS): number the classes from 0 without gaps, or use fewer rows',
    });
    const events = await follow(service, id);
    expect(events.filter((e) => e.type === 'retrying')).toHaveLength(0);
  });
});

describe('MAX_DATASET_STORED_BYTES', () => {
  it('an upload or inline dataset that would store more is a 413 naming it', async () => {
    const before = await tenantKeys();
    // 12,600 rows × (1 feature + 1 target) × 4 bytes = 100,800 bytes
    const csv = `x,y\n${'1,2\n'.repeat(12_600)}`;
    const upload = await fetch(`${service.url}/v1/datasets?targets=y`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    expect(upload.status).toBe(413);
    const problem = (await upload.json()) as { detail: string };
    expect(problem.detail).toBe(
      'the dataset would take 100800 bytes stored (12600 rows of 1 features and 1 targets, 4 bytes each); this service stores at most 100000 bytes per dataset (MAX_DATASET_STORED_BYTES): use fewer rows or columns',
    );
    const inline = await http(service, 'POST', '/v1/jobs', {
      network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: {
        inputs: Array.from({ length: 12_600 }, () => [1]),
        targets: Array.from({ length: 12_600 }, () => [2]),
      },
    });
    expect(inline.status).toBe(413);
    expect(inline.body.detail).toContain('(MAX_DATASET_STORED_BYTES)');
    expect(await tenantKeys()).toEqual(before);
  });
});

describe('datasets stored before class indices', () => {
  it('are read as labels (their one-hot targets are left unread)', async () => {
    const key = `${service.config.keyPrefix}:tenant:default:dataset:old1`;
    const meta = { rows: 3, features: 1, outputs: 2, classes: ['a', 'b'] };
    const floats = (a: number[]) => Buffer.from(new Float32Array(a).buffer);
    await redis.hset(key, {
      meta: JSON.stringify({ id: 'old1', ...meta, targetKind: 'distribution', bytes: 36 }),
      inputs: floats([1, 2, 3]),
      targets: floats([0, 1, 1, 0, 0, 1]),
      labels: Buffer.from(new Int32Array([1, 0, 1]).buffer),
    });
    const stored = (await stores.datasets.load('old1'))!;
    expect(stored).toMatchObject(meta);
    expect(stored.targets).toBeUndefined();
    expect(Array.from(stored.labels!)).toEqual([1, 0, 1]);
    expect(Array.from(withTargets(stored).targets)).toEqual([0, 1, 1, 0, 0, 1]);
  });
});
