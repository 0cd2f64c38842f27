// Tables over real HTTP (issue 14, "Columns, typed"): StatLib cars uploaded raw as CSV, JSON
// records and NDJSON, each column typed and described (statistics against a float64 computation
// written here), the rows without a label dropped and counted, the kept rows stored encoded and
// read back exactly; the label, task and missing-token options; refusals naming the query field
// with nothing stored. Hostile tables are in hostile-input.test.ts.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../src/api/problem.js';
import { defaultTenant } from '../../src/config.js';
import { encodeTable } from '../../src/data/encoded-table.js';
import { tableDataset } from '../../src/data/table-dataset.js';
import { inlineBytes, inlineCells } from '../../src/data/table-upload.js';
import { connectRedis, createStores, type Stores } from '../../src/store/index.js';
import { startService, type TestService } from '../helpers/service.js';
import { datasetFile } from '../helpers/store.js';

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

// StatLib cars, a copy of shared/data/cars.csv (406 rows; 8 without Miles_per_Gallon)
const carsCsv = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');
const [carsHeader, ...carsRows] = parse(carsCsv) as string[][];
const header = carsHeader!;
const col = (name: string) => header.indexOf(name);
const mpg = col('Miles_per_Gallon');
const keptRows = carsRows.filter((row) => row[mpg] !== '');
const droppedRowNumbers = carsRows.flatMap((row, r) => (row[mpg] === '' ? [r + 1] : []));

/** The cars as JSON records: numbers as numbers, blanks as null (or left out, every third). */
const carsRecords = carsRows.map((row, r) => {
  const record: Record<string, string | number | null> = {};
  row.forEach((cell, c) => {
    if (cell === '' && r % 3 === 0) return;
    record[header[c]!] = cell === '' ? null : /^[\d.]+$/.test(cell) ? Number(cell) : cell;
  });
  return record;
});

async function post(query: string, body: string | Buffer, type: string) {
  const res = await fetch(`${service.url}/v1/datasets${query}`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });
  const answer: any = await res.json();
  return { status: res.status, type: res.headers.get('content-type'), body: answer };
}
const postCsv = (query: string, csv: string) => post(query, csv, 'text/csv');

const datasetKeys = async () =>
  (await redis.keys(`${service.config.keyPrefix}:tenant:default:dataset:*`)).sort();

/** A 400 problem+json whose errors are exactly `errors`; nothing stored. */
async function expectRefusal(
  sent: Promise<{ status: number; type: string | null; body: Problem }>,
  errors: Problem['errors'],
) {
  const before = await datasetKeys();
  const res = await sent;
  expect(res.status).toBe(400);
  expect(res.type).toMatch(/^application\/problem\+json/);
  expect(res.body.errors).toEqual(errors);
  expect(await datasetKeys()).toEqual(before);
}

/** Float64 statistics straight from the definitions. */
function reference(cells: string[]) {
  const values = cells.filter((c) => c !== '').map(Number);
  const n = values.length;
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
  const sorted = [...values].sort((a, b) => a - b);
  const mid = n >> 1;
  const median = n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0], max: sorted[n - 1], mean, std, median, missing: cells.length - n };
}

