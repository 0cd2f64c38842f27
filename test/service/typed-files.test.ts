// Parquet and Arrow IPC uploads (issue 16) through the service: a table of numbers, categories,
// blanks, booleans and a timestamp written here with apache-arrow and parquet-wasm's writer,
// uploaded as Parquet (zstd), as an Arrow IPC file and as an Arrow stream big enough for the
// table thread, profiles exactly as the same table uploaded as CSV does; the file's declared
// types decide (a string column of digits stays categorical); a job trains on it end to end in
// a real worker; a truncated or corrupt file, or a column of a type the service cannot read, is a
// 400 naming what is wrong with nothing stored.
import * as arrow from 'apache-arrow';
import type { Redis } from 'ioredis';
import * as parquet from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { inlineBytes } from '../../src/data/table-upload.js';
import { connectRedis } from '../../src/store/index.js';
import { follow } from '../helpers/events.js';
import { http, startService, type TestService } from '../helpers/service.js';

let service: TestService;
let redis: Redis;
beforeAll(async () => {
  service = await startService({ workers: 1 });
  redis = connectRedis(service.config.redisUrl);
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const parquetType = 'application/vnd.apache.parquet';
const arrowFileType = 'application/vnd.apache.arrow.file';
const arrowStreamType = 'application/vnd.apache.arrow.stream';

interface Columns {
  x: (number | null)[];
  n: (number | null)[];
  color: (string | null)[];
  flag: (boolean | null)[];
  when: (number | null)[];
  kind: (string | null)[];
}

/** `rows` rows: kind is high when x > 0 (a label to learn), with nulls sprinkled in every column. */
function makeColumns(rows: number): Columns {
  const colors = ['red', 'green', 'blue'];
  const c: Columns = { x: [], n: [], color: [], flag: [], when: [], kind: [] };
  for (let r = 0; r < rows; r++) {
    const x = Math.round(Math.sin(r * 1.7) * 1000) / 250;
    c.x.push(r % 11 === 3 ? null : x);
    c.n.push(r % 13 === 5 ? null : (r * 7) % 50);
    c.color.push(r % 9 === 4 ? null : colors[r % 3]!);
    c.flag.push(r % 10 === 7 ? null : r % 4 === 0);
    c.when.push(r % 12 === 6 ? null : Date.UTC(2024, 0, 1) + r * 3_600_000 + (r % 1000));
    c.kind.push(r % 17 === 8 ? null : x > 0 ? 'high' : 'low');
  }
  return c;
}

function arrowTable(c: Columns): arrow.Table {
  return new arrow.Table({
    x: arrow.vectorFromArray(c.x, new arrow.Float64()),
    n: arrow.vectorFromArray(c.n, new arrow.Int32()),
    color: arrow.vectorFromArray(
      c.color,
      new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
    ),
    flag: arrow.vectorFromArray(c.flag, new arrow.Bool()),
    when: arrow.vectorFromArray(c.when, new arrow.TimestampMillisecond()),
    kind: arrow.vectorFromArray(c.kind, new arrow.Utf8()),
  });
}

/** The same table as CSV: blanks for nulls, booleans as true/false, the timestamp in ISO 8601. */
function csvOf(c: Columns): string {
  const names = Object.keys(c) as (keyof Columns)[];
  const lines = [names.join(',')];
  for (let r = 0; r < c.x.length; r++) {
    lines.push(
      names
        .map((name) => {
          const v = c[name][r];
          if (v === null || v === undefined) return '';
          return name === 'when' ? new Date(v as number).toISOString() : String(v);
        })
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function parquetOf(table: arrow.Table, compression = parquet.Compression.ZSTD): Uint8Array {
  const properties = new parquet.WriterPropertiesBuilder().setCompression(compression).build();
  return parquet.writeParquet(
    parquet.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')),
    properties,
  );
}

async function post(query: string, body: string | Uint8Array, type: string) {
  const res = await fetch(`${service.url}/v1/datasets?${query}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

const datasetKeys = async () =>
  (await redis.keys(`${service.config.keyPrefix}:tenant:${defaultTenant}:dataset:*`)).sort();

/** What a table's upload says about it, less what differs by upload (id, hash, time). */
function profileOf(meta: any) {
  const { columns, rows, label, droppedRows, features, outputs, classes, targetKind } = meta;
  return { columns, rows, label, droppedRows, features, outputs, classes, targetKind };
}

describe('Parquet and Arrow profile as the same table in CSV', () => {
  const small = makeColumns(300);
  let csvProfile: any;

  beforeAll(async () => {
    const csv = await post('label=kind', csvOf(small), 'text/csv');
    expect(csv.status, JSON.stringify(csv.body)).toBe(201);
    csvProfile = profileOf(csv.body);
  });

  it('the CSV is typed as the file declares its columns (the comparison is not vacuous)', () => {
    const types = Object.fromEntries(csvProfile.columns.map((c: any) => [c.name, c.type]));
    expect(types).toEqual({
      x: 'numeric',
      n: 'numeric',
      color: 'categorical',
      flag: 'boolean',
      when: 'datetime',
      kind: 'categorical',
    });
    const x = csvProfile.columns.find((c: any) => c.name === 'x');
    expect(x.missing).toBe(small.x.filter((v, r) => v === null && small.kind[r] !== null).length);
    expect(csvProfile.droppedRows[0].count).toBe(small.kind.filter((v) => v === null).length);
    expect(csvProfile.classes).toEqual(['high', 'low']);
  });

  it('Parquet (zstd): the same columns, statistics, rows and label', async () => {
    const file = parquetOf(arrowTable(small));
    const uploaded = await post('label=kind', file, parquetType);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    expect(profileOf(uploaded.body)).toEqual(csvProfile);
  });

  it('Parquet (snappy, uncompressed) reads the same', async () => {
    for (const codec of [parquet.Compression.SNAPPY, parquet.Compression.UNCOMPRESSED]) {
      const uploaded = await post('label=kind', parquetOf(arrowTable(small), codec), parquetType);
      expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
      expect(profileOf(uploaded.body)).toEqual(csvProfile);
    }
  });

  it('an Arrow IPC file: the same', async () => {
    const file = arrow.tableToIPC(arrowTable(small), 'file');
    const uploaded = await post('label=kind', file, arrowFileType);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    expect(profileOf(uploaded.body)).toEqual(csvProfile);
  });

  it('an Arrow stream past the inline size, read in the table thread: the same as its CSV', async () => {
    const big = makeColumns(20_000);
    const stream = arrow.tableToIPC(arrowTable(big), 'stream');
    expect(stream.length).toBeGreaterThan(inlineBytes);
    const [fromArrow, fromCsv] = await Promise.all([
      post('label=kind', stream, arrowStreamType),
      post('label=kind', csvOf(big), 'text/csv'),
    ]);
    expect(fromArrow.status, JSON.stringify(fromArrow.body)).toBe(201);
    expect(fromCsv.status, JSON.stringify(fromCsv.body)).toBe(201);
    expect(fromArrow.body.rows).toBe(20_000 - big.kind.filter((v) => v === null).length);
    expect(profileOf(fromArrow.body)).toEqual(profileOf(fromCsv.body));
  });
});

describe("the file's declared types decide", () => {
  it('a string column of digits stays categorical; int64 and decimals are numbers; dates and microsecond timestamps are datetime', async () => {
    const rows = 40;
    const table = new arrow.Table({
      zip: arrow.vectorFromArray(
        Array.from({ length: rows }, (_, r) => `0${1000 + (r % 4)}`),
        new arrow.Utf8(),
      ),
      big: arrow.vectorFromArray(
        Array.from({ length: rows }, (_, r) => BigInt(r) * 1000n),
        new arrow.Int64(),
      ),
      day: arrow.vectorFromArray(
        Array.from({ length: rows }, (_, r) => new Date(Date.UTC(2024, 1, 1 + (r % 28)))),
        new arrow.DateDay(),
      ),
      at: arrow.vectorFromArray(
        Array.from({ length: rows }, (_, r) => Date.UTC(2024, 0, 1) + r * 1000), // in ms, stored in µs
        new arrow.TimestampMicrosecond('UTC'),
      ),
      y: arrow.vectorFromArray(
        Array.from({ length: rows }, (_, r) => r / 4),
        new arrow.Float64(),
      ),
    });
    const uploaded = await post('label=y', parquetOf(table), parquetType);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    const byName = Object.fromEntries(uploaded.body.columns.map((c: any) => [c.name, c]));
    expect(byName.zip).toMatchObject({ type: 'categorical', distinct: 4 });
    expect(byName.big).toMatchObject({ type: 'numeric', min: 0, max: 39_000 });
    expect(byName.day).toMatchObject({ type: 'datetime', min: '2024-02-01', max: '2024-02-28' });
    expect(byName.at).toMatchObject({
      type: 'datetime',
      min: '2024-01-01T00:00:00.000Z',
      max: '2024-01-01T00:00:39.000Z',
    });
    // the same digits in a CSV are numbers: the file's string type is what keeps them categories
    const csv = await post('label=y', 'zip,y\n01000,1\n01001,2\n01002,3\n', 'text/csv');
    expect(csv.body.columns[0].type).toBe('numeric');
  });
});

describe('trained end to end', () => {
  it('a job of the Parquet dataset id and a seed trains in the worker and classifies held-out rows', async () => {
    const columns = makeColumns(400);
    const uploaded = await post('label=kind', parquetOf(arrowTable(columns)), parquetType);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    const submitted = await http(service, 'POST', '/v1/jobs', {
      dataset: { id: uploaded.body.id },
      training: { seed: 1, epochs: 60 },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const events = await follow(service, submitted.body.id);
    const done = events[events.length - 1]!;
    expect(done.type, JSON.stringify(done.data)).toBe('done');
    const model = await http(service, 'GET', `/v1/models/${done.data.modelId}`);
    expect(model.body.target).toMatchObject({ name: 'kind', task: 'classification' });
    expect(model.body.preprocessing.inputNames).toEqual(expect.arrayContaining(['x', 'n', 'flag']));
    const evaluation = model.body.evaluation;
    expect(evaluation.task).toBe('classification');
    // kind is the sign of x: a model that learnt nothing scores about 0.5
    expect(evaluation.accuracy).toBeGreaterThan(0.85);
  });
});

describe('bad files: a 400 naming what is wrong, nothing stored', () => {
  async function refused(body: Uint8Array, type: string, path: string, message: RegExp) {
    const before = await datasetKeys();
    const answer = await post('label=kind', body, type);
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.errors).toEqual([{ path, message: expect.stringMatching(message) }]);
    expect(await datasetKeys()).toEqual(before);
  }
  const file = parquetOf(arrowTable(makeColumns(50)));

  it('a truncated Parquet file', async () => {
    await refused(
      file.slice(0, file.length - 100),
      parquetType,
      'parquet',
      /^is not a readable Parquet file: could not be read \(.+\); send a whole Parquet file$/,
    );
  });

  it('bytes that are no Parquet at all, and an empty body', async () => {
    await refused(
      new TextEncoder().encode('x,y\n1,2\n'),
      parquetType,
      'parquet',
      /^is not a readable Parquet file: could not be read/,
    );
    await refused(
      new Uint8Array(0),
      parquetType,
      'parquet',
      /^is not a readable Parquet file: the body is empty/,
    );
  });

  it('a corrupt Arrow stream', async () => {
    const stream = arrow.tableToIPC(arrowTable(makeColumns(50)), 'stream');
    await refused(
      stream.slice(0, 200),
      arrowStreamType,
      'arrow',
      /^is not a readable Arrow IPC file: could not be read \(.+\); send a whole Arrow IPC file or stream/,
    );
  });

  it('a column of a type the service cannot read (a list) is named', async () => {
    const table = new arrow.Table({
      kind: arrow.vectorFromArray(['a', 'b'], new arrow.Utf8()),
      tags: arrow.vectorFromArray(
        [[1], [2, 3]],
        new arrow.List(new arrow.Field('item', new arrow.Int32())),
      ),
    });
    await refused(
      arrow.tableToIPC(table, 'file'),
      arrowFileType,
      'arrow.tags',
      /^column 2 is of type List<Int32>, which this service cannot read/,
    );
  });
});

describe('past MAX_DATASET_BYTES', () => {
  const maxDatasetBytes = 100_000;
  let small: TestService;
  beforeAll(async () => {
    small = await startService({ env: { MAX_DATASET_BYTES: String(maxDatasetBytes) } });
  });
  afterAll(() => small?.stop());

  it('a 413 counted as the file streams in (no content-length), nothing stored', async () => {
    const file = arrow.tableToIPC(arrowTable(makeColumns(10_000)), 'stream');
    expect(file.length).toBeGreaterThan(maxDatasetBytes);
    const keys = () => redis.keys(`${small.config.keyPrefix}:tenant:${defaultTenant}:dataset:*`);
    const chunks = Array.from({ length: Math.ceil(file.length / 16_384) }, (_, i) =>
      file.subarray(i * 16_384, (i + 1) * 16_384),
    );
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const res = await fetch(`${small.url}/v1/datasets?label=kind`, {
      method: 'POST',
      headers: { 'content-type': arrowStreamType },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    const problem: any = await res.json();
    expect(problem.detail).toBe(
      `the body is larger than the limit of ${maxDatasetBytes} bytes (MAX_DATASET_BYTES)`,
    );
    expect(await keys()).toEqual([]);
  });
});
