// Big uploads read by a worker (issue 16), through the real service (DATASET_INLINE_BYTES=1024)
// and real worker processes: a CSV table answered 202 processing is read into the same profile
// and the same stored table a small upload of it gets (201 from a service with the default
// setting), and so are NDJSON, Parquet, an Arrow stream, a numeric CSV with ?targets=, a gzipped
// body and a CSV past the table thread's size; refused input (a label naming no column, a row
// too long, a cut Parquet file, MAX_DATASET_CELLS, the worker's MAX_DATASET_STORED_BYTES) ends
// `failed` with the reason a 400 would give, its raw upload gone; an upload lost from the blob
// store ends failed too; the same file twice is stored once and goes with its last dataset; a
// dataset deleted while processing, or an upload whose client goes away, leaves nothing. Jobs on
// a processing dataset wait for it, then train, fail as their input's fault, fail with the
// dataset's reason or its deletion, are cancelled or handed back while they wait; a batch of
// predictions waits too. A body past MAX_DATASET_BYTES (streamed without content-length, or
// gzip) is a 413 leaving no dataset and no blob.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as arrow from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import type { Redis } from 'ioredis';
import * as parquet from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { encodeTable } from '../../src/data/encoded-table.js';
import { inlineBytes } from '../../src/data/table-upload.js';
import { connectRedis, createStores, keysFor } from '../../src/store/index.js';
import { http, startService, type TestService, waitForJob } from '../helpers/service.js';

let big: TestService; // uploads past 1024 bytes go to a worker (started by the tests below)
let small: TestService; // the default DATASET_INLINE_BYTES: the same uploads answered 201
let redis: Redis;
/** The model the job awaiting the first upload trained: a table classifier to score with. */
let tableModelId: string;

const maxCells = 30_000;

beforeAll(async () => {
  [big, small] = await Promise.all([
    startService({ env: { DATASET_INLINE_BYTES: '1024', MAX_DATASET_CELLS: String(maxCells) } }),
    startService(),
  ]);
  redis = connectRedis(big.config.redisUrl);
});
afterAll(async () => {
  await redis?.quit();
  await Promise.all([big?.stop(), small?.stop()]);
});

interface Columns {
  x: (number | null)[];
  n: (number | null)[];
  color: (string | null)[];
  flag: (boolean | null)[];
  when: (string | null)[];
  kind: (string | null)[];
}

/** `rows` rows of mixed columns (unicode categories, blanks in each, a label `kind` to learn). */
function makeColumns(rows: number, seed = 0): Columns {
  const colors = ['rot', 'grün', '東京'];
  const c: Columns = { x: [], n: [], color: [], flag: [], when: [], kind: [] };
  for (let r = 0; r < rows; r++) {
    const x = Math.round(Math.sin((r + seed) * 1.7) * 1000) / 250;
    c.x.push(r % 11 === 3 ? null : x);
    c.n.push(r % 13 === 5 ? null : (r * 7) % 50);
    c.color.push(r % 9 === 4 ? null : colors[r % 3]!);
    c.flag.push(r % 10 === 7 ? null : r % 4 === 0);
    c.when.push(r % 12 === 6 ? null : new Date(Date.UTC(2024, 0, 1 + (r % 300))).toISOString());
    c.kind.push(r % 17 === 8 ? null : x > 0 ? 'high' : 'low');
  }
  return c;
}

const names = ['x', 'n', 'color', 'flag', 'when', 'kind'] as const;

function csvOf(c: Columns): string {
  const lines = [names.join(',')];
  for (let r = 0; r < c.x.length; r++) lines.push(names.map((k) => c[k][r] ?? '').join(','));
  return `${lines.join('\n')}\n`;
}

function ndjsonOf(c: Columns): string {
  return c.x
    .map((_, r) => JSON.stringify(Object.fromEntries(names.map((k) => [k, c[k][r]]))))
    .join('\n');
}

function arrowTableOf(c: Columns): arrow.Table {
  return new arrow.Table({
    x: arrow.vectorFromArray(c.x, new arrow.Float64()),
    n: arrow.vectorFromArray(c.n, new arrow.Int32()),
    color: arrow.vectorFromArray(c.color, new arrow.Utf8()),
    flag: arrow.vectorFromArray(c.flag, new arrow.Bool()),
    when: arrow.vectorFromArray(
      c.when.map((w) => (w === null ? null : Date.parse(w))),
      new arrow.TimestampMillisecond(),
    ),
    kind: arrow.vectorFromArray(c.kind, new arrow.Utf8()),
  });
}

