// Issue 5's hostile-input suite: fast-check throws malformed job specs, datasets, CSV bodies,
// tensors (OIP v2, TF Serving), ids, query strings, headers and, at a second service with API
// keys, credentials at every route over real HTTP. Every answer must be a 4xx RFC 9457
// problem+json whose `status` is the HTTP status and whose `detail` says what is wrong — never a
// 5xx, never a hang — and afterwards every key under the run's prefix is as it was.
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { nestsDeeperThan } from '../../src/api/json-body.js';
import { queueBoardPath } from '../../src/api/queue-board.js';
import { defaultTenant } from '../../src/config.js';
import { connectRedis, createStores, keysUnder } from '../../src/store/index.js';
import {
  deep,
  type Fault,
  faults,
  faulty,
  headerChar,
  headerText,
  idSegment,
  junk,
  junkScalar,
  nonFinite,
  notANumber,
  notAnObject,
  oversized,
  Raw,
  render,
  setAt,
  shapeFaults,
  strangeKey,
} from '../helpers/hostile-arbitrary.js';
import { startService, storeTinyModel, type TestService } from '../helpers/service.js';

const maxBodyBytes = 64 * 1024;
const maxDatasetBytes = 128 * 1024;
const maxPredictRows = 50;
/** A request that takes longer than this has hung. */
const answerWithinMs = 5000;

let service: TestService;
let redis: Redis;
/** Real records: a queued job, a cancelled one, a dataset and a model. */
const ids = { job: '', cancelled: '', dataset: '', model: '' };
const idempotencyKey = 'hostile-suite-key';
let before: Map<string, string>;

