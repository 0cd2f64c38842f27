// Uploads sent with content-encoding: gzip (issue 16), over real HTTP: a gzipped CSV, NDJSON,
// JSON or Arrow body is stored exactly as the same body sent plain (profile, rows), a big one
// through the table thread too; MAX_DATASET_BYTES counts the decompressed bytes, so a gzip bomb
// (10 MB of zeros in ~10 KB) is a 413 with nothing stored; a body that is not gzip, or is cut
// short, is a 400 naming it; br and deflate are a 415 naming what is accepted. Other routes
// read bodies as before.
import { gzipSync } from 'node:zlib';
import * as arrow from 'apache-arrow';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../src/api/problem.js';
import { defaultTenant } from '../../src/config.js';
import { inlineBytes } from '../../src/data/table-upload.js';
import { connectRedis } from '../../src/store/index.js';
import { irisCsv } from '../helpers/iris.js';
import { startService, type TestService } from '../helpers/service.js';

const maxDatasetBytes = 1_000_000;

let service: TestService;
let redis: Redis;
beforeAll(async () => {
  service = await startService({ env: { MAX_DATASET_BYTES: String(maxDatasetBytes) } });
  redis = connectRedis(service.config.redisUrl);
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const datasetKeys = () =>
  redis.keys(`${service.config.keyPrefix}:tenant:${defaultTenant}:dataset:*`);

async function post(
  query: string,
  body: string | Uint8Array,
  contentType: string,
  encoding?: string,
  path = '/v1/datasets',
) {
  const res = await fetch(`${service.url}${path}${query}`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      ...(encoding ? { 'content-encoding': encoding } : {}),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

// The dataset's description without what differs between two uploads of the same data.
function described(meta: Record<string, unknown>) {
  const { id: _id, createdAt: _createdAt, ...rest } = meta;
  return rest;
}

async function expectSameAsPlain(query: string, body: string | Uint8Array, contentType: string) {
  const plain = await post(query, body, contentType);
  expect(plain.status).toBe(201);
  const zipped = await post(query, gzipSync(body), contentType, 'gzip');
  expect(zipped.status).toBe(201);
  expect(described(zipped.body)).toEqual(described(plain.body));
  return zipped.body;
}

function bigCsv(): string {
  const lines = ['x,n,color,kind'];
  for (let r = 0; r < 40_000; r++) {
    const x = Math.round(Math.sin(r * 1.7) * 1000) / 250;
    lines.push(`${x},${(r * 7) % 50},${['red', 'green', 'blue'][r % 3]},${x > 0 ? 'high' : 'low'}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('a gzipped upload is stored as the same body sent plain', () => {
  it('CSV (iris): the same profile and rows', async () => {
    const meta = await expectSameAsPlain('?label=label', irisCsv('train').csv, 'text/csv');
    expect(meta.rows).toBe(irisCsv('train').rows.length);
  });

  it('a CSV past inlineBytes decompressed (read in the table thread)', async () => {
    const csv = bigCsv();
    expect(csv.length).toBeGreaterThan(inlineBytes);
    expect(gzipSync(csv).length).toBeLessThan(inlineBytes);
    const meta = await expectSameAsPlain('?label=kind', csv, 'text/csv');
    expect(meta.rows).toBe(40_000);
  });

  it('a CSV of numbers (?targets=)', async () => {
    await expectSameAsPlain('?targets=y', 'a,b,y\n1,2,3\n4,5,6\n7,8,9.5\n', 'text/csv');
  });

  it('NDJSON, JSON records and JSON rows', async () => {
    const records = [
      { a: 1, c: 'x', y: 'no' },
      { a: 2, c: 'y', y: 'yes' },
      { a: 3, c: 'x', y: 'no' },
    ];
    const ndjson = records.map((r) => JSON.stringify(r)).join('\n');
    await expectSameAsPlain('?label=y', ndjson, 'application/x-ndjson');
    await expectSameAsPlain('?label=y', JSON.stringify(records), 'application/json');
    const rows = JSON.stringify({ inputs: [[1], [2], [3]], labels: [0, 1, 0] });
    await expectSameAsPlain('', rows, 'application/json');
  });

  it('an Arrow IPC file', async () => {
    const table = new arrow.Table({
      x: arrow.vectorFromArray([1.5, 2, -3, 4], new arrow.Float64()),
      kind: arrow.vectorFromArray(['a', 'b', 'a', 'b'], new arrow.Utf8()),
    });
    const meta = await expectSameAsPlain(
      '?label=kind',
      arrow.tableToIPC(table, 'file'),
      'application/vnd.apache.arrow.file',
    );
    expect(meta.rows).toBe(4);
  });

  it('x-gzip is gzip; identity is the body as it is', async () => {
    const csv = irisCsv('test').csv;
    const plain = await post('?label=label', csv, 'text/csv', 'identity');
    const zipped = await post('?label=label', gzipSync(csv), 'text/csv', 'x-gzip');
    expect(plain.status).toBe(201);
    expect(described(zipped.body)).toEqual(described(plain.body));
  });
});

describe('MAX_DATASET_BYTES counts the decompressed bytes', () => {
  const bomb = gzipSync(Buffer.alloc(10_000_000, '0'));

  it('a gzip bomb (10 MB of zeros in ~10 KB) is a 413 with nothing stored', async () => {
    expect(bomb.length).toBeLessThan(20_000);
    const before = await datasetKeys();
    for (const type of ['text/csv', 'application/x-ndjson', 'application/json']) {
      const res = await post('?label=y', bomb, type, 'gzip');
      expect(res.status, type).toBe(413);
      expect(res.body.detail).toBe(
        `the body is larger than the limit of ${maxDatasetBytes} bytes (MAX_DATASET_BYTES), counted decompressed`,
      );
    }
    expect(await datasetKeys()).toEqual(before);
  });

  it('a body that decompresses to just under the limit is taken', async () => {
    const header = 'a,y\n';
    const row = '1,0\n';
    const csv = header + row.repeat(Math.floor((maxDatasetBytes - header.length) / row.length));
    expect(csv.length).toBeLessThanOrEqual(maxDatasetBytes);
    expect(csv.length).toBeGreaterThan(maxDatasetBytes - row.length);
    const res = await post('?targets=y', gzipSync(csv), 'text/csv', 'gzip');
    expect(res.status).toBe(201);
  });
});

describe('bad encodings: refused, nothing stored', () => {
  const csv = irisCsv('test').csv;

  it('a body that is not gzip, or is cut short, is a 400 naming it', async () => {
    const before = await datasetKeys();
    const zipped = gzipSync(csv);
    const cut = zipped.subarray(0, Math.floor(zipped.length / 2));
    for (const [body, type] of [
      [csv, 'text/csv'],
      [cut, 'text/csv'],
      [cut, 'application/json'],
      [
        gzipSync(JSON.stringify({ inputs: [[1]], labels: [0] })).subarray(0, 20),
        'application/json',
      ],
    ] as const) {
      const res = await post('?label=label', body, type, 'gzip');
      expect(res.status, type).toBe(400);
      const problem = res.body as Problem;
      expect(problem.detail).toMatch(
        /^the body is not valid gzip \(.+\) though content-encoding says gzip/,
      );
    }
    expect(await datasetKeys()).toEqual(before);
  });

  it('br, deflate or a list of encodings is a 415 naming what is accepted', async () => {
    const before = await datasetKeys();
    for (const encoding of ['br', 'deflate', 'gzip, gzip']) {
      for (const type of ['text/csv', 'application/json']) {
        const res = await post('?label=label', csv, type, encoding);
        expect(res.status, `${encoding} ${type}`).toBe(415);
        expect(res.body.detail).toBe(
          `content-encoding ${encoding} is not accepted here: send the body as it is or compressed with content-encoding: gzip`,
        );
      }
    }
    expect(await datasetKeys()).toEqual(before);
  });

  it('other routes do not decode: a gzipped job is not JSON to them (400)', async () => {
    const job = JSON.stringify({ network: {}, dataset: { builtin: 'xor' } });
    const res = await post('', gzipSync(job), 'application/json', 'gzip', '/v1/jobs');
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/not valid JSON/);
  });
});