function parquetOf(c: Columns): Uint8Array {
  const table = arrowTableOf(c);
  return parquet.writeParquet(parquet.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')));
}

const sha256 = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');

async function post(
  service: TestService,
  query: string,
  body: string | Uint8Array,
  type = 'text/csv',
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${service.url}/v1/datasets?${query}`, {
    method: 'POST',
    headers: { 'content-type': type, ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

/** Posts a big upload: 202, processing, Location; its id. */
/** The blob of each big upload's raw bytes (its record's `source` while it is processing). */
const rawOf = new Map<string, string>();

async function postBig(query: string, body: string | Uint8Array, type = 'text/csv', headers = {}) {
  const r = await post(big, query, body, type, headers);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  expect(r.headers.get('location')).toBe(`/v1/datasets/${r.body.id}`);
  const source = await redis.hget(datasetKey(big, r.body.id), 'source');
  if (source) rawOf.set(r.body.id, source);
  return r.body.id as string;
}

/** Polls a dataset until it is not processing (generous: the worker may be busy training). */
async function settled(id: string, ms = 40_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await http(big, 'GET', `/v1/datasets/${id}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    if (r.body.status !== 'processing') return r.body;
    if (Date.now() > deadline) throw new Error(`dataset ${id} still processing after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitUntil(condition: () => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not so after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const without = ({ id: _id, createdAt: _at, ...rest }: any) => rest;

const storesOf = async (service: TestService) => {
  const blobs = await service.blobs();
  const r = connectRedis(service.config.redisUrl);
  const stores = createStores(r, service.config.keyPrefix, defaultTenant, { blobs });
  return { stores, close: () => Promise.all([r.quit(), blobs.close()]) };
};

async function blobList(service: TestService): Promise<string[]> {
  const blobs = await service.blobs();
  const names: string[] = [];
  for await (const name of blobs.list()) names.push(name);
  await blobs.close();
  return names.sort();
}

const datasetKey = (service: TestService, id: string) =>
  `${service.config.keyPrefix}:tenant:${defaultTenant}:dataset:${id}`;

/** Waits for the worker to have ended the dataset's read (its BullMQ job); how it ended. */
/** The raw upload of `id` leaves the blob store just after its record switches to ready or failed. */
async function rawGone(id: string) {
  await expect.poll(async () => blobList(big), { timeout: 10_000 }).not.toContain(rawOf.get(id));
}

async function readEnded(id: string) {
  const queue = big.app.services.datasetQueue;
  const deadline = Date.now() + 40_000;
  for (;;) {
    const ended = await queue.getJobs(['completed', 'failed']);
    const job = ended.find((j) => j.data.datasetId === id);
    if (job) return { state: await job.getState(), returnvalue: job.returnvalue };
    if (Date.now() > deadline) throw new Error(`the read of ${id} has not ended`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const mainColumns = makeColumns(2000);
const mainCsv = csvOf(mainColumns);

describe('before a worker runs: uploads wait processing, jobs on them wait', () => {
  let mainId: string;
  let deletedId: string;
  let badLabelId: string;
  let jobs: { fits: string; misfit: string; onFailed: string; onDeleted?: string };

  it('a CSV past DATASET_INLINE_BYTES: 202, Location, processing with its kind and bytes', async () => {
    expect(mainCsv.length).toBeGreaterThan(50_000);
    const r = await post(big, 'label=kind', mainCsv);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.headers.get('location')).toBe(`/v1/datasets/${r.body.id}`);
    expect(r.body).toEqual({
      id: expect.any(String),
      status: 'processing',
      upload: { kind: 'csv', bytes: Buffer.byteLength(mainCsv) },
      createdAt: expect.any(String),
    });
    mainId = r.body.id;
    expect((await http(big, 'GET', `/v1/datasets/${mainId}`)).body).toEqual(r.body);
    // the raw upload is a blob of its own: 16 random bytes, then the body (never shared with an
    // identical upload, whose read ending would delete it)
    const raw = (await redis.hget(datasetKey(big, mainId), 'source'))!;
    rawOf.set(mainId, raw);
    expect(raw).not.toBe(sha256(mainCsv));
    expect(await blobList(big)).toContain(raw);
    const blobs = await big.blobs();
    const bytes = Buffer.concat(await (await blobs.get(raw))!.toArray());
    await blobs.close();
    expect(bytes.length).toBe(Buffer.byteLength(mainCsv) + 16);
    expect(bytes.subarray(16).toString()).toBe(mainCsv);
  });

  it('a dataset deleted while processing: 204, its raw upload gone at once', async () => {
    const other = csvOf(makeColumns(300, 7));
    deletedId = await postBig('label=kind', other);
    expect(await blobList(big)).toContain(rawOf.get(deletedId));
    expect((await http(big, 'DELETE', `/v1/datasets/${deletedId}`)).status).toBe(204);
    expect(await blobList(big)).not.toContain(rawOf.get(deletedId));
    expect(await redis.exists(datasetKey(big, deletedId))).toBe(0);
    expect((await http(big, 'GET', `/v1/datasets/${deletedId}`)).status).toBe(404);
  });

  it('jobs on a processing dataset are accepted and recorded awaiting it', async () => {
    badLabelId = await postBig('label=nope', csvOf(makeColumns(200, 3)));
    const submit = async (body: unknown) => {
      const r = await http(big, 'POST', '/v1/jobs', body);
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      return r.body.id as string;
    };
    const training = { epochs: 3, seed: 5 };
    jobs = {
      fits: await submit({ dataset: { id: mainId }, training }),
      misfit: await submit({
        network: {
          inputSize: 3,
          layers: [{ units: 2, activation: 'softmax' }],
          divergence: 'cross_entropy',
        },
        dataset: { id: mainId },
        training,
      }),
      onFailed: await submit({ dataset: { id: badLabelId }, training }),
    };
    // its dataset deleted while it waits: the job fails naming that, once a worker takes it
    const doomed = await postBig('label=kind', csvOf(makeColumns(300, 9)));
    jobs.onDeleted = await submit({ dataset: { id: doomed }, training });
    expect((await http(big, 'DELETE', `/v1/datasets/${doomed}`)).status).toBe(204);
    const recorded = await http(big, 'GET', `/v1/jobs/${jobs.fits}`);
    expect(recorded.body).toMatchObject({ kind: 'training', status: 'queued' });
    expect(recorded.body.spec).toEqual({
      kind: 'awaiting-dataset',
      for: 'training',
      dataset: { id: mainId },
      submitted: { dataset: { id: mainId }, training },
    });
    // no seed settled yet; its progress counts the epochs it asked for
    expect(recorded.body.seed).toBeUndefined();
    expect(recorded.body.progress).toEqual({ epoch: 0, epochs: training.epochs, error: null });
  });

  it('once a worker runs: the dataset is read, the jobs end as they should, the deleted one stays gone', async () => {
    await big.startWorker();
    const ready = await settled(mainId);
    expect(ready.status, JSON.stringify(ready)).toBe('ready');

    const done = await waitForJob(
      big,
      jobs.fits,
      (j) => j.status !== 'queued' && j.status !== 'running',
      60_000,
    );
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.spec.network.inputSize).toBe(ready.features);
    expect(done.spec.dataset).toEqual({ id: mainId });
    expect(done.spec.training).toMatchObject({ epochs: 3, seed: 5 });
    const predicted = await http(big, 'POST', `/v1/models/${done.modelId}/predict`, {
      records: [{ x: 2.5, n: 3, color: 'grün', flag: true, when: '2024-03-01T00:00:00.000Z' }],
    });
    expect(predicted.status, JSON.stringify(predicted.body)).toBe(200);
    // the predicted class of the row, and the probabilities of the dataset's classes
    expect(ready.classes).toContain(predicted.body.classes[0]);
    expect(predicted.body.outputs[0]).toHaveLength(ready.classes.length);
    const model = await http(big, 'GET', `/v1/models/${done.modelId}`);
    expect(model.body.classes).toEqual(ready.classes);
    tableModelId = done.modelId;

    const misfit = await waitForJob(
      big,
      jobs.misfit,
      (j) => j.status === 'failed' || j.status === 'succeeded',
    );
    expect(misfit.status).toBe('failed');
    expect(misfit.error.code).toBe('invalid_input');
    expect(misfit.error.message).toContain(
      `network.inputSize: is 3 but the dataset has ${ready.features} feature columns: set inputSize to ${ready.features}`,
    );

    const failedDataset = await settled(badLabelId);
    expect(failedDataset.status).toBe('failed');
    const onFailed = await waitForJob(
      big,
      jobs.onFailed,
      (j) => j.status === 'failed' || j.status === 'succeeded',
    );
    expect(onFailed.status).toBe('failed');
    expect(onFailed.error.code).toBe('invalid_input');
    expect(failedDataset.error.errors[0].path).toBe('query.label');
    expect(onFailed.error.message).toContain(
      `dataset.id: could not be read (${failedDataset.error.message})`,
    );

    // a job submitted on it now is refused at once, with the same reason
    const late = await http(big, 'POST', '/v1/jobs', {
      dataset: { id: badLabelId },
      training: { epochs: 3 },
    });
    expect(late.status).toBe(400);
    expect(late.body.errors).toEqual([
      {
        path: 'dataset.id',
        message: `could not be read (${failedDataset.error.message}): fix the file and upload it again`,
      },
    ]);

    const onDeleted = await waitForJob(
      big,
      jobs.onDeleted!,
      (j) => j.status === 'failed' || j.status === 'succeeded',
    );
    expect(onDeleted.error).toEqual({
      code: 'dataset_missing',
      message: 'the dataset was deleted before the job ran',
    });

    expect(await readEnded(deletedId)).toEqual({ state: 'completed', returnvalue: 'gone' });
    expect(await redis.exists(datasetKey(big, deletedId))).toBe(0);
    expect((await http(big, 'GET', `/v1/datasets/${deletedId}`)).status).toBe(404);
    expect(await blobList(big)).not.toContain(rawOf.get(deletedId));
  });

  it('the read table profiles as the same CSV uploaded small, and is stored as its rows kept, encoded', async () => {
    const ready = await settled(mainId);
    const direct = await post(small, 'label=kind', mainCsv);
    expect(direct.status, JSON.stringify(direct.body)).toBe(201);
    expect(without(ready)).toEqual(without(direct.body));
    expect(ready.droppedRows[0].count).toBe(mainColumns.kind.filter((k) => k === null).length);
    expect(ready.rows).toBe(2000 - ready.droppedRows[0].count);

    const mine = await storesOf(big);
    const theirs = await storesOf(small);
    const stored = await mine.stores.datasets.loadTable(mainId);
    const storedSmall = await theirs.stores.datasets.loadTable(direct.body.id);
    await Promise.all([mine.close(), theirs.close()]);
    const rows = parse(mainCsv, { from_line: 2 }) as string[][];
    const kept = rows.filter((row) => row[5] !== '');
    const expected = encodeTable({ header: [...names], rows: kept }, ready.missingTokens);
    expect(stored!.table.header).toEqual(expected.header);
    expect(stored!.table.rows).toBe(expected.rows);
    expect(stored!.table.dictionaries).toEqual(expected.dictionaries);
    expect([...stored!.table.codes]).toEqual([...expected.codes]);
    expect(storedSmall!.table).toEqual(stored!.table);
    // the raw upload went once it was read
    await rawGone(mainId);
  });
});

describe('with a worker: other forms read to ready, as small', () => {
  const columns = makeColumns(1500, 11);

  async function sameAsSmall(query: string, body: string | Uint8Array, type: string, headers = {}) {
    const id = await postBig(query, body, type, headers);
    const direct = await post(small, query, body, type, headers);
    expect(direct.status, JSON.stringify(direct.body)).toBe(201);
    const ready = await settled(id);
    expect(ready.status, JSON.stringify(ready)).toBe('ready');
    expect(without(ready)).toEqual(without(direct.body));
    return { id, ready, direct: direct.body };
  }

  it('a CSV past the table thread size (inlineBytes), read in a thread of the worker', async () => {
    const lines = ['note,size,kind'];
    for (let r = 0; r < 6000; r++)
      lines.push(
        `"word ${r % 97}, ${'x'.repeat(60 + (r % 50))}",${r % 23},${r % 3 === 0 ? 'a' : 'b'}`,
      );
    const csv = `${lines.join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(inlineBytes);
    const { ready } = await sameAsSmall('label=kind', csv, 'text/csv');
    expect(ready.rows).toBe(6000);
    expect(ready.classes).toEqual(['a', 'b']);
  });

  it('NDJSON', async () => {
    const { ready } = await sameAsSmall('label=kind', ndjsonOf(columns), 'application/x-ndjson');
    expect(ready.format).toBe('table');
    expect(ready.columns.find((c: any) => c.name === 'flag').type).toBe('boolean');
  });

  it('an Arrow IPC stream', async () => {
    const stream = arrow.tableToIPC(arrowTableOf(columns), 'stream');
    const { ready } = await sameAsSmall(
      'label=kind',
      stream,
      'application/vnd.apache.arrow.stream',
    );
    expect(ready.rows).toBe(1500 - columns.kind.filter((k) => k === null).length);
  });

  it('Parquet', async () => {
    const { ready } = await sameAsSmall(
      'label=kind',
      parquetOf(columns),
      'application/vnd.apache.parquet',
    );
    expect(ready.rows).toBe(1500 - columns.kind.filter((k) => k === null).length);
    expect(ready.columns.find((c: any) => c.name === 'when').type).toBe('datetime');
  });

  it('a numeric CSV with ?targets=: the same float32 rows stored', async () => {
    const lines = ['a,b,c,y'];
    for (let r = 0; r < 1200; r++) lines.push(`${r / 7},${-r},${Math.cos(r)},${(r % 5) * 0.5}`);
    const csv = `${lines.join('\n')}\n`;
    const { id, ready, direct } = await sameAsSmall('targets=y', csv, 'text/csv');
    expect(ready).toMatchObject({ rows: 1200, features: 3, outputs: 1 });
    const mine = await storesOf(big);
    const theirs = await storesOf(small);
    const [a, b] = [
      await mine.stores.datasets.load(id),
      await theirs.stores.datasets.load(direct.id),
    ];
    await Promise.all([mine.close(), theirs.close()]);
    expect(a!.inputs).toEqual(b!.inputs);
    expect(a!.targets).toEqual(b!.targets);
    expect(a!.inputs[3 * 7]).toBe(Math.fround(7 / 7));
    expect(a!.targets![4]).toBe(2);
  });

  it('a gzipped CSV: its bytes counted decompressed', async () => {
    const csv = csvOf(columns);
    const gz = gzipSync(csv);
    expect(gz.length).toBeGreaterThan(1024);
    const r = await post(big, 'label=kind', gz, 'text/csv', { 'content-encoding': 'gzip' });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body.upload).toEqual({ kind: 'csv', bytes: Buffer.byteLength(csv) });
    const ready = await settled(r.body.id);
    const direct = await post(small, 'label=kind', csv);
    expect(without(ready)).toEqual(without(direct.body));
  });
});