const json = JSON.stringify;
const xorJob = {
  network: {
    inputSize: 2,
    layers: [
      { units: 4, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    divergence: 'l2',
  },
  dataset: { generator: 'xor', samples: 8, noise: 0.1 },
  training: { epochs: 5, learningRate: 0.5, optimizer: 'adam', validationSplit: 0.2, seed: 7 },
};
const inlineJob = {
  ...xorJob,
  dataset: {
    inputs: [
      [0, 1],
      [1, 0],
      [1, 1],
    ],
    targets: [[1], [1], [0]],
  },
};

beforeAll(async () => {
  service = await startService({
    env: {
      MAX_BODY_BYTES: String(maxBodyBytes),
      MAX_DATASET_BYTES: String(maxDatasetBytes),
      MAX_PREDICT_ROWS: String(maxPredictRows),
    },
  });
  redis = connectRedis(service.config.redisUrl);
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(service.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: json(body),
    });
    expect(res.status, path).toBeLessThan(300);
    return (await res.json()) as { id: string };
  };
  ids.job = (await post('/v1/jobs', xorJob, { 'idempotency-key': idempotencyKey })).id;
  ids.cancelled = (await post('/v1/jobs', xorJob)).id;
  await fetch(`${service.url}/v1/jobs/${ids.cancelled}/cancel`, { method: 'POST' });
  ids.dataset = (await post('/v1/datasets', { inputs: [[0, 1]], labels: [0] })).id;

  ids.model = await storeTinyModel(service, ['no', 'yes']);
  before = await snapshot();
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

/** Every key under the run's prefix (or another service's) with its type and whole value. */
async function snapshot(prefix = service.config.keyPrefix): Promise<Map<string, string>> {
  const keys = await keysUnder(redis, prefix);
  const values = new Map<string, string>();
  for (const key of keys) {
    const type = await redis.type(key);
    const read: Record<string, () => Promise<unknown>> = {
      string: () => redis.getBuffer(key).then((b) => b?.toString('base64')),
      hash: () => redis.hgetallBuffer(key).then((h) => Object.entries(h).sort()),
      zset: () => redis.zrange(key, 0, -1, 'WITHSCORES'),
      list: () => redis.lrange(key, 0, -1),
      set: () => redis.smembers(key).then((m) => m.sort()),
      stream: () => redis.xrange(key, '-', '+'),
    };
    values.set(key, `${type} ${json(await (read[type] ?? (async () => null))())}`);
  }
  return values;
}

interface Request {
  method: string;
  path: string;
  body?: string | Uint8Array;
  /** Defaults to application/json when there is a body; null sends none. */
  type?: string | null;
  headers?: Record<string, string>;
  /** Defaults to the suite's service. */
  origin?: string;
}
interface Answer {
  status: number;
  type: string | null;
  text: string;
  headers: Headers;
}

let cases = 0;
const serverErrors: string[] = [];

const shown = (req: Request) => {
  const body =
    typeof req.body === 'string' ? req.body : req.body ? `<${req.body.length} bytes>` : '';
  return `${req.method} ${req.path.slice(0, 200)} ${json(req.headers ?? {})} ${body.slice(0, 300)}`;
};

async function send(req: Request): Promise<Answer> {
  cases++;
  const type = req.type === undefined && req.body !== undefined ? 'application/json' : req.type;
  const res = await fetch((req.origin ?? service.url) + req.path, {
    method: req.method,
    headers: { ...(type ? { 'content-type': type } : {}), ...req.headers },
    ...(req.body === undefined ? {} : { body: req.body }),
    redirect: 'manual',
    signal: AbortSignal.timeout(answerWithinMs),
  });
  const text = await res.text();
  if (res.status >= 500) serverErrors.push(`${shown(req)} → ${res.status} ${text.slice(0, 300)}`);
  return { status: res.status, type: res.headers.get('content-type'), text, headers: res.headers };
}

/** Sends `req` and checks the problem+json contract; `allowed` are the statuses that fit. */
async function refused(req: Request, allowed: number[] = [400]): Promise<any> {
  const res = await send(req);
  const where = `${shown(req)} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(allowed, where).toContain(res.status);
  expect(res.type, where).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text);
  expect(body.status, where).toBe(res.status);
  expect(body.detail, where).toMatch(/\w+\W+\w+/);
  return body;
}

/** refused(), and the `error` OIP and TF Serving clients read: the same text as `detail`. */
async function refusedByProtocol(req: Request, allowed: number[] = [400]): Promise<any> {
  const problem = await refused(req, allowed);
  expect(problem.error, shown(req)).toBe(problem.detail);
  return problem;
}

const property = <T>(
  arb: fc.Arbitrary<T>,
  check: (value: T) => Promise<unknown>,
  numRuns: number,
) =>
  fc.assert(
    fc.asyncProperty(arb, async (value) => {
      await check(value);
    }),
    { numRuns },
  );

const bodyStatuses = [400, 413, 415];

/** Whether `text` is a JSON array of objects: records, a form of table POST /v1/datasets takes. */
function isRecords(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return (
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((row) => row !== null && typeof row === 'object' && !Array.isArray(row))
    );
  } catch {
    return false;
  }
}

describe('POST /v1/jobs', () => {
  const leaves = [
    ['network', 'inputSize'],
    ['network', 'layers', 0, 'units'],
    ['network', 'layers', 0, 'activation'],
    ['network', 'layers', 1, 'units'],
    ['network', 'divergence'],
    ['dataset', 'generator'],
    ['dataset', 'samples'],
    ['dataset', 'noise'],
    ['training', 'epochs'],
    ['training', 'learningRate'],
    ['training', 'optimizer'],
    ['training', 'validationSplit'],
    ['training', 'seed'],
  ];
  const containers = [
    ['network'],
    ['network', 'layers'],
    ['network', 'layers', 0],
    ['dataset'],
    ['training'],
  ];
  const inlineLeaves = [
    ['dataset', 'inputs', 0, 0],
    ['dataset', 'inputs', 2, 1],
    ['dataset', 'targets', 1, 0],
  ];
  // Shapes that disagree: the network's width against the data's, rows against rows.
  const mismatch = fc.constantFrom<Fault>(
    (doc: any) => ({ ...doc, network: { ...doc.network, inputSize: 3 } }),
    (doc: any) => ({
      ...doc,
      network: {
        ...doc.network,
        layers: [doc.network.layers[0], { units: 2, activation: 'sigmoid' }],
      },
    }),
  );
  const job = fc.oneof(
    { weight: 6, arbitrary: faulty(xorJob, faults(leaves, containers)) },
    {
      weight: 4,
      arbitrary: faulty(
        inlineJob,
        fc.oneof(
          faults(
            inlineLeaves,
            [
              ['dataset', 'inputs'],
              ['dataset', 'targets'],
            ],
            notANumber,
          ),
          shapeFaults(
            [
              ['dataset', 'inputs', 1],
              ['dataset', 'targets', 2],
            ],
            [['dataset', 'targets']],
          ),
          mismatch,
        ),
      ),
    },
    { weight: 1, arbitrary: faulty(xorJob, mismatch) },
    { weight: 2, arbitrary: notAnObject },
    { weight: 1, arbitrary: oversized(maxBodyBytes) },
  );

  it('refuses broken job specs', () =>
    property(
      job,
      (body) => refused({ method: 'POST', path: '/v1/jobs', body }, bodyStatuses),
      700,
    ));

  const badKey = fc.oneof(
    fc.constantFrom('', '   ', 'a b', 'tab\there', 'caf\u00e9', 'x'.repeat(256), 'x'.repeat(4000)),
    fc.string({ minLength: 1, maxLength: 20 }).map((s) => `${s} ${s}`),
  );
  it('refuses a bad Idempotency-Key, even with a valid job', () =>
    property(
      fc.tuple(badKey, fc.oneof(fc.constant(json(xorJob)), job)),
      ([key, body]) =>
        refused(
          { method: 'POST', path: '/v1/jobs', body, headers: { 'idempotency-key': key } },
          bodyStatuses,
        ),
      200,
    ));

  it('answers 422 to a reused Idempotency-Key with another job', () =>
    property(
      fc.integer({ min: 8, max: 2 ** 32 - 1 }),
      (seed) =>
        refused(
          {
            method: 'POST',
            path: '/v1/jobs',
            body: json({ ...xorJob, training: { ...xorJob.training, seed } }),
            headers: { 'idempotency-key': idempotencyKey },
          },
          [422],
        ),
      50,
    ));

  const mediaType = fc.constantFrom(
    null,
    'text/plain',
    'text/csv',
    'text/html',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/octet-stream',
    'application/jsonx',
    'application/json-patch+json',
    'json',
    '*/*',
    'application/*',
    ';;;',
  );
  it('refuses a valid job under another content-type', () =>
    property(
      mediaType,
      (type) => refused({ method: 'POST', path: '/v1/jobs', body: json(xorJob), type }, [400, 415]),
      60,
    ));
});

describe('POST /v1/datasets', () => {
  const labelled = {
    inputs: [
      [0, 1],
      [1, 0],
      [1, 1],
    ],
    labels: [0, 1, 1],
  };
  const regression = { inputs: labelled.inputs, targets: [[0.5], [1], [0]] };
  const cells = [
    ['inputs', 0, 0],
    ['inputs', 2, 1],
  ];
  const badLabel = fc.oneof(
    nonFinite.filter((v) => v instanceof Raw),
    fc.constantFrom(null, true, -1, 1.5, '', [], {}),
    deep,
  );
  const upload = fc.oneof(
    {
      weight: 3,
      arbitrary: faulty(
        labelled,
        fc.oneof(
          faults(cells, [['inputs']], notANumber),
          // not a list of junk in place of `labels`: three strings are valid labels
          fc
            .oneof(junkScalar, deep)
            .map((value) => (doc: unknown) => setAt(doc, ['labels'], value)),
          shapeFaults([['inputs', 1]], [['labels']]),
          fc.tuple(fc.constantFrom(0, 2), badLabel).map(
            ([i, value]) =>
              (doc: unknown) =>
                setAt(doc, ['labels', i], value),
          ),
          fc.constant((doc: any) => ({ ...labelled, ...doc, targets: [[0], [1], [1]] })),
          fc.constant((doc: any) => ({ inputs: doc.inputs })),
        ),
      ),
    },
    {
      weight: 2,
      arbitrary: faulty(
        regression,
        fc.oneof(
          faults([...cells, ['targets', 1, 0]], [['targets']], notANumber),
          shapeFaults([['targets', 1]], [['targets']]),
        ),
      ),
    },
    { weight: 1, arbitrary: faulty({ builtin: 'iris' }, faults([['builtin']], [])) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        json({ builtin: 'iris' }),
        json({ generator: 'xor' }),
        json({ id: 'x' }),
      ),
    },
    // an array of objects is no broken dataset but a table of records: see hostile tables
    { weight: 1, arbitrary: notAnObject.filter((text) => !isRecords(text)) },
    { weight: 1, arbitrary: oversized(maxDatasetBytes) },
  );
  it('refuses broken JSON datasets', () =>
    property(
      upload,
      (body) => refused({ method: 'POST', path: '/v1/datasets', body }, bodyStatuses),
      500,
    ));

  // A CSV of numbers with a target column y (?targets=y); each fault below makes it one no
  // loader should take. (As a table, ?label=y, many of them are ordinary: see hostile tables.)
  const header = ['a', 'b', 'y'];
  const rows = [
    ['0', '1', '0.25'],
    ['1', '0', '1'],
    ['0.5', '-2e3', '0'],
  ];
  const badCell = fc.oneof(
    fc.constantFrom(
      'NaN',
      'Infinity',
      '-Infinity',
      '1e999',
      '-1e999',
      '1e300',
      '-3.5e38',
      'abc',
      '',
      '0x10',
      '1,5',
      '"1,5"',
      '1 2',
      '--1',
      '\u00a0',
    ),
    fc.string({ maxLength: 8 }).map((s) => `~${s}`),
  );
  type Csv = { lines: string[][]; query: string };
  const csvFault = fc.oneof(
    fc
      .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1 }), badCell)
      .map(([r, c, cell]) => (csv: Csv) => ({
        ...csv,
        lines: csv.lines.map((l, i) => (i === r ? l.map((v, j) => (j === c ? cell : v)) : l)),
      })),
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.boolean()).map(([r, grow]) => (csv: Csv) => ({
      ...csv,
      lines: csv.lines.map((l, i) => (i === r ? (grow ? [...l, '1'] : l.slice(1)) : l)),
    })),
    fc.integer({ min: 1, max: 3 }).map((r) => (csv: Csv) => ({
      ...csv,
      lines: csv.lines.map((l, i) => (i === r ? [l[0]!, l[1]!, ''] : l)),
    })),
    fc.constantFrom<(csv: Csv) => Csv>(
      (csv) => ({ ...csv, lines: csv.lines.slice(0, 1) }),
      (csv) => ({ ...csv, lines: [] }),
      (csv) => ({ ...csv, lines: [['a', 'a', 'y'], ...csv.lines.slice(1)] }),
      (csv) => ({ ...csv, lines: [['a', '', 'y'], ...csv.lines.slice(1)] }),
      (csv) => ({ ...csv, lines: [['"a', 'b', 'y'], ...csv.lines.slice(1)] }),
    ),
    fc
      .constantFrom(
        // no query is no fault since issue 15: a table without a label is stored, to be scored
        '?task=regression',
        '?label=',
        '?label=z',
        '?label=__proto__',
        '?label=constructor',
        '?label=y&label=y',
        '?label=y&targets=a',
        '?targets=',
        '?targets=a,a',
        '?targets=a,b,y',
        '?label=y&extra=1',
        '?__proto__=1&label=y',
        `?label=${'y'.repeat(201)}`,
        '?label=%zz',
      )
      .map((query) => (csv: Csv) => ({ ...csv, query })),
  );
  const csvBody = fc
    .tuple(
      // one fault a body: two can undo each other (a row's first cell cut, then "1,5" written
      // into the next one reads as the valid row again)
      fc.array(csvFault, { minLength: 1, maxLength: 1 }),
      fc.constantFrom('', '\uFEFF', '\uFEFF'),
      fc.constantFrom('\n', '\r\n', '\r'),
    )
    .map(([fs, lead, eol]) => {
      const csv = fs.reduce((c, f) => f(c), { lines: [header, ...rows], query: '?targets=y' });
      return { text: lead + csv.lines.map((l) => l.join(',')).join(eol), query: csv.query };
    });
  const csvType = fc.constantFrom('text/csv', 'text/csv; charset=utf-8', 'application/csv');
  it('refuses broken CSV bodies and queries', () =>
    property(
      fc.tuple(csvBody, csvType),
      ([{ text, query }, type]) =>
        refused({ method: 'POST', path: `/v1/datasets${query}`, body: text, type }, bodyStatuses),
      500,
    ));

  it('refuses CSV bytes that are not UTF-8 in a number column, and CSV past the limit', async () => {
    const invalidUtf8 = Buffer.concat([
      Buffer.from('a,b,y\n0,'),
      Buffer.from([0xff, 0xfe, 0xc0]),
      Buffer.from(',cat\n'),
    ]);
    await refused({
      method: 'POST',
      path: '/v1/datasets?label=y',
      body: invalidUtf8,
      type: 'text/csv',
    });
    const big = `a,b,y\n${'0,1,cat\n'.repeat(maxDatasetBytes / 8 + 1)}`;
    await refused(
      { method: 'POST', path: '/v1/datasets?label=y', body: big, type: 'text/csv' },
      [413],
    );
  });
});

describe('POST /v1/datasets: hostile tables (issue 14)', () => {
  const tableStores = () =>
    createStores(redis, service.config.keyPrefix, defaultTenant, {
      blobs: service.app.services.blobs,
    });
  const datasetKeys = async () =>
    (await keysUnder(redis, service.config.keyPrefix)).filter((k) => k.includes(':dataset:'));
  const post = (query: string, body: string | Uint8Array, type = 'text/csv'): Request => ({
    method: 'POST',
    path: `/v1/datasets${query}`,
    body,
    type,
  });

  /** A 201 whose meta is read back by GET; the dataset is deleted again (the suite ends as it began). */
  async function accepted(req: Request, check: (meta: any) => Promise<void> | void) {
    const res = await send(req);
    expect(res.status, `${shown(req)} → ${res.text.slice(0, 300)}`).toBe(201);
    const meta = JSON.parse(res.text);
    const got = await fetch(`${service.url}/v1/datasets/${meta.id}`);
    expect(await got.json()).toEqual(meta);
    try {
      await check(meta);
    } finally {
      const deleted = await fetch(`${service.url}/v1/datasets/${meta.id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
    }
  }

  /** refused(), naming `path` (with `message` when given), and no dataset key written. */
  async function refusedTable(req: Request, path: string, message?: string | RegExp) {
    const keys = await datasetKeys();
    const problem = await refused(req, [400]);
    const issue = problem.errors?.find((e: { path: string }) => e.path === path);
    expect(issue, `${shown(req)} → ${json(problem.errors)}`).toBeDefined();
    if (message !== undefined) expect(issue.message).toMatch(message);
    expect(await datasetKeys()).toEqual(keys);
    return problem;
  }

  /** The stored column `name`'s cells, as texts (undefined where missing). */
  async function storedCells(id: string, name: string) {
    const { table } = (await tableStores().datasets.loadTable(id))!;
    const c = table.header.indexOf(name);
    return Array.from({ length: table.rows }, (_, r) => {
      const code = table.codes[c * table.rows + r]!;
      return code < 0 ? undefined : table.dictionaries[c]![code];
    });
  }

  it('ragged rows: a longer row is a 400 naming it; a shorter one has missing cells', async () => {
    await refusedTable(
      post('?label=y', 'a,y\n1,2\n3,4,5\n6,7\n'),
      'rows',
      'row 2 has 3 cells but the header names 2 columns; name every column or remove the extra cells',
    );
    await accepted(post('?label=y', 'y,a,b\n1,2,3\n0,4\n1,5,6\n'), (meta) => {
      expect(meta.rows).toBe(3);
      expect(meta.columns[2]).toMatchObject({ name: 'b', type: 'numeric', missing: 1, max: 6 });
    });
  });

  it('quotes: commas, newlines and doubled quotes inside a cell; CRLF line ends', async () => {
    const csv = 'name,y\r\n"Smith, John",1\r\n"two\r\nlines, ""quoted""",0\r\n"x",1\r\n';
    await accepted(post('?label=y', csv), async (meta) => {
      expect(meta.rows).toBe(3);
      expect(await storedCells(meta.id, 'name')).toEqual([
        'Smith, John',
        'two\r\nlines, "quoted"',
        'x',
      ]);
    });
  });

  it('a byte order mark is not part of the first column name (CSV and NDJSON)', async () => {
    await accepted(post('?label=y', '\uFEFFa,y\n1,0\n2,1\n'), (meta) => {
      expect(meta.columns.map((c: any) => c.name)).toEqual(['a', 'y']);
    });
    const ndjson = '\uFEFF{"a": 1, "y": 0}\n{"a": 2, "y": 1}\n';
    await accepted(post('?label=y', ndjson, 'application/x-ndjson'), (meta) => {
      expect(meta.columns.map((c: any) => c.name)).toEqual(['a', 'y']);
    });
  });

  it('duplicate and empty header names: a 400 naming the columns', async () => {
    await refusedTable(
      post('?label=y', 'a,b,a,y\n1,2,3,0\n'),
      'header',
      'columns 1 and 3 are both named a; rename one',
    );
    await refusedTable(
      post('?label=y', 'a,,y\n1,2,0\n'),
      'header',
      'column 2 has no name; name every column',
    );
    await refusedTable(post('?label=y', ' ,y\n1,0\n'), 'header', 'column 1 has no name');
  });

  // No limit on columns but MAX_DATASET_CELLS and MAX_DATASET_BYTES: profiling is linear in
  // the cells, and a wide table is a real one (one-hot exports, sensor arrays).
  it('10,000 columns: stored and profiled, every column typed', async () => {
    const names = Array.from({ length: 10_000 }, (_, c) => `c${c}`);
    const row = (r: number) => names.map((_, c) => (c + r) % 10).join(',');
    const csv = `${names.join(',')},y\n${row(0)},0\n${row(1)},1\n${row(2)},0\n`;
    expect(csv.length).toBeLessThan(maxDatasetBytes);
    await accepted(post('?label=y&task=classification', csv), (meta) => {
      expect(meta).toMatchObject({ rows: 3, features: 10_000, classes: [0, 1] });
      expect(meta.columns).toHaveLength(10_001);
      expect(meta.columns[9_999]).toMatchObject({ name: 'c9999', type: 'numeric', min: 0, max: 9 });
    });
  });

  it('one row', async () => {
    await accepted(post('?label=y', 'a,b,y\n1,x,2\n'), (meta) => {
      expect(meta).toMatchObject({ rows: 1, droppedRows: [], label: { task: 'regression' } });
      expect(meta.columns[1]).toMatchObject({
        type: 'categorical',
        top: [{ value: 'x', count: 1 }],
      });
    });
  });

  it('a column with every cell missing is ignored, with its reason', async () => {
    await accepted(post('?label=y', 'a,gone,y\n1,,0\n2,NA,1\n3,?,0\n'), (meta) => {
      expect(meta.columns[1]).toEqual({
        name: 'gone',
        type: 'ignored',
        missing: 3,
        distinct: 0,
        reason: 'every row is missing',
      });
    });
  });

  it('prototype keys: __proto__ refused in every form, constructor & co. ordinary columns', async () => {
    const proto = Object.getOwnPropertyNames(Object.prototype).sort();
    await refusedTable(
      post('?label=y', '[{"__proto__": {"polluted": 1}, "y": 1}]', 'application/json'),
      '0.__proto__',
    );
    await refusedTable(
      post(
        '?label=y',
        '[{"y": 1, "constructor": {"prototype": {"polluted": 1}}}]',
        'application/json',
      ),
      '0.constructor',
    );
    await refusedTable(
      post('?label=y', '{"__proto__": 1, "y": 0}\n', 'application/x-ndjson'),
      'header',
      /column 1 is named __proto__.*rename it/,
    );
    await refusedTable(
      post('?label=y', '{"y": 0, "__proto__": {"polluted": 1}}\n', 'application/x-ndjson'),
      'ndjson.line 1.__proto__',
    );
    await refusedTable(post('?label=__proto__', '__proto__,y\n1,0\n'), 'header');
    const records = [
      { constructor: 'a', toString: 1, hasOwnProperty: true, prototype: null, y: 1 },
      { constructor: 'b', toString: 2, hasOwnProperty: false, prototype: 'p', y: 0 },
    ];
    const named = ['constructor', 'toString', 'hasOwnProperty', 'prototype', 'y'];
    for (const body of [json(records), records.map((r) => json(r)).join('\n')]) {
      const type = body.startsWith('[') ? 'application/json' : 'application/x-ndjson';
      await accepted(post('?label=constructor', body, type), async (meta) => {
        expect(meta.columns.map((c: any) => [c.name, c.type])).toEqual([
          ['constructor', 'categorical'],
          ['toString', 'numeric'],
          ['hasOwnProperty', 'boolean'],
          ['prototype', 'categorical'],
          ['y', 'numeric'],
        ]);
        expect(meta.classes).toEqual(['a', 'b']);
        expect(await storedCells(meta.id, 'toString')).toEqual(['1', '2']);
      });
    }
    await accepted(post('?label=y', `${named.join(',')}\na,1,true,,1\nb,2,false,p,0\n`), (meta) => {
      expect(meta.columns.map((c: any) => c.name)).toEqual(named);
    });
    expect(({} as any).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(proto);
  });

  it('bytes that are not UTF-8: a 400 naming the line and byte, in CSV and NDJSON', async () => {
    const bad = Buffer.concat([
      Buffer.from('a,y\n1,0\n2,'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n'),
    ]);
    await refusedTable(
      post('?label=y', bad),
      'csv',
      'is not UTF-8 text (line 3, byte offset 11): save or export the file as UTF-8',
    );
    const utf16 = Buffer.from('\uFEFFa,y\n1,0\n', 'utf16le');
    await refusedTable(
      post('?label=y', utf16),
      'csv',
      /^is not UTF-8 text \(line 1, byte offset 0\)/,
    );
    const ndjson = Buffer.concat([
      Buffer.from('{"a": 1, "y": 0}\n{"a": "'),
      Buffer.from([0xff]),
      Buffer.from('", "y": 1}\n'),
    ]);
    await refusedTable(
      post('?label=y', ndjson, 'application/x-ndjson'),
      'ndjson',
      'is not UTF-8 text (line 2, byte offset 24): save or export the file as UTF-8',
    );
    // cut off in the middle of a character at the very end
    await refusedTable(
      post('?label=y', Buffer.from([...Buffer.from('a,y\n1,'), 0xe2, 0x82])),
      'csv',
    );
  });

  it('NDJSON: a line that is not a JSON object is a 400 naming its line', async () => {
    await refusedTable(
      post('?label=y', '{"a": 1, "y": 0}\n\n{"a": 2, "y": }\n', 'application/x-ndjson'),
      'ndjson.line 3',
      /^is not JSON \(.*\): write one JSON object a line$/,
    );
    await refusedTable(
      post('?label=y', '{"a": 1, "y": 0}\n"a line"\n', 'application/x-ndjson'),
      'ndjson.line 2',
      'must be an object of column: value (got "a line")',
    );
  });

  // Any table: a 201 (deleted again) or a 4xx problem that stored nothing; never a 5xx.
  const name = fc.oneof(
    fc.constantFrom('a', 'b', 'y', '', ' ', '__proto__', 'constructor', 'toString', '"q"', 'a,b'),
    fc.string({ maxLength: 6 }),
  );
  const cell = fc.oneof(
    fc.constantFrom('', 'NA', '?', 'null', '1', '0', '-2.5', '1e999', '1e39', 'true', 'no'),
    fc.constantFrom(
      '2024-02-29',
      '2023-02-30',
      'x,y',
      'say "hi"',
      'two\nlines',
      '\uFEFF',
      '\u0000',
    ),
    fc.double().map(String),
    fc.string({ maxLength: 8 }),
  );
  const quoted = (text: string) =>
    /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  const table = fc
    .record({
      header: fc.array(name, { minLength: 1, maxLength: 5 }),
      rows: fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 12 }),
      label: fc.oneof(fc.constant(0), fc.constant(-1), fc.nat(5)),
      task: fc.constantFrom('', '&task=classification', '&task=regression'),
      missing: fc.constantFrom('', '&missing=', '&missing=x,-', '&missing=%2C%2C'),
      eol: fc.constantFrom('\n', '\r\n'),
    })
    .map(({ header, rows, label, task, missing, eol }) => {
      const labelName = label < 0 ? 'nothing' : (header[label % header.length] ?? 'y');
      const text = [header, ...rows].map((r) => r.map(quoted).join(',')).join(eol);
      return { query: `?label=${encodeURIComponent(labelName)}${task}${missing}`, text };
    });
  /** A 201 (the dataset deleted again) or a 4xx problem naming the field, that stored nothing. */
  async function storedOrRefused(req: Request) {
    const keys = await datasetKeys();
    const res = await send(req);
    if (res.status === 201) {
      const { id } = JSON.parse(res.text);
      expect((await fetch(`${service.url}/v1/datasets/${id}`, { method: 'DELETE' })).status).toBe(
        204,
      );
      return;
    }
    const where = `${shown(req)} → ${res.status} ${res.text.slice(0, 300)}`;
    expect([400, 413], where).toContain(res.status);
    expect(res.type, where).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(res.text);
    expect(problem.errors?.length, where).toBeGreaterThan(0);
    for (const e of problem.errors) expect(e.message, where).toMatch(/\w+ \w+/);
    expect(await datasetKeys()).toEqual(keys);
  }

  it('answers any CSV table with a 201 or a 4xx naming the field, never a 5xx', () =>
    property(table, ({ query, text }) => storedOrRefused(post(query, text)), 300));

  // JSON records ([{column: value}, …]), with a label or none (a table to score)
  const records = fc
    .record({
      rows: fc.array(fc.dictionary(name, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }), {
        maxLength: 8,
      }),
      label: fc.constantFrom('', '?label=a', '?label=y', '?label=__proto__'),
    })
    .map(({ rows, label }) => ({ query: label, text: JSON.stringify(rows) }));

  it('answers any JSON records with a 201 or a 4xx naming the field, never a 5xx', () =>
    property(
      records,
      ({ query, text }) => storedOrRefused(post(query, text, 'application/json')),
      300,
    ));
});