describe('cars.csv with ?label=Miles_per_Gallon', () => {
  let meta: any;
  beforeAll(async () => {
    const res = await postCsv('?label=Miles_per_Gallon', carsCsv);
    expect(res.status).toBe(201);
    meta = res.body;
  });

  it('stores the 398 rows with a label, the 8 without dropped and listed', () => {
    expect(droppedRowNumbers).toEqual([11, 12, 13, 14, 15, 18, 40, 368]);
    expect(meta).toMatchObject({
      format: 'table',
      rows: 398,
      outputs: 1,
      targetKind: 'real',
      label: { name: 'Miles_per_Gallon', task: 'regression' },
      droppedRows: [
        { reason: 'the label Miles_per_Gallon is missing', count: 8, rows: droppedRowNumbers },
      ],
      missingTokens: ['NA', 'N/A', 'NaN', 'null', '?'],
    });
    expect(meta.label.reason).toMatch(/real-valued label in 398 rows/);
    expect(meta.classes).toBeUndefined();
  });

  it('types every column', () => {
    expect(meta.columns.map((c: any) => [c.name, c.type, c.missing])).toEqual([
      ['Name', 'text', 0],
      ['Miles_per_Gallon', 'numeric', 0],
      ['Cylinders', 'numeric', 0],
      ['Displacement', 'numeric', 0],
      ['Horsepower', 'numeric', 6],
      ['Weight_in_lbs', 'numeric', 0],
      ['Acceleration', 'numeric', 0],
      ['Year', 'datetime', 0],
      ['Origin', 'categorical', 0],
    ]);
    const byName = (name: string) => meta.columns.find((c: any) => c.name === name);
    expect(byName('Name').reason).toMatch(/^free text: \d+ distinct values in 398 rows$/);
    expect(byName('Year')).toMatchObject({ min: '1970-01-01', max: '1982-01-01', distinct: 12 });
    const origins = new Map<string, number>();
    for (const row of keptRows)
      origins.set(row[col('Origin')]!, (origins.get(row[col('Origin')]!) ?? 0) + 1);
    expect(byName('Origin')).toMatchObject({
      distinct: 3,
      top: [...origins]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.count - a.count),
    });
  });

  it('gives the numbers the float64 statistics of the kept rows', () => {
    for (const name of [
      'Miles_per_Gallon',
      'Cylinders',
      'Displacement',
      'Horsepower',
      'Weight_in_lbs',
      'Acceleration',
    ]) {
      const r = reference(keptRows.map((row) => row[col(name)]!));
      const p = meta.columns.find((c: any) => c.name === name);
      expect([p.min, p.max, p.median, p.missing], name).toEqual([
        r.min,
        r.max,
        r.median,
        r.missing,
      ]);
      expect(p.mean, name).toBeCloseTo(r.mean, 10);
      expect(p.std, name).toBeCloseTo(r.std, 10);
    }
  });

  it('is as wide as the default preprocessing makes it: 5 numbers, 5 date inputs, 3 origins + other', () => {
    expect(meta.features).toBe(5 + 5 + 4);
  });

  it('GET answers the same meta, profile included', async () => {
    const res = await fetch(`${service.url}/v1/datasets/${meta.id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(meta);
  });

  it('stores the kept rows encoded: loadTable gives encodeTable of them exactly', async () => {
    const stored = (await stores.datasets.loadTable(meta.id))!;
    expect(stored.meta).toEqual(meta);
    expect(stored.table).toEqual(encodeTable({ header, rows: keptRows }));
    const key = `${service.config.keyPrefix}:tenant:default:dataset:${meta.id}`;
    const file = await datasetFile(redis, key, service.app.services.blobs);
    expect(file.fields).toEqual(['blob', 'meta']);
    expect(meta.bytes).toBe(file.bytes);
  });
});

describe('the same table as JSON records and as NDJSON', () => {
  it('gives the same profile, dropped rows, width and stored cells as the CSV', async () => {
    const csv = (await postCsv('?label=Miles_per_Gallon', carsCsv)).body;
    const json = await post(
      '?label=Miles_per_Gallon',
      JSON.stringify(carsRecords),
      'application/json',
    );
    const ndjson = await post(
      '?label=Miles_per_Gallon',
      carsRecords.map((r) => JSON.stringify(r)).join('\n'),
      'application/x-ndjson',
    );
    const jsonl = await post(
      '?label=Miles_per_Gallon',
      `${carsRecords.map((r) => JSON.stringify(r)).join('\r\n')}\r\n\r\n`,
      'application/jsonl',
    );
    const same = ({ id, createdAt, bytes, ...rest }: any) => rest;
    for (const res of [json, ndjson, jsonl]) {
      expect(res.status).toBe(201);
      expect(same(res.body)).toEqual(same(csv));
      const stored = (await stores.datasets.loadTable(res.body.id))!.table;
      expect(stored).toEqual((await stores.datasets.loadTable(csv.id))!.table);
    }
  });
});

describe('a large table', () => {
  // the cars 40 times over: past inlineBytes, so parsed, profiled and encoded in a thread
  const copies = 40;
  const lines = carsCsv.trim().split(/\r?\n/);
  const big = `${lines[0]}\n${Array.from({ length: copies }, () => lines.slice(1).join('\n')).join('\n')}\n`;
  const bigRows = Array.from({ length: copies }, () => carsRows).flat();

  it('is read in a thread, to the same profile and stored cells as on the calling thread', async () => {
    expect(big.length).toBeGreaterThan(inlineBytes);
    const res = await postCsv('?label=Miles_per_Gallon', big);
    expect(res.status).toBe(201);
    const expected = tableDataset({ header, rows: bigRows }, { label: 'Miles_per_Gallon' });
    expect(res.body).toMatchObject({
      rows: 398 * copies,
      columns: expected.columns,
      label: expected.label,
      droppedRows: expected.droppedRows,
      // Name repeats enough here to be categorical: 20 slots and "other" more than the cars alone
      features: 14 + 21,
    });
    expect(res.body.droppedRows[0].count).toBe(8 * copies);
    const stored = (await stores.datasets.loadTable(res.body.id))!;
    expect(stored.table).toEqual(expected.table);
    // as JSON records (past inlineCells): the same, profiled in a thread too
    const records = bigRows.map((row) => Object.fromEntries(row.map((c, i) => [header[i], c])));
    expect(records.length * header.length).toBeGreaterThan(inlineCells);
    const json = await post('?label=Miles_per_Gallon', JSON.stringify(records), 'application/json');
    expect(json.status).toBe(201);
    const same = ({ id, createdAt, ...rest }: any) => rest;
    expect(same(json.body)).toEqual(same(res.body));
    expect((await stores.datasets.loadTable(json.body.id))!.table).toEqual(expected.table);
  });

  it('is refused from the thread as from the calling thread: a long last row, a misspelt label', async () => {
    await expectRefusal(
      postCsv('?label=Miles_per_Gallon', `${big}a,1,2,3,4,5,6,2020-01-01,USA,extra\n`),
      [
        {
          path: 'rows',
          message: `row ${406 * copies + 1} has 10 cells but the header names 9 columns; name every column or remove the extra cells`,
        },
      ],
    );
    const records = bigRows.map((row) => Object.fromEntries(row.map((c, i) => [header[i], c])));
    await expectRefusal(post('?label=Year', JSON.stringify(records), 'application/json'), [
      {
        path: 'query.label',
        message:
          'Year is datetime and cannot be a label; choose another column, or set its type in columns',
      },
    ]);
    await expectRefusal(postCsv('?label=mpg', big), [
      {
        path: 'query.label',
        message: expect.stringMatching(/^no column named mpg; the columns are Name, /),
      },
    ]);
    const ndjson = bigRows
      .map((row) => JSON.stringify(Object.fromEntries(row.map((c, i) => [header[i], c]))))
      .join('\n');
    expect(ndjson.length).toBeGreaterThan(inlineBytes);
    await expectRefusal(
      post('?label=Miles_per_Gallon', `${ndjson}\n{"Name": }\n`, 'application/x-ndjson'),
      [{ path: `ndjson.line ${406 * copies + 1}`, message: expect.stringMatching(/^is not JSON/) }],
    );
  });
});

describe('options', () => {
  const csv = 'x,kind,y\n1,a,-\n2,NA,5\n-,b,7\n4,a,?\n5,b,9\n';

  it('?missing= replaces the missing tokens; blank stays missing', async () => {
    const plain = (await postCsv('?label=y', csv)).body;
    // by default "-" is a word: x and y read as categories, "?" drops row 4
    expect(plain.columns.map((c: any) => c.type)).toEqual([
      'categorical',
      'categorical',
      'categorical',
    ]);
    expect(plain.droppedRows[0]).toMatchObject({ count: 1, rows: [4] });

    const own = await postCsv('?label=y&missing=-,%20%3F', csv);
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({
      missingTokens: ['-', '?'],
      rows: 3,
      droppedRows: [{ reason: 'the label y is missing', count: 2, rows: [1, 4] }],
    });
    // NA is a category now; "-" in x is missing
    expect(own.body.columns).toMatchObject([
      { name: 'x', type: 'numeric', missing: 1, min: 2, max: 5 },
      {
        name: 'kind',
        type: 'categorical',
        missing: 0,
        distinct: 2,
        top: [
          { value: 'b', count: 2 },
          { value: 'NA', count: 1 },
        ],
      },
      { name: 'y', type: 'numeric', missing: 0 },
    ]);
    const none = await postCsv('?label=kind&missing=', 'x,kind\n1,NA\n2,\n3,b\n');
    expect(none.body).toMatchObject({ missingTokens: [], rows: 2, classes: ['NA', 'b'] });
  });

  it('?task= overrides the inferred task; classes are numbers ascending or names by code point', async () => {
    const cylinders = (await postCsv('?label=Cylinders', carsCsv)).body;
    expect(cylinders).toMatchObject({
      label: { task: 'classification' },
      outputs: 5,
      classes: [3, 4, 5, 6, 8],
      targetKind: 'distribution',
      droppedRows: [],
      rows: 406,
    });
    const asNumber = (await postCsv('?label=Cylinders&task=regression', carsCsv)).body;
    expect(asNumber).toMatchObject({
      label: { task: 'regression', reason: 'task set to regression' },
      outputs: 1,
      targetKind: 'real',
    });
    expect(asNumber.classes).toBeUndefined();
    const origin = (await postCsv('?label=Origin', carsCsv)).body;
    expect(origin).toMatchObject({ outputs: 3, classes: ['Europe', 'Japan', 'USA'] });
    // code point order: U+FF21 (fullwidth A) before U+1F600, though its UTF-16 unit is larger
    const emoji = (await postCsv('?label=k', 'x,k\n1,\u{1F600}\n2,\uFF21\n3,b\n')).body;
    expect(emoji.classes).toEqual(['b', '\uFF21', '\u{1F600}']);
    await expectRefusal(postCsv('?label=Origin&task=regression', carsCsv), [
      {
        path: 'query.task',
        message:
          'is regression, but the label Origin is categorical, not numbers; set task to classification or choose a numeric label',
      },
    ]);
    await expectRefusal(postCsv('?label=Origin&task=both', carsCsv), [
      { path: 'query.task', message: expect.stringContaining('classification') },
    ]);
  });

  it('keeps a number past the float32 range in the profile (float64)', async () => {
    const res = await postCsv('?label=y', 'x,y\n1e39,1\n-2,0.5\n3,2.5\n');
    expect(res.status).toBe(201);
    expect(res.body.columns[0]).toMatchObject({ type: 'numeric', max: 1e39, mean: (1e39 + 1) / 3 });
  });
});

describe('the label', () => {
  const columns =
    'the columns are Name, Miles_per_Gallon, Cylinders, Displacement, Horsepower, Weight_in_lbs, Acceleration, Year, Origin';
  const jsonBody = JSON.stringify(carsRecords.slice(0, 20));
  const ndjsonBody = carsRecords
    .slice(0, 20)
    .map((r) => JSON.stringify(r))
    .join('\n');
  const bodies: [string, string][] = [
    [carsCsv, 'text/csv'],
    [jsonBody, 'application/json'],
    [ndjsonBody, 'application/x-ndjson'],
  ];

  it('left out: a table to score (issue 15), every row kept, no label, in every form', async () => {
    for (const [body, type] of bodies) {
      const res = await post('', body, type);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const meta = res.body;
      const rows = type === 'text/csv' ? carsCsv.trim().split('\n').length - 1 : 20;
      expect(meta).toMatchObject({ format: 'table', rows, droppedRows: [], outputs: 0 });
      expect(meta.label).toBeUndefined();
      expect(meta.columns.map((c: { name: string }) => c.name)).toContain('Miles_per_Gallon');
    }
    // a task is the label's: refused without one
    await expectRefusal(post('?task=regression', jsonBody, 'application/json'), [
      {
        path: 'query.task',
        message: "is the label's task: give the label too (?label=COLUMN), or leave out task",
      },
    ]);
  });

  it('left out, on a table with no value at all: a 400 at rows, nothing stored', async () => {
    const message = (rows: string) =>
      `every cell of the ${rows} is missing (blank, null or one of NA, N/A, NaN, null, ?): send a table with values`;
    await expectRefusal(post('', JSON.stringify([{ '!': null }]), 'application/json'), [
      { path: 'rows', message: message('one row') },
    ]);
    await expectRefusal(postCsv('', 'a,b\nNA,\n,?\n'), [
      { path: 'rows', message: message('2 rows') },
    ]);
  });

  it('misspelt: a 400 naming it, with the column it may mean', async () => {
    for (const [body, type] of bodies) {
      await expectRefusal(post('?label=miles_per_gallon', body, type), [
        {
          path: 'query.label',
          message: `no column named miles_per_gallon (did you mean Miles_per_Gallon?); ${columns}`,
        },
      ]);
      await expectRefusal(post('?label=MPG', body, type), [
        { path: 'query.label', message: `no column named MPG; ${columns}` },
      ]);
    }
  });

  it('that cannot be one: a date, a column with every cell missing, the only column', async () => {
    await expectRefusal(postCsv('?label=Year', carsCsv), [
      {
        path: 'query.label',
        message:
          'Year is datetime and cannot be a label; choose another column, or set its type in columns',
      },
    ]);
    await expectRefusal(postCsv('?label=y', 'x,y\n1,\n2,NA\n'), [
      {
        path: 'query.label',
        message:
          'y is ignored (every row is missing) and cannot be a label; choose another column, or set its type in columns',
      },
    ]);
    await expectRefusal(postCsv('?label=y', 'y\n1\n2\n'), [
      {
        path: 'query.label',
        message: 'y is the only column: add at least one column to learn from',
      },
    ]);
  });

  it('with ?targets=, JSON records and NDJSON are refused: targets are for a CSV of numbers', async () => {
    for (const [body, type] of bodies.slice(1)) {
      await expectRefusal(post('?label=Origin&targets=Cylinders', body, type), [
        {
          path: 'query.targets',
          message:
            'is for a CSV of numeric rows; a table (JSON records, NDJSON) takes ?label=COLUMN: leave out targets',
        },
      ]);
    }
    await expectRefusal(postCsv('?targets=y&task=regression', 'x,y\n1,2\n'), [
      {
        path: 'query.task',
        message:
          'is for tables (?label=COLUMN); ?targets= reads numeric rows: leave out task or targets',
      },
    ]);
  });
});

describe('limits', () => {
  let small: TestService;
  beforeAll(async () => {
    small = await startService({
      env: {
        MAX_DATASET_CELLS: '5000',
        MAX_DATASET_STORED_BYTES: '20000',
        MAX_TENANT_STORAGE_BYTES: '40000',
      },
    });
  });
  afterAll(() => small?.stop());

  const send = async (query: string, body: string, type: string) => {
    const res = await fetch(`${small.url}/v1/datasets${query}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
    const answer: any = await res.json();
    return { status: res.status, body: answer };
  };
  const keys = () => redis.keys(`${small.config.keyPrefix}:tenant:default:dataset:*`);

  it('more cells than MAX_DATASET_CELLS: a 400 naming it, in every form', async () => {
    const rows = Array.from({ length: 1001 }, (_, i) => ({
      a: i,
      b: i % 3,
      c: 'x',
      d: 1,
      y: i % 2,
    }));
    const csv = `a,b,c,d,y\n${rows.map((r) => Object.values(r).join(',')).join('\n')}\n`;
    const cases = [
      [csv, 'text/csv', 'csv', 'has more than 1000 rows of 5 columns'],
      [
        rows.map((r) => JSON.stringify(r)).join('\n'),
        'application/x-ndjson',
        'ndjson',
        'has at least 1001 records of 5 columns',
      ],
      [JSON.stringify(rows), 'application/json', '', 'holds 1001 records of 5 columns, 5005 cells'],
    ];
    for (const [body, type, path, start] of cases) {
      const res = await send('?label=y', body!, type!);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        {
          path,
          message: expect.stringMatching(
            new RegExp(`^${start}.*at most 5000.*\\(MAX_DATASET_CELLS\\)`),
          ),
        },
      ]);
    }
    expect(await keys()).toEqual([]);
    const fits = await send('?label=y', `a,b,c,d,y\n${'1,2,x,4,0\n'.repeat(500)}`, 'text/csv');
    expect(fits.status).toBe(201);
  });

  it('a table past MAX_DATASET_STORED_BYTES or the tenant quota: a 413 naming it, nothing stored', async () => {
    const before = await keys();
    const res = await send('?label=Miles_per_Gallon', carsCsv, 'text/csv');
    expect(res.status).toBe(413);
    expect(res.body.detail).toMatch(
      /^the table would take \d+ bytes stored \(398 rows of 9 columns, .*at most 20000 bytes per dataset \(MAX_DATASET_STORED_BYTES\)/,
    );
    expect(await keys()).toEqual(before);
    // a fifth of the cars at a time, until the tenant's 40,000 bytes are used
    const part = carsCsv.split('\n').slice(0, 80).join('\n');
    const answers: { status: number; body: any }[] = [];
    while (answers.at(-1)?.status !== 413 && answers.length < 10)
      answers.push(await send('?label=Miles_per_Gallon', part, 'text/csv'));
    const stored = answers.filter((a) => a.status === 201);
    expect(stored.length).toBeGreaterThan(0);
    expect(answers).toHaveLength(stored.length + 1);
    expect(stored.reduce((sum, a) => sum + a.body.bytes, 0)).toBeLessThanOrEqual(40_000);
    expect(answers.at(-1)!.body.detail).toMatch(/MAX_TENANT_STORAGE_BYTES/);
    expect(await keys()).toHaveLength(before.length + stored.length);
  });
});
