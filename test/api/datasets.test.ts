// Uploaded datasets over HTTP: JSON rows and CSV bodies stored once, read back as metadata and
// as the exact float32 rows (a CSV with ?label= as a table: dataset-tables.test.ts has the rest),
// deleted; datasets may be larger than MAX_BODY_BYTES up to MAX_DATASET_BYTES. Bad input is
// covered route by route in bad-input.test.ts.

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../src/api/problem.js';
import { defaultTenant } from '../../src/config.js';
import { connectRedis, createStores, type Stores } from '../../src/store/index.js';
import { irisCsv } from '../helpers/iris.js';
import { startService, type TestService } from '../helpers/service.js';
import { datasetFile } from '../helpers/store.js';

const maxBodyBytes = 2048;
const maxDatasetBytes = 8192;

let service: TestService;
let redis: Redis;
let stores: Stores;
beforeAll(async () => {
  service = await startService({
    env: {
      MAX_BODY_BYTES: String(maxBodyBytes),
      MAX_DATASET_BYTES: String(maxDatasetBytes),
      MAX_DATASET_JSON_BYTES: String(maxDatasetBytes),
    },
  });
  redis = connectRedis(service.config.redisUrl);
  stores = createStores(redis, service.config.keyPrefix, defaultTenant, {
    blobs: service.app.services.blobs,
  });
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const upload = (payload: string | object, url = '/v1/datasets', contentType = 'application/json') =>
  service.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
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

const datasetKeys = async () =>
  (await redis.keys(`${service.config.keyPrefix}:tenant:default:dataset:*`)).sort();

describe('POST /v1/datasets', () => {
  it('refuses another media type with a 415 naming each type it takes', async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/datasets?label=y',
      headers: { 'content-type': 'text/plain' },
      payload: 'a,y\n1,0\n',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().detail).toBe(
      'content-type text/plain is not accepted here: send application/json or text/csv or application/x-ndjson or application/vnd.apache.parquet or application/vnd.apache.arrow.file or application/vnd.apache.arrow.stream',
    );
  });

  it('stores JSON {inputs, targets} and answers 201 with its shape and a location', async () => {
    const res = await upload({
      inputs: [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      targets: [[0.5], [1.5], [-2]],
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const meta = res.json();
    expect(meta).toMatchObject({ rows: 3, features: 2, outputs: 1, targetKind: 'real' });
    // its file in the blob store: 36 bytes of values (6 inputs and 3 targets) and a small head
    const key = `${service.config.keyPrefix}:tenant:default:dataset:${meta.id}`;
    const file = await datasetFile(redis, key, service.app.services.blobs);
    expect(file.fields).toEqual(['blob', 'meta']);
    expect(meta.bytes).toBe(file.bytes);
    expect(meta.bytes - 36).toBeGreaterThan(12);
    expect(meta.bytes - 36).toBeLessThan(200);
    expect(meta.classes).toBeUndefined();
    expect(res.headers.location).toBe(`/v1/datasets/${meta.id}`);
    expect(Number.isNaN(Date.parse(meta.createdAt))).toBe(false);

    const stored = (await stores.datasets.load(meta.id))!;
    expect(Array.from(stored.inputs)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(stored.targets!)).toEqual([0.5, 1.5, -2]);
  });

  it('stores labels as class indices: integer classes 0..max, names sorted', async () => {
    const byIndex = await upload({ inputs: [[0], [1], [2]], labels: [2, 0, 2] });
    expect(byIndex.statusCode).toBe(201);
    expect(byIndex.json()).toMatchObject({
      rows: 3,
      features: 1,
      outputs: 3,
      classes: [0, 1, 2],
      targetKind: 'distribution',
    });
    const stored = (await stores.datasets.load(byIndex.json().id))!;
    expect(stored.targets).toBeUndefined();
    expect(Array.from(stored.labels!)).toEqual([2, 0, 2]);
    expect(stored.labels).toBeInstanceOf(Int32Array);
    // inputs and an int32 index per row (no one-hot targets), and the file's head
    const key = `${service.config.keyPrefix}:tenant:default:dataset:${byIndex.json().id}`;
    const file = await datasetFile(redis, key, service.app.services.blobs);
    expect(file.fields).toEqual(['blob', 'meta']);
    expect(byIndex.json().bytes).toBe(file.bytes);
    expect(file.bytes - (3 * 4 + 3 * 4)).toBeLessThan(200);

    const byName = await upload({ inputs: [[0], [1], [2]], labels: ['b', 'a', 'c'] });
    expect(byName.statusCode).toBe(201);
    expect(byName.json().classes).toEqual(['a', 'b', 'c']);
    const named = (await stores.datasets.load(byName.json().id))!;
    expect(Array.from(named.labels!)).toEqual([1, 0, 2]);
  });

  it('targets in [0, 1] are unit targets (binary cross-entropy can take them)', async () => {
    const res = await upload({ inputs: [[0], [1]], targets: [[0.25], [1]] });
    expect(res.statusCode).toBe(201);
    expect(res.json().targetKind).toBe('unit');
  });

  it('reads a CSV body with ?label=column as a table: all-numeric, as wide as before', async () => {
    const iris = irisCsv('test');
    const res = await upload(iris.csv, '/v1/datasets?label=label', 'text/csv');
    expect(res.statusCode).toBe(201);
    const meta = res.json();
    const names = ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm'];
    expect(meta).toMatchObject({
      format: 'table',
      rows: 38,
      features: 4,
      outputs: 3,
      classes: [0, 1, 2],
      targetKind: 'distribution',
      label: { name: 'label', task: 'classification' },
      droppedRows: [],
    });
    expect(meta.columns.map((c: { name: string; type: string }) => [c.name, c.type])).toEqual([
      ...names.map((n) => [n, 'numeric']),
      ['label', 'numeric'],
    ]);
    const { table } = (await stores.datasets.loadTable(meta.id))!;
    expect(table.header).toEqual([...names, 'label']);
    const cell = (c: number, r: number) => table.dictionaries[c]![table.codes[c * table.rows + r]!];
    expect(Number(cell(0, 0))).toBe(iris.rows[0]![0]);
    expect(iris.labels.map((_, r) => Number(cell(4, r)))).toEqual(iris.labels);
  });

  it('parses a CSV body with ?targets=a,b as regression targets (application/csv too)', async () => {
    const csv = 'x,a,y,b\n1,2,3,4\n5,6,7,8\n';
    const res = await upload(csv, '/v1/datasets?targets=a,%20b', 'application/csv; charset=utf-8');
    expect(res.statusCode).toBe(201);
    const meta = res.json();
    expect(meta).toMatchObject({ rows: 2, features: 2, outputs: 2, featureNames: ['x', 'y'] });
    const stored = (await stores.datasets.load(meta.id))!;
    expect(Array.from(stored.inputs)).toEqual([1, 3, 5, 7]);
    expect(Array.from(stored.targets!)).toEqual([2, 4, 6, 8]);
  });

  it('takes datasets larger than MAX_BODY_BYTES up to MAX_DATASET_BYTES, then 413', async () => {
    const rowsFor = (n: number) => ({
      inputs: Array.from({ length: n }, (_, i) => [i, i + 0.5]),
      labels: Array.from({ length: n }, (_, i) => i % 2),
    });
    const fits = JSON.stringify(rowsFor(300));
    expect(fits.length).toBeGreaterThan(maxBodyBytes);
    expect(fits.length).toBeLessThan(maxDatasetBytes);
    const ok = await upload(fits);
    expect(ok.statusCode).toBe(201);
    expect(ok.json().rows).toBe(300);

    const before = await datasetKeys();
    const tooBig = JSON.stringify(rowsFor(900));
    expect(tooBig.length).toBeGreaterThan(maxDatasetBytes);
    const json = expectProblem(await upload(tooBig), 413);
    expect(json.detail).toContain(String(maxDatasetBytes));
    const csv = `a,label\n${'1.5,0\n'.repeat(2000)}`;
    expect(csv.length).toBeGreaterThan(maxDatasetBytes);
    const csvProblem = expectProblem(
      await upload(csv, '/v1/datasets?label=label', 'text/csv'),
      413,
    );
    expect(csvProblem.detail).toContain(String(maxDatasetBytes));
    expect(await datasetKeys()).toEqual(before);
  });
});

describe('POST /v1/datasets with no rows', () => {
  it('bodies that are not {inputs, …} say how to upload, not the job spec forms', async () => {
    for (const body of [
      '',
      'null',
      '[]',
      '"rows"',
      '{"builtin": "iris"}',
      '{"generator": "xor"}',
    ]) {
      const problem = expectProblem(await upload(body), 400);
      expect(problem.errors, body).toEqual([
        {
          path: '',
          message:
            'upload a table with ?label=COLUMN — CSV (text/csv), JSON records [{"column": value, …}], NDJSON (application/x-ndjson), Parquet (application/vnd.apache.parquet) or Arrow IPC (application/vnd.apache.arrow.file) — or numeric rows: {inputs, targets} or {inputs, labels}',
        },
      ]);
    }
  });
});

describe('GET and DELETE /v1/datasets/:id', () => {
  it('reads back the metadata, deletes once (204), then answers 404', async () => {
    const created = (await upload({ inputs: [[1], [2]], labels: ['no', 'yes'] })).json();
    const got = await service.app.inject({ method: 'GET', url: `/v1/datasets/${created.id}` });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(created);

    const deleted = await service.app.inject({
      method: 'DELETE',
      url: `/v1/datasets/${created.id}`,
    });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect(await stores.datasets.meta(created.id)).toBeNull();

    const again = await service.app.inject({ method: 'GET', url: `/v1/datasets/${created.id}` });
    expect(expectProblem(again, 404).detail).toContain(created.id);
    const twice = await service.app.inject({ method: 'DELETE', url: `/v1/datasets/${created.id}` });
    expectProblem(twice, 404);
  });

  it('deleting one dataset leaves the others', async () => {
    const a = (await upload({ inputs: [[1]], targets: [[1]] })).json();
    const b = (await upload({ inputs: [[2]], targets: [[2]] })).json();
    await service.app.inject({ method: 'DELETE', url: `/v1/datasets/${a.id}` });
    expect(await stores.datasets.meta(b.id)).toEqual(b);
  });
});

describe('GET /v1/datasets', () => {
  const list = async (query = '') => {
    const res = await service.app.inject({ method: 'GET', url: `/v1/datasets${query}` });
    expect(res.statusCode).toBe(200);
    return res.json() as { datasets: { id: string; status: string }[]; nextCursor: string | null };
  };

  it('lists uploads newest first, a page at a time, without deleted ones or a job’s own rows', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await upload({ inputs: [[i], [i + 1]], targets: [[0], [1]] });
      ids.push(res.json().id);
    }
    // a job's inline rows are stored with the job, not listed
    const job = await service.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: {
        network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
        dataset: { inputs: [[1], [2]], targets: [[1], [2]] },
      },
    });
    expect(job.statusCode).toBe(202);

    const all = await list('?limit=100');
    const newest = [...ids].reverse();
    expect(all.datasets.map((d) => d.id).slice(0, 3)).toEqual(newest);
    expect(all.datasets.every((d) => d.status === 'ready')).toBe(true);
    const shown = await service.app.inject({ method: 'GET', url: `/v1/datasets/${ids[2]}` });
    expect(all.datasets[0]).toEqual(shown.json());

    const first = await list('?limit=2');
    expect(first.datasets.map((d) => d.id)).toEqual(newest.slice(0, 2));
    expect(first.nextCursor).toBe(newest[1]);
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.datasets[0]!.id).toBe(newest[2]);

    await service.app.inject({ method: 'DELETE', url: `/v1/datasets/${ids[1]}` });
    expect((await list('?limit=100')).datasets.map((d) => d.id)).not.toContain(ids[1]);
    expect((await list('?status=processing')).datasets).toEqual([]);
    expect((await list('?status=ready&limit=1')).datasets[0]!.id).toBe(ids[2]);
  });

  it('refuses a bad query with a 400 naming it', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/v1/datasets?status=done' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('query.status');
  });
});