describe('routes with an id', () => {
  const segment = () =>
    idSegment([
      `${ids.job}:events`,
      `${ids.cancelled}:events`,
      `${ids.job}:checkpoint`,
      `${ids.model}:x`,
      `${ids.model}:predict`,
      `${ids.model}/infer`,
      `${ids.dataset}:x`,
      `${ids.job}*`,
      `${ids.job} `,
      ids.job.toLowerCase(),
    ]);
  // valid bodies, so that only the id is wrong ({inputs: rows} is TF Serving's columnar form too)
  const bodyFor = (pattern: string) =>
    pattern.endsWith('predict')
      ? { body: json({ inputs: [[0, 1]] }) }
      : pattern.endsWith('infer')
        ? {
            body: json({
              inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [0, 1] }],
            }),
          }
        : {};
  it('answers 400 or 404 to junk ids on every route', () =>
    property(
      fc.tuple(
        fc.constantFrom(
          ['GET', '/v1/datasets/%s'],
          ['DELETE', '/v1/datasets/%s'],
          ['GET', '/v1/jobs/%s'],
          ['DELETE', '/v1/jobs/%s'],
          ['POST', '/v1/jobs/%s/cancel'],
          ['GET', '/v1/jobs/%s/events'],
          ['GET', '/v1/models/%s'],
          ['DELETE', '/v1/models/%s'],
          ['POST', '/v1/models/%s/predict'],
          ['GET', '/v2/models/%s'],
          ['GET', '/v2/models/%s/ready'],
          ['POST', '/v2/models/%s/infer'],
          ['POST', '/v1/models/%s:predict'],
        ),
        segment(),
      ),
      ([[method, pattern], id]) =>
        refused(
          { method: method!, path: pattern!.replace('%s', id), ...bodyFor(pattern!) },
          [400, 404],
        ),
      800,
    ));

  it('answers 404 to an id of another kind, and 409 to cancelling a finished job', async () => {
    await refused({ method: 'GET', path: `/v1/jobs/${ids.model}` }, [404]);
    await refused({ method: 'GET', path: `/v1/models/${ids.job}` }, [404]);
    await refused({ method: 'GET', path: `/v1/datasets/${ids.job}` }, [404]);
    await refused({ method: 'GET', path: `/v1/jobs/${ids.dataset}/events` }, [404]);
    await refused({ method: 'POST', path: `/v1/jobs/${ids.cancelled}/cancel` }, [409]);
    await refused(
      { method: 'POST', path: `/v1/jobs/${ids.cancelled}/cancel`, body: '{"force":true}' },
      [400, 409, 415],
    );
  });

  it('answers 404 to methods no route has', () =>
    property(
      fc.oneof(
        fc.tuple(
          fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS'),
          fc.constantFrom(
            '/v1/jobs',
            `/v1/models/${ids.model}/predict`,
            '/v1/datasets',
            `/v1/jobs/${ids.job}/events`,
          ),
        ),
        // DELETE /v1/models/:id and /v1/jobs/:id are routes (and would delete what the suite uses)
        fc.tuple(
          fc.constantFrom('PUT', 'PATCH', 'OPTIONS'),
          fc.constantFrom(`/v1/models/${ids.model}`, `/v1/jobs/${ids.job}`),
        ),
      ),
      ([method, path]) => refused({ method, path }, [404, 405]),
      60,
    ));

  it('answers 404 to methods the protocol routes and /metrics do not have', () =>
    property(
      fc.oneof(
        fc.tuple(
          fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
          fc.constantFrom(`/v2/models/${ids.model}/infer`, `/v1/models/${ids.model}:predict`),
        ),
        fc.tuple(
          fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
          fc.constantFrom(
            '/v2',
            '/v2/health/live',
            '/v2/health/ready',
            `/v2/models/${ids.model}`,
            `/v2/models/${ids.model}/ready`,
            '/metrics',
          ),
        ),
      ),
      // GET and DELETE /v1/models/<id>:predict reach /v1/models/:id, whose id takes no ':'
      ([method, path]) => refused({ method, path }, path.endsWith(':predict') ? [400, 404] : [404]),
      60,
    ));
});