describe('with a worker: refused input ends failed with the reason, its upload gone', () => {
  it('a query wrong whatever the body says is a 400 at once, nothing stored', async () => {
    const before = { blobs: await blobList(big), keys: await redis.keys(datasetKey(big, '*')) };
    const csv = csvOf(makeColumns(300, 25));
    const both = await post(big, 'targets=x&task=regression', csv);
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([
      {
        path: 'query.task',
        message:
          'is for tables (?label=COLUMN); ?targets= reads numeric rows: leave out task or targets',
      },
    ]);
    const ndjsonTargets = await post(
      big,
      'targets=x',
      ndjsonOf(makeColumns(300, 25)),
      'application/x-ndjson',
    );
    expect(ndjsonTargets.status).toBe(400);
    expect(ndjsonTargets.body.errors[0].path).toBe('query.targets');
    expect(await blobList(big)).toEqual(before.blobs);
    expect(await redis.keys(datasetKey(big, '*'))).toEqual(before.keys);
  });

  it('?label= naming no column: query.label, naming the columns', async () => {
    const csv = csvOf(makeColumns(400, 21));
    const id = await postBig('label=Kind', csv);
    const failed = await settled(id);
    expect(failed).toMatchObject({ id, status: 'failed', upload: { kind: 'csv' } });
    expect(failed.finishedAt).toEqual(expect.any(String));
    expect(failed.error.errors[0].path).toBe('query.label');
    for (const name of names) expect(failed.error.errors[0].message).toContain(name);
    const direct = await post(small, 'label=Kind', csv);
    expect(direct.status).toBe(400);
    expect(failed.error.errors).toEqual(direct.body.errors);
    await rawGone(id);
    expect(await redis.hexists(datasetKey(big, id), 'source')).toBe(0);
  });

  it('a row with more cells than the header: its row named', async () => {
    const lines = csvOf(makeColumns(400, 22)).split('\n');
    lines[301] = `${lines[301]},extra`;
    const csv = lines.join('\n');
    const id = await postBig('label=kind', csv);
    const failed = await settled(id);
    expect(failed.status).toBe('failed');
    const direct = await post(small, 'label=kind', csv);
    expect(direct.status).toBe(400);
    expect(failed.error.errors).toEqual(direct.body.errors);
    // the 301st row after the header
    expect(failed.error.errors).toEqual([
      {
        path: 'rows',
        message:
          'row 301 has 7 cells but the header names 6 columns; name every column or remove the extra cells',
      },
    ]);
    await rawGone(id);
  });

  it('a cut Parquet file: the refusal a small one gets', async () => {
    const file = parquetOf(makeColumns(600, 24));
    const cut = file.subarray(0, file.length - 200);
    const id = await postBig('label=kind', cut, 'application/vnd.apache.parquet');
    const failed = await settled(id);
    const direct = await post(small, 'label=kind', cut, 'application/vnd.apache.parquet');
    expect(direct.status, JSON.stringify(direct.body)).toBe(400);
    expect(failed.status).toBe('failed');
    expect(failed.error.errors).toEqual(direct.body.errors);
    expect(await blobList(big)).not.toContain(rawOf.get(id));
  });

  it('past MAX_DATASET_CELLS: the setting named', async () => {
    const csv = csvOf(makeColumns(6000, 23));
    const id = await postBig('label=kind', csv);
    const failed = await settled(id);
    expect(failed.status).toBe('failed');
    expect(JSON.stringify(failed.error)).toContain(`at most ${maxCells}`);
    expect(JSON.stringify(failed.error)).toContain('MAX_DATASET_CELLS');
    expect(await blobList(big)).not.toContain(rawOf.get(id));
  });
});