describe('GET /v1/jobs/:id/events', () => {
  const pattern = /^\d{1,20}-\d{1,20}$/;
  const isEventId = (id: string) =>
    pattern.test(id) && id.split('-').every((part) => BigInt(part) <= 2n ** 64n - 1n);
  const lastEventId = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      '-1-0',
      '1-',
      '-',
      '$',
      '>',
      '+',
      '1-2-3',
      '18446744073709551616-0',
      '0-18446744073709551616',
      '99999999999999999999-0',
      `${'1'.repeat(21)}-0`,
      '1e3-0',
      '0x1-0',
      '١-٠',
    ),
    fc
      .tuple(fc.bigInt({ min: 0n, max: 2n ** 70n }), fc.bigInt({ min: 0n, max: 2n ** 70n }))
      .map(([a, b]) => `${a}-${b}`),
  );
  // A valid Last-Event-ID would open a stream on a real job: those go to an unknown job only.
  const request = fc.tuple(lastEventId, fc.boolean(), fc.boolean()).map(([id, inHeader, known]) => {
    const job = known && !isEventId(id.trim()) ? ids.cancelled : '01UNKNOWNJOB00000000000000';
    return inHeader
      ? { method: 'GET', path: `/v1/jobs/${job}/events`, headers: { 'last-event-id': id } }
      : { method: 'GET', path: `/v1/jobs/${job}/events?lastEventId=${encodeURIComponent(id)}` };
  });
  it('answers 400 to a bad Last-Event-ID and 404 to an unknown job, at once', () =>
    property(
      // fetch sends only bytes 0-255 in a header, and no line breaks
      request.filter((r) => /^[\t\x20-\x7e\x80-\xff]*$/.test(r.headers?.['last-event-id'] ?? '')),
      (req) => refused(req, [400, 404]),
      300,
    ));
  it('refuses repeated and unknown query keys', async () => {
    for (const query of [
      'lastEventId=1-0&lastEventId=2-0',
      'from=0',
      '__proto__=1',
      'lastEventId[]=1-0',
    ])
      await refused({ method: 'GET', path: `/v1/jobs/${ids.cancelled}/events?${query}` }, [400]);
  });
});

describe('GET /v1/jobs (list)', () => {
  const badPair = fc.oneof(
    fc.tuple(
      fc.constant('status'),
      fc.oneof(
        fc.constantFrom('', 'QUEUED', 'done', 'queued ', '*', '__proto__'),
        fc.string().map((s) => `~${s}`),
      ),
    ),
    fc.tuple(
      fc.constant('limit'),
      fc.constantFrom(
        'abc',
        '-1',
        '0',
        '101',
        '1e999',
        'Infinity',
        '-Infinity',
        'NaN',
        '1.5',
        '1e3',
        '9'.repeat(400),
        '[]',
      ),
    ),
    fc.tuple(
      fc.constant('cursor'),
      fc.integer({ min: 65, max: 4000 }).map((n) => 'z'.repeat(n)),
    ),
    fc.tuple(strangeKey, fc.string({ maxLength: 8 })),
    fc.constantFrom<[string, string]>(['status[]', 'queued'], ['limit[0]', '5'], ['a.b', '1']),
  );
  const goodPair = fc.oneof(
    fc.tuple(
      fc.constant('status'),
      fc.constantFrom('queued', 'running', 'succeeded', 'failed', 'cancelled'),
    ),
    fc.tuple(fc.constant('limit'), fc.integer({ min: 1, max: 100 }).map(String)),
    fc.tuple(fc.constant('cursor'), fc.string({ maxLength: 64 })),
  );
  const query = (pairs: [string, string][]) =>
    pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  // A repeated key becomes a list, which no field takes.
  const repeated = fc
    .tuple(goodPair, goodPair)
    .map(([a, b]) => [a, [a[0], b[1]] as [string, string]]);
  const bad = fc
    .tuple(
      fc.oneof(fc.array(badPair, { minLength: 1, maxLength: 3 }), repeated),
      fc.array(goodPair, { maxLength: 2 }),
    )
    .chain(([b, g]) => fc.shuffledSubarray([...b, ...g], { minLength: b.length + g.length }))
    .filter((pairs) => {
      const keys = pairs.map(([k]) => k);
      return new Set(keys).size < keys.length || pairs.some(([k, v]) => isBad(k, v));
    });
  function isBad(key: string, value: string): boolean {
    if (key === 'status')
      return !['queued', 'running', 'succeeded', 'failed', 'cancelled'].includes(value);
    if (key === 'limit') {
      const n = Number(value);
      return !(Number.isInteger(n) && n >= 1 && n <= 100);
    }
    if (key === 'cursor') return value.length > 64;
    return true;
  }
  it('answers 400 to bad status, limit, cursor, repeated and unknown keys', () =>
    property(bad, (pairs) => refused({ method: 'GET', path: `/v1/jobs?${query(pairs)}` }), 300));

  it('answers 200 or 400, never a 5xx, to any cursor and raw query text', () =>
    property(
      fc.oneof(
        fc.string({ maxLength: 64 }).map((c) => `cursor=${encodeURIComponent(c)}`),
        fc.string({ unit: 'grapheme', maxLength: 80 }).map(encodeURI),
        fc.constantFrom(
          '%',
          '%zz',
          'cursor=%ff',
          '&&&',
          '=',
          'limit',
          'cursor',
          '%00=1',
          'cursor=(',
          'cursor=[',
          'cursor=-',
          'cursor=+',
        ),
      ),
      async (q) => {
        const res = await send({ method: 'GET', path: `/v1/jobs?${q}` });
        expect([200, 400], `${q} → ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
        if (res.status === 400) expect(res.type).toMatch(/^application\/problem\+json/);
      },
      200,
    ));
});

describe('POST /v1/models/:id/predict', () => {
  const row = [0.5, -1];
  const width = fc.constantFrom(0, 1, 3, 100);
  const badRows = fc.oneof(
    width.map((w) => [row, Array.from({ length: w }, () => 1)]),
    fc
      .tuple(fc.integer({ min: 0, max: 1 }), notANumber)
      .map(([c, v]) => [row, c === 0 ? [v, 1] : [1, v]]),
    fc
      .integer({ min: maxPredictRows + 1, max: maxPredictRows * 20 })
      .map((n) => Array.from({ length: n }, () => row)),
    fc.constantFrom<unknown[]>([], [[]], [row, null], [row, 5], [[row]], [row, {}]),
  );
  const body = fc.oneof(
    { weight: 5, arbitrary: badRows.map((inputs) => render({ inputs })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('', '\uFEFF'), strangeKey, notANumber)
        .map(([lead, key, value]) => lead + render(setAt({ inputs: [row] }, [key], value))),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        json({ inputs: [row], extra: 1 }),
        json({ rows: [row] }),
        json({}),
      ),
    },
    { weight: 1, arbitrary: notAnObject },
    { weight: 1, arbitrary: junkScalar.map((v) => render({ inputs: v })) },
  );
  it('refuses wrong widths, non-numbers, empty and oversized batches', () =>
    property(
      body,
      (text) =>
        refused(
          { method: 'POST', path: `/v1/models/${ids.model}/predict`, body: text },
          bodyStatuses,
        ),
      500,
    ));

  it('answers any finite rows of the right width with finite outputs or a 400, never a 5xx', () =>
    property(
      fc.array(fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double()), {
        minLength: 1,
        maxLength: maxPredictRows,
      }),
      async (inputs) => {
        const req = {
          method: 'POST',
          path: `/v1/models/${ids.model}/predict`,
          body: json({ inputs }),
        };
        const res = await send(req);
        expect([200, 400], `${shown(req)} → ${res.status} ${res.text.slice(0, 300)}`).toContain(
          res.status,
        );
        if (res.status === 200) {
          const outputs: number[][] = JSON.parse(res.text).outputs;
          expect(outputs.flat().every(Number.isFinite)).toBe(true);
        } else {
          expect(JSON.parse(res.text).errors[0].path).toMatch(/^inputs\.\d+(\.[01])?$/);
        }
      },
      300,
    ));

  const predict = (body: string) => ({
    method: 'POST',
    path: `/v1/models/${ids.model}/predict`,
    body,
  });
  const fields = (problem: { errors?: { path: string }[] }) => problem.errors?.map((e) => e.path);
  it('names the field: a wrong width, NaN, an empty batch, too many rows', async () => {
    const wide = await refused(predict(json({ inputs: [row, [1, 2, 3]] })));
    expect(fields(wide)).toEqual(['inputs.1']);
    expect(wide.detail).toMatch(/has 3 values; the model expects 2/);
    const nanText = await refused(predict(json({ inputs: [[0, 'NaN']] })));
    expect(fields(nanText)).toEqual(['inputs.0.1']);
    const nanNull = await refused(predict(json({ inputs: [[null, 1]] })));
    expect(fields(nanNull)).toEqual(['inputs.0.0']);
    const nanRaw = await refused(predict('{"inputs": [[NaN, 1]]}'));
    expect(fields(nanRaw)).toEqual(['']);
    const empty = await refused(predict(json({ inputs: [] })));
    expect(fields(empty)).toEqual(['inputs']);
    expect(empty.detail).toMatch(/at least one row/);
    const many = await refused(
      predict(json({ inputs: Array.from({ length: maxPredictRows + 1 }, () => row) })),
    );
    expect(fields(many)).toEqual(['inputs']);
    expect(many.detail).toMatch(
      new RegExp(`has ${maxPredictRows + 1} rows; send at most ${maxPredictRows}`),
    );
  });
});

describe('POST /v2/models/:id/infer', () => {
  const tensor = { name: 'input', shape: [2, 2], datatype: 'FP32', data: [0.5, -1, 1, 0] };
  const nested = {
    ...tensor,
    data: [
      [0.5, -1],
      [1, 0],
    ],
  };
  const infer = (body: string) => ({ method: 'POST', path: `/v2/models/${ids.model}/infer`, body });
  // The name is free (any string) and `parameters` takes anything: neither is a fault.
  const leaves = [
    ['inputs', 0, 'datatype'],
    ['inputs', 0, 'shape', 0],
    ['inputs', 0, 'shape', 1],
  ];
  const containers = [['inputs'], ['inputs', 0], ['inputs', 0, 'shape'], ['inputs', 0, 'data']];
  const cells = [
    ['inputs', 0, 'data', 0],
    ['inputs', 0, 'data', 3],
  ];
  // Near-valid tensors: each breaks the agreement of shape, data and datatype with the model
  // (one input [rows, 2]), which only the route checks.
  const mismatch = fc.oneof(
    fc
      .constantFrom(0, 1, 3, 4, maxPredictRows + 1)
      .map((rows) => ({ ...tensor, shape: [rows, 2] })),
    fc
      .constantFrom(0, 1, 3, 4)
      .map((width) => ({ ...tensor, shape: [2, width], data: Array(2 * width).fill(0.5) })),
    fc
      .constantFrom([], [4], [1, 4], [4, 1], [2, 2, 1], [1, 2, 2], [2, 1, 2])
      .map((shape) => ({ ...tensor, shape })),
    fc
      .constantFrom<unknown[]>(
        [[0.5, -1], [1]],
        [[0.5, -1]],
        [
          [0.5, -1],
          [1, 0],
          [1, 1],
        ],
        [[[0.5, -1]], [[1, 0]]],
        [
          [[0.5], [-1]],
          [[1], [0]],
        ],
        [[0.5, -1], 1, 0],
        [[0.5, -1], 1, 0, 1],
        [[], [], [], []],
        [0.5, -1, 1],
        [0.5, -1, 1, 0, 1],
        [],
      )
      .map((data) => ({ ...tensor, data })),
    // data holds 0.5 and -1: no INT or UINT type takes both; the others are no numeric type
    fc
      .constantFrom('INT8', 'INT32', 'INT64', 'UINT8', 'UINT64', 'BYTES', 'BOOL', 'FP8', 'fp32')
      .map((datatype) => ({ ...tensor, datatype })),
    fc
      .constantFrom('FP32 ', ' FP32', 'FP', 'float32', '', '__proto__', 'FP32\u0000')
      .map((datatype) => ({ ...tensor, datatype })),
  );
  const wrongRequest = fc.oneof(
    fc.constantFrom<unknown>(
      {},
      { inputs: [] },
      { inputs: tensor },
      { outputs: [{ name: 'output' }] },
      // the suite's model is no classifier: it has no "class" output
      { inputs: [tensor], outputs: [{ name: 'class' }] },
      { inputs: [tensor], outputs: [{ name: 'output' }, { name: 'Output' }] },
      { inputs: [tensor], outputs: [{}] },
      { inputs: [tensor], outputs: 'output' },
      { inputs: [tensor], outputs: [{ name: 'output', datatype: 'FP32' }] },
      { inputs: [tensor], id: 42 },
      { inputs: [tensor], id: null },
      { inputs: [tensor], parameters: [] },
      { inputs: [tensor], parameters: 'x' },
      { inputs: [{ ...tensor, parameters: 5 }] },
      { inputs: [{ name: 'input', shape: [2, 2], datatype: 'FP32' }] },
      { inputs: [{ shape: [2, 2], datatype: 'FP32', data: tensor.data }] },
      { inputs: [{ ...tensor, contents: { fp32_contents: tensor.data } }] },
    ),
    fc.integer({ min: 2, max: 300 }).map((n) => ({
      inputs: Array.from({ length: n }, (_, i) => ({ ...tensor, name: `in${i}` })),
    })),
  );
  const body = fc.oneof(
    {
      weight: 4,
      arbitrary: faulty(
        { inputs: [tensor] },
        fc.oneof(faults(leaves, containers), faults(cells, [], notANumber)),
      ),
    },
    {
      weight: 2,
      arbitrary: faulty(
        { inputs: [nested] },
        fc.oneof(
          faults([['inputs', 0, 'data', 1, 0]], [], notANumber),
          shapeFaults([['inputs', 0, 'data', 1]], [['inputs', 0, 'data']]),
        ),
      ),
    },
    { weight: 3, arbitrary: mismatch.map((t) => render({ inputs: [t] })) },
    { weight: 2, arbitrary: wrongRequest.map(render) },
    { weight: 1, arbitrary: notAnObject },
    { weight: 1, arbitrary: oversized(maxBodyBytes) },
  );
  it('refuses broken tensors: shapes, data, datatypes, nesting, many inputs, outputs', () =>
    property(body, (text) => refusedByProtocol(infer(text), bodyStatuses), 500));

  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  it('answers any finite tensor of the right width with finite outputs or a 400 naming it', () =>
    property(
      fc.tuple(
        fc.array(fc.tuple(finite, finite), { minLength: 1, maxLength: maxPredictRows }),
        fc.boolean(),
        fc.constantFrom('FP32', 'FP64', 'FP16'),
      ),
      async ([rows, flat, datatype]) => {
        const input = { name: 'input', shape: [rows.length, 2], datatype, data: rows };
        const req = infer(json({ inputs: [flat ? { ...input, data: rows.flat() } : input] }));
        const res = await send(req);
        const where = `${shown(req)} → ${res.status} ${res.text.slice(0, 300)}`;
        expect([200, 400], where).toContain(res.status);
        const answer = JSON.parse(res.text);
        if (res.status === 200) {
          expect(answer.outputs.map((o: { name: string }) => o.name)).toEqual(['output']);
          expect(answer.outputs[0].shape).toEqual([rows.length, 2]);
          expect(answer.outputs[0].data.every(Number.isFinite), where).toBe(true);
        } else {
          expect(answer.errors[0].path, where).toMatch(/^inputs\.0\.data(\.\d+){0,2}$/);
          expect(answer.error).toBe(answer.detail);
        }
      },
      150,
    ));

  // what the protocol lets a client add, which changes nothing but the echoed id and outputs
  const extras = fc
    .record(
      {
        id: fc.string({ unit: 'binary', maxLength: 40 }),
        parameters: fc.dictionary(
          fc.string({ maxLength: 8 }),
          fc.oneof(fc.jsonValue({ maxDepth: 3 }), deep),
          { maxKeys: 4 },
        ),
        outputs: fc.constantFrom(
          [],
          [{ name: 'output' }],
          [{ name: 'output', parameters: { binary_data: false } }],
          [{ name: 'output' }, { name: 'output' }],
        ),
        tensorParameters: fc.dictionary(
          fc.string({ maxLength: 8 }),
          fc.jsonValue({ maxDepth: 2 }),
          {
            maxKeys: 3,
          },
        ),
      },
      { requiredKeys: [] },
    )
    .map(({ tensorParameters, ...rest }) => ({
      ...rest,
      inputs: [{ ...tensor, ...(tensorParameters ? { parameters: tensorParameters } : {}) }],
    }))
    // prototype keys are refused by the JSON parser, a body past the limit is a 413 and one
    // nested past MAX_JSON_DEPTH a 400: the property on those is the one above
    .filter((request) => {
      const text = render(request);
      return (
        text.length < maxBodyBytes &&
        !/"(__proto__|constructor)"/.test(text) &&
        !nestsDeeperThan(text, service.config.maxJsonDepth)
      );
    });
  it('answers any id, parameters and choice of outputs with them, never a 5xx', () =>
    property(
      extras,
      async (request) => {
        const req = infer(render(request));
        const res = await send(req);
        const where = `${shown(req)} → ${res.status} ${res.text.slice(0, 300)}`;
        expect(res.status, where).toBe(200);
        const answer = JSON.parse(res.text);
        expect(answer.model_name).toBe(ids.model);
        expect(answer.id).toBe(request.id);
        const names = (request.outputs ?? [{ name: 'output' }]).map((o) => o.name);
        expect(answer.outputs.map((o: { name: string }) => o.name)).toEqual(names);
        for (const output of answer.outputs) expect(output.data.every(Number.isFinite)).toBe(true);
      },
      100,
    ));
});

describe('POST /v1/models/:id:predict', () => {
  const rows = [
    [0.5, -1],
    [1, 0],
  ];
  const forms = {
    instances: { instances: rows },
    objects: { instances: rows.map((input) => ({ input })) },
    columnar: { inputs: rows },
    named: { inputs: { input: rows } },
  };
  const predict = (body: string) => ({
    method: 'POST',
    path: `/v1/models/${ids.model}:predict`,
    body,
  });
  // A row that loses its first value stays short: row 0 is never widened back (shapeFaults).
  const rowFaults = (at: (string | number)[]) =>
    fc.oneof(
      faults(
        [
          [...at, 0, 0],
          [...at, 1, 1],
        ],
        [],
        notANumber,
      ),
      shapeFaults([[...at, 1]], [[...at, 0]]),
    );
  // A key beside "input" in a row object, which names an input the model does not have.
  const extraInput = fc.tuple(fc.constantFrom(0, 1), strangeKey, junk).map(
    ([r, key, value]) =>
      (doc: unknown) =>
        setAt(doc, ['instances', r, key], value),
  );
  const faulted = fc.oneof(
    faulty(forms.instances, fc.oneof(rowFaults(['instances']), faults([['instances']], []))),
    faulty(
      forms.objects,
      fc.oneof(
        faults(
          [
            ['instances', 0, 'input'],
            ['instances', 1, 'input', 1],
          ],
          [],
          notANumber,
        ),
        extraInput,
      ),
    ),
    faulty(forms.columnar, fc.oneof(rowFaults(['inputs']), faults([['inputs']], []))),
    faulty(
      forms.named,
      fc.oneof(rowFaults(['inputs', 'input']), faults([['inputs', 'input']], [['inputs']])),
    ),
    faulty(
      { ...forms.instances, signature_name: 'serving_default' },
      faults([['signature_name']], []),
    ),
  );
  const wrong = fc.constantFrom<unknown>(
    {},
    { signature_name: 'serving_default' },
    { ...forms.instances, ...forms.columnar },
    { ...forms.objects, ...forms.named },
    { ...forms.instances, inputs: null },
    { ...forms.instances, signature_name: 'predict' },
    { ...forms.instances, signature_name: 'Serving_Default' },
    { ...forms.instances, signature_name: '' },
    { instances: [] },
    { inputs: [] },
    { inputs: {} },
    { inputs: { input: [] } },
    { inputs: { input: rows, output: rows } },
    { inputs: { Input: rows } },
    { instances: 'x' },
    { instances: 5 },
    { instances: null },
    { instances: {} },
    { instances: { input: rows } },
    { inputs: 'x' },
    { inputs: 5 },
    { inputs: true },
    { instances: [[0.5, -1], [1]] },
    {
      instances: [
        [0.5, -1],
        [1, 0, 1],
      ],
    },
    { instances: [rows] },
    { instances: [[[0.5], [-1]]] },
    { instances: [0.5, -1] },
    { inputs: [0.5, -1] },
    { instances: [{}] },
    { instances: [{ input: [0.5, -1] }, { inputs: [1, 0] }] },
    { instances: [{ input: { input: [0.5, -1] } }] },
    { instances: [{ input: [[0.5, -1]] }] },
    { instances: [{ b64: 'AAAA' }] },
  );
  const tooMany = fc
    .tuple(fc.integer({ min: maxPredictRows + 1, max: maxPredictRows * 20 }), fc.boolean())
    .map(([n, columnar]) => {
      const many = Array.from({ length: n }, () => rows[0]);
      return columnar ? { inputs: many } : { instances: many };
    });
  const body = fc.oneof(
    { weight: 5, arbitrary: faulted },
    { weight: 3, arbitrary: fc.oneof(wrong, tooMany).map(render) },
    { weight: 1, arbitrary: notAnObject },
    { weight: 1, arbitrary: oversized(maxBodyBytes) },
  );
  it('refuses rows of wrong types, ragged rows, both forms, unknown inputs and signatures', () =>
    property(body, (text) => refusedByProtocol(predict(text), bodyStatuses), 500));

  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  it('answers any finite rows, in each form, with finite outputs or a 400 naming the row', () =>
    property(
      fc.tuple(
        fc.array(fc.tuple(finite, finite), { minLength: 1, maxLength: maxPredictRows }),
        fc.constantFrom('instances', 'objects', 'columnar', 'named'),
      ),
      async ([batch, form]) => {
        const request = {
          instances: { instances: batch },
          objects: { instances: batch.map((input) => ({ input })) },
          columnar: { inputs: batch },
          named: { inputs: { input: batch } },
        }[form];
        const req = predict(json(request));
        const res = await send(req);
        const where = `${shown(req)} → ${res.status} ${res.text.slice(0, 300)}`;
        expect([200, 400], where).toContain(res.status);
        const answer = JSON.parse(res.text);
        if (res.status === 200) {
          const outputs = 'instances' in request ? answer.predictions : answer.outputs;
          expect(outputs, where).toHaveLength(batch.length);
          expect(outputs.flat().every(Number.isFinite), where).toBe(true);
        } else {
          expect(answer.errors[0].path, where).toMatch(
            /^(instances|inputs|inputs\.input)\.\d+(\.input)?(\.[01])?$/,
          );
          expect(answer.error).toBe(answer.detail);
        }
      },
      150,
    ));
});

describe('with API keys: the Authorization header, ?access_token= and the bp_token cookie', () => {
  const alice = newApiKey('alice'); // an admin tenant's
  const bob = newApiKey('bob');
  const unknownJob = '01UNKNOWNJOB00000000000000';
  const events = `/v1/jobs/${unknownJob}/events`; // an unknown job: a valid key gets a 404
  const routes = ['/v1/jobs', events, '/metrics', queueBoardPath];
  let keyed: TestService;
  let keyedBefore: Map<string, string>;
  beforeAll(async () => {
    keyed = await startService({
      env: { API_KEYS: `${alice.entry},${bob.entry}`, ADMIN_TENANTS: 'alice' },
    });
    // BullMQ writes each queue's meta key once connected: /metrics counts jobs in both queues
    // on the same connection, after those writes
    const metrics = await fetch(`${keyed.url}/metrics`, {
      headers: { authorization: `Bearer ${alice.key}` },
    });
    expect(metrics.status).toBe(200);
    keyedBefore = await snapshot(keyed.config.keyPrefix);
  });
  afterAll(async () => {
    await keyed?.stop();
  });

  const isKey = (text: string) => [alice.key, bob.key].includes(text.trim());
  // Not a key: alice's with a character changed, added or dropped, her configured entry or
  // hash, any text fetch can send, text too long for any key.
  const notAKey = fc
    .oneof(
      fc.tuple(fc.nat(), headerChar).map(([i, c]) => {
        const at = i % alice.key.length;
        return alice.key.slice(0, at) + c + alice.key.slice(at + 1);
      }),
      headerChar.map((c) => alice.key + c),
      fc.constantFrom(
        alice.key.slice(0, -1),
        alice.key.slice(4),
        alice.key.toLowerCase(),
        alice.entry,
        alice.entry.split(':')[1]!,
        Buffer.from(alice.key).toString('base64'),
      ),
      headerText(60),
      fc.integer({ min: 1000, max: 8000 }).map((n) => 'A'.repeat(n)),
    )
    .filter((text) => !isKey(text));
  const authorization = fc.oneof(
    // well formed, so the key is looked up: Bearer, any case, then one word that is no key
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('Bearer', 'bearer', 'BEARER'),
          fc.constantFrom(' ', '   ', '\t'),
          notAKey,
        )
        .map(([scheme, gap, key]) => scheme + gap + key),
    },
    fc
      .tuple(
        fc.constantFrom(
          'Bearer',
          'bearer',
          'BEARER',
          'Bearer:',
          'Bearer Bearer',
          'Basic',
          'Token',
          '',
        ),
        fc.constantFrom(' ', '   ', '\t', ' \t ', '', ','),
        notAKey,
      )
      .map(([scheme, gap, key]) => scheme + gap + key),
    // alice's key with more after it
    fc
      .tuple(
        fc.constantFrom(' ', '\t', ', ', ',', ';', '"'),
        headerText(12).filter((text) => /\S/.test(text)),
      )
      .map(([gap, more]) => `Bearer ${alice.key}${gap}${more}`),
    // alice's key itself, but not as Bearer <key>
    fc.constantFrom(
      alice.key,
      `Basic ${alice.key}`,
      `Token ${alice.key}`,
      `Bearer${alice.key}`,
      `Bearer,${alice.key}`,
      `Bearer: ${alice.key}`,
      `Bearer "${alice.key}"`,
      `Bearer ${alice.key};`,
      `Bearer ${alice.key} ${alice.key}`,
      `Bearer ${alice.key}, Bearer ${alice.key}`,
      `Basic ${Buffer.from(`alice:${alice.key}`).toString('base64')}`,
    ),
    headerText(80),
  );
  const accessToken = fc.oneof(
    notAKey.map((key) => `access_token=${encodeURIComponent(key)}`),
    fc.constantFrom(
      'access_token',
      'access_token=',
      '%zz',
      'access_token=%zz',
      `access_token=${alice.key}&access_token=${alice.key}`,
      `access_token[]=${alice.key}`,
      `access_token[0]=${alice.key}`,
      `Access_Token=${alice.key}`,
      `access_token=%20${alice.key}`,
      `access_token=${alice.key}%00`,
      `access_token=${alice.key}%0A`,
      `token=${alice.key}`,
    ),
  );
  const cookie = fc.oneof(
    // a cookie's value ends at ';'
    notAKey.filter((key) => !isKey(key.split(';')[0]!)).map((key) => `bp_token=${key}`),
    headerText(80),
    fc.constantFrom(
      'bp_token',
      'bp_token=',
      '=',
      ';;;',
      `bp_token=x; bp_token=${alice.key}`,
      `BP_TOKEN=${alice.key}`,
      `bp_token="${alice.key}"`,
      `bp_token_x=${alice.key}`,
      `xbp_token=${alice.key}`,
      `bp_token=${alice.key} ${alice.key}`,
    ),
  );
  const route = fc.constantFrom(...routes);
  const request = fc.oneof(
    fc
      .tuple(route, authorization)
      .map(([path, value]) => ({ path, headers: { authorization: value } })),
    fc.tuple(route, accessToken).map(([path, query]) => ({ path: `${path}?${query}` })),
    fc.tuple(route, cookie).map(([path, value]) => ({ path, headers: { cookie: value } })),
    // a wrong header is not rescued by a right key elsewhere
    fc.tuple(fc.constantFrom(events, queueBoardPath), authorization).map(([path, value]) => ({
      path: `${path}?access_token=${alice.key}`,
      headers: { authorization: value, cookie: `bp_token=${alice.key}` },
    })),
    // a right key where the route does not read it: the query outside the stream and the board,
    // the cookie outside the board
    fc.constantFrom(
      { path: `/v1/jobs?access_token=${alice.key}` },
      { path: `/metrics?access_token=${alice.key}` },
      { path: '/v1/jobs', headers: { cookie: `bp_token=${alice.key}` } },
      { path: events, headers: { cookie: `bp_token=${alice.key}` } },
      { path: '/metrics', headers: { cookie: `bp_token=${alice.key}` } },
    ),
  );
  it('answers 401 problem+json to any other credentials, wherever they come', () =>
    property(
      request,
      async (req) => {
        const problem = await refused({ method: 'GET', origin: keyed.url, ...req }, [401]);
        expect(problem.type).toBe('/problems/unauthorized');
      },
      400,
    ));

  it('leaves a header past 16 KB to Node: 431, not a 5xx or a hang', async () => {
    const res = await send({
      method: 'GET',
      origin: keyed.url,
      path: '/v1/jobs',
      headers: { authorization: `Bearer ${'A'.repeat(20_000)}` },
    });
    expect(res.status).toBe(431);
  });

  it('still takes the right keys afterwards, where each route reads them, and stored nothing', async () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      send({ method: 'GET', origin: keyed.url, path, headers });
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const jobs = await get('/v1/jobs', as(alice.key));
    expect(jobs.status).toBe(200);
    expect(JSON.parse(jobs.text).jobs).toEqual([]);
    expect((await get('/v1/jobs', as(bob.key))).status).toBe(200);
    await refused(
      { method: 'GET', origin: keyed.url, path: events, headers: as(alice.key) },
      [404],
    );
    await refused(
      { method: 'GET', origin: keyed.url, path: `${events}?access_token=${alice.key}` },
      [404],
    );
    const metrics = await get('/metrics', as(alice.key));
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(
      /backprop_http_request_duration_seconds_count\{[^}]*status_code="401"/,
    );
    const board = await get(queueBoardPath, as(alice.key));
    expect([board.status, board.type]).toEqual([200, 'text/html; charset=utf-8']);
    const fromQuery = await get(`${queueBoardPath}?access_token=${alice.key}`);
    expect(fromQuery.status).toBe(303);
    expect(fromQuery.headers.get('location')).toBe(queueBoardPath);
    expect(fromQuery.headers.get('set-cookie')).toMatch(new RegExp(`^bp_token=${alice.key};`));
    expect((await get(queueBoardPath, { cookie: `bp_token=${alice.key}` })).status).toBe(200);
    for (const path of ['/metrics', queueBoardPath])
      await refused({ method: 'GET', origin: keyed.url, path, headers: as(bob.key) }, [403]);
    const after = await snapshot(keyed.config.keyPrefix);
    expect([...after.entries()]).toEqual([...keyedBefore.entries()]);
  });
});

describe('after the whole suite', () => {
  it('left every key under the prefix as it was, and answered no case with a 5xx', async () => {
    const after = await snapshot();
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
      (key) => before.get(key) !== after.get(key),
    );
    expect(changed).toEqual([]);
    expect(before.size).toBeGreaterThan(4);
    process.stdout.write(`hostile input: ${cases} cases, ${serverErrors.length} with a 5xx\n`);
    expect(serverErrors).toEqual([]);
    expect(cases).toBeGreaterThan(2000);
  });
});