describe('with a worker: one blob for the same data, none left behind', () => {
  it('the same file twice: two datasets, one data blob; it goes with the last of them', async () => {
    const before = await blobList(big);
    const csv = csvOf(makeColumns(800, 31));
    // back to back: each raw upload is a blob of its own, so one read ending takes nothing
    // from the other
    const first = await postBig('label=kind', csv);
    const second = await postBig('label=kind', csv);
    expect(rawOf.get(first)).not.toBe(rawOf.get(second));
    await readEnded(first);
    await readEnded(second);
    expect(first).not.toBe(second);
    const [a, b] = [await settled(first), await settled(second)];
    expect([a.status, b.status]).toEqual(['ready', 'ready']);
    const blobA = await redis.hget(datasetKey(big, first), 'blob');
    const blobB = await redis.hget(datasetKey(big, second), 'blob');
    expect(blobA).toMatch(/^[0-9a-f]{64}$/);
    expect(blobB).toBe(blobA);
    expect(await blobList(big)).toEqual([...before, blobA!].sort());

    expect((await http(big, 'DELETE', `/v1/datasets/${first}`)).status).toBe(204);
    expect(await blobList(big)).toContain(blobA);
    const mine = await storesOf(big);
    const table = await mine.stores.datasets.loadTable(second);
    await mine.close();
    expect(table!.table.rows).toBe(b.rows);

    expect((await http(big, 'DELETE', `/v1/datasets/${second}`)).status).toBe(204);
    expect(await blobList(big)).toEqual(before);
  });
});

describe('an upload whose client goes away mid-stream', () => {
  it('leaves no dataset, no blob and no partial file', async () => {
    const folder = fileURLToPath(big.env.BLOB_URL!);
    const partial = () => readdirSync(join(folder, '.incoming'));
    const before = { blobs: await blobList(big), keys: await redis.keys(datasetKey(big, '*')) };
    const abort = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(csvOf(makeColumns(400, 51))));
      },
      pull: () => new Promise(() => {}), // the rest never comes
    });
    const sent = fetch(`${big.url}/v1/datasets?label=kind`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body,
      duplex: 'half',
      signal: abort.signal,
    } as RequestInit).catch((error: Error) => error);
    await waitUntil(() => partial().length === 1); // the put under way
    abort.abort();
    expect(await sent).toBeInstanceOf(Error);
    await waitUntil(() => partial().length === 0);
    expect(await blobList(big)).toEqual(before.blobs);
    expect(await redis.keys(datasetKey(big, '*'))).toEqual(before.keys);
  });
});

describe('with a worker: a batch of predictions on a processing dataset waits', () => {
  it('submitted before the read, scored after it', { timeout: 90_000 }, async () => {
    // the worker stopped, so that the dataset stays processing
    const worker = big.workers[0]!;
    await new Promise((r) => worker.once('exit', r).kill('SIGTERM'));
    const scored = csvOf(makeColumns(700, 42));
    const id = await postBig('', scored);
    const submitted = await http(big, 'POST', `/v1/models/${tableModelId}/batch-predictions`, {
      dataset: { id },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    expect(submitted.body.spec).toMatchObject({
      kind: 'awaiting-dataset',
      for: 'batch-predictions',
      dataset: { id },
    });
    // and an upload whose raw bytes are lost from the blob store before it is read
    const lostCsv = csvOf(makeColumns(300, 43));
    const lost = await postBig('label=kind', lostCsv);
    const blobs = await big.blobs();
    expect(await blobs.delete(rawOf.get(lost)!)).toBe(true);
    await blobs.close();

    // and the same file twice while no worker reads: two raw uploads, each counted once
    const twinCsv = csvOf(makeColumns(300, 44));
    const twins = [await postBig('label=kind', twinCsv), await postBig('label=kind', twinCsv)];
    const refs = keysFor(big.config.keyPrefix, defaultTenant).blobRefs;
    for (const twin of twins) expect(await redis.hget(refs, rawOf.get(twin)!)).toBe('1');

    await big.startWorker();
    const batch = await waitForJob(
      big,
      submitted.body.id,
      (j) => j.status === 'succeeded' || j.status === 'failed',
      60_000,
    );
    expect(batch.status, JSON.stringify(batch.error)).toBe('succeeded');
    const ready = await settled(id);
    expect(ready.rows).toBe(700);
    const output = await fetch(`${big.url}${batch.output}`);
    const rows = parse(await output.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(700);
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['prediction']));

    const [twinA, twinB] = [await settled(twins[0]!), await settled(twins[1]!)];
    expect([twinA.status, twinB.status]).toEqual(['ready', 'ready']);
    expect(without(twinA)).toEqual(without(twinB));
    const twinBlob = await redis.hget(datasetKey(big, twins[0]!), 'blob');
    expect(await redis.hget(datasetKey(big, twins[1]!), 'blob')).toBe(twinBlob);
    await readEnded(twins[1]!);
    await readEnded(twins[0]!);
    const held = await blobList(big);
    expect(held).toContain(twinBlob);
    for (const twin of twins) expect(held).not.toContain(rawOf.get(twin));

    // the lost upload ends failed once the worker's tries are spent, not processing for ever
    const failed = await settled(lost, 60_000);
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toMatch(
      /^a worker could not read the upload \(.*\): upload it again$/,
    );
    expect(failed.error.message).toContain(rawOf.get(lost)!);
  });
});

/** A processing dataset no worker will read (recorded, never queued), and its upload's blob. */
async function unqueued(csv: string) {
  const mine = await storesOf(big);
  const pending = await mine.stores.datasets.createPending(
    Readable.from([Buffer.from(csv)]),
    'csv',
    1e9,
  );
  const upload = (await redis.hget(mine.stores.keys.dataset(pending.id), 'source'))!;
  await mine.close();
  return { pending, upload };
}

describe('with a worker: a job waiting on a dataset still processing', () => {
  it('is cancelled while it waits', async () => {
    // a processing dataset no worker is reading (recorded, never queued): it stays processing
    const { pending, upload } = await unqueued(csvOf(makeColumns(200, 61)));

    const submitted = await http(big, 'POST', '/v1/jobs', {
      dataset: { id: pending.id },
      training: { epochs: 3, seed: 1 },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    await waitForJob(big, submitted.body.id, (j) => j.status === 'running');
    const cancel = await http(big, 'POST', `/v1/jobs/${submitted.body.id}/cancel`);
    expect(cancel.status, JSON.stringify(cancel.body)).toBeLessThan(300);
    const ended = await waitForJob(
      big,
      submitted.body.id,
      (j) => !['queued', 'running'].includes(j.status),
    );
    expect(ended.status).toBe('cancelled');
    expect(ended.spec.kind).toBe('awaiting-dataset');

    expect((await http(big, 'DELETE', `/v1/datasets/${pending.id}`)).status).toBe(204);
    expect(await blobList(big)).not.toContain(upload);
  });
});

describe('with a worker: a job waiting on a dataset when its worker stops', () => {
  it('is handed back, and trained by the next worker once the dataset is read', async () => {
    const { pending } = await unqueued(csvOf(makeColumns(200, 62)));
    const submitted = await http(big, 'POST', '/v1/jobs', {
      dataset: { id: pending.id },
      training: { epochs: 3, seed: 1 },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    await waitForJob(big, submitted.body.id, (j) => j.status === 'running');

    // a graceful stop: the waiting job does not hold it up
    const worker = big.workers.at(-1)!;
    const code = await new Promise((r) => worker.once('exit', r).kill('SIGTERM'));
    expect(code).toBe(0);
    await big.startWorker();
    // now the read is queued, as the API would have
    await big.app.services.datasetQueue.add('read', {
      tenant: defaultTenant,
      datasetId: pending.id,
      kind: 'csv',
      query: { label: 'kind' },
    });
    const done = await waitForJob(
      big,
      submitted.body.id,
      (j) => !['queued', 'running'].includes(j.status),
      60_000,
    );
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const ready = await settled(pending.id);
    expect(done.spec.network.inputSize).toBe(ready.features);
  });
});

describe('a worker with a small MAX_DATASET_STORED_BYTES', () => {
  it('fails an upload whose dataset file would pass it, naming the setting; nothing kept', async () => {
    for (const worker of big.workers.filter((w) => w.exitCode === null && w.signalCode === null)) {
      await new Promise((r) => worker.once('exit', r).kill('SIGTERM'));
    }
    await big.startWorker({ MAX_DATASET_STORED_BYTES: '4096' });
    const before = await blobList(big);
    const csv = csvOf(makeColumns(500, 71));
    const id = await postBig('label=kind', csv);
    const failed = await settled(id);
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toMatch(
      /^the table would take \d+ bytes stored \(\d+ rows of 6 columns.*at most 4096 bytes per dataset \(MAX_DATASET_STORED_BYTES\)/,
    );
    expect(await blobList(big)).toEqual(before);
  });
});

describe('a body streamed past MAX_DATASET_BYTES', () => {
  let limited: TestService;
  beforeAll(async () => {
    limited = await startService({
      env: { MAX_DATASET_BYTES: '8192', DATASET_INLINE_BYTES: '1024' },
    });
  });
  afterAll(() => limited?.stop());

  it('without content-length: 413 naming MAX_DATASET_BYTES, no dataset, no blob, no file left', async () => {
    const chunk = new TextEncoder().encode(`${'1,2,3\n'.repeat(500)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('a,b,c\n'));
      },
      pull(controller) {
        if (sent >= 20) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${limited.url}/v1/datasets?label=c`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as any;
    expect(problem.detail).toContain('8192');
    expect(problem.detail).toContain('MAX_DATASET_BYTES');
    const keys = await redis.keys(`${limited.config.keyPrefix}:tenant:*`);
    expect(keys).toEqual([]);
    expect(await blobList(limited)).toEqual([]);
    const folder = fileURLToPath(limited.env.BLOB_URL!);
    const files = readdirSync(folder, { recursive: true, withFileTypes: true }).filter((f) =>
      f.isFile(),
    );
    expect(files.map((f) => f.name)).toEqual([]);
  });

  it('a small gzip body decompressing past it: 413 naming MAX_DATASET_BYTES, nothing left', async () => {
    const bomb = gzipSync(`a,b,c\n${'1,2,3\n'.repeat(20_000)}`);
    expect(bomb.length).toBeLessThan(8192);
    const r = await post(limited, 'label=c', bomb, 'text/csv', { 'content-encoding': 'gzip' });
    expect(r.status, JSON.stringify(r.body)).toBe(413);
    expect(r.body.detail).toContain('MAX_DATASET_BYTES');
    expect(await redis.keys(`${limited.config.keyPrefix}:tenant:*`)).toEqual([]);
    expect(await blobList(limited)).toEqual([]);
    const folder = fileURLToPath(limited.env.BLOB_URL!);
    const files = readdirSync(folder, { recursive: true, withFileTypes: true }).filter((f) =>
      f.isFile(),
    );
    expect(files.map((f) => f.name)).toEqual([]);
  });
});
