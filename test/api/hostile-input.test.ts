// Issue 5's hostile-input suite: fast-check throws malformed job specs, datasets, CSV bodies, ids,
// query strings and headers at every route over real HTTP. Every answer must be a 4xx RFC 9457
// problem+json whose `status` is the HTTP status and whose `detail` says what is wrong — never a
// 5xx, never a hang — and afterwards every key under the run's prefix is as it was.
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, keysUnder } from '../../src/store/index.js';
import {
  deep,
  type Fault,
  faults,
  faulty,
  idSegment,
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

/** Every key under the run's prefix with its type and whole value. */
async function snapshot(): Promise<Map<string, string>> {
  const keys = await keysUnder(redis, service.config.keyPrefix);
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
}
interface Answer {
  status: number;
  type: string | null;
  text: string;
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
  const res = await fetch(service.url + req.path, {
    method: req.method,
    headers: { ...(type ? { 'content-type': type } : {}), ...req.headers },
    ...(req.body === undefined ? {} : { body: req.body }),
    redirect: 'manual',
    signal: AbortSignal.timeout(answerWithinMs),
  });
  const text = await res.text();
  if (res.status >= 500) serverErrors.push(`${shown(req)} → ${res.status} ${text.slice(0, 300)}`);
  return { status: res.status, type: res.headers.get('content-type'), text };
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
          faults(cells, [['inputs'], ['labels']], notANumber),
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
    { weight: 1, arbitrary: notAnObject },
    { weight: 1, arbitrary: oversized(maxDatasetBytes) },
  );
  it('refuses broken JSON datasets', () =>
    property(
      upload,
      (body) => refused({ method: 'POST', path: '/v1/datasets', body }, bodyStatuses),
      500,
    ));

  // A CSV with a label column y; each fault below makes it one no loader should take.
  const header = ['a', 'b', 'y'];
  const rows = [
    ['0', '1', 'cat'],
    ['1', '0', 'dog'],
    ['0.5', '-2e3', 'cat'],
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
        '',
        '?',
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
      const csv = fs.reduce((c, f) => f(c), { lines: [header, ...rows], query: '?label=y' });
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

describe('routes with an id', () => {
  const segment = () =>
    idSegment([
      `${ids.job}:events`,
      `${ids.cancelled}:events`,
      `${ids.job}:checkpoint`,
      `${ids.model}:x`,
      `${ids.dataset}:x`,
      `${ids.job}*`,
      `${ids.job} `,
      ids.job.toLowerCase(),
    ]);
  it('answers 400 or 404 to junk ids on every route', () =>
    property(
      fc.tuple(
        fc.constantFrom(
          ['GET', '/v1/datasets/%s'],
          ['DELETE', '/v1/datasets/%s'],
          ['GET', '/v1/jobs/%s'],
          ['POST', '/v1/jobs/%s/cancel'],
          ['GET', '/v1/jobs/%s/events'],
          ['GET', '/v1/models/%s'],
          ['DELETE', '/v1/models/%s'],
          ['POST', '/v1/models/%s/predict'],
        ),
        segment(),
      ),
      ([[method, pattern], id]) =>
        refused(
          {
            method: method!,
            path: pattern!.replace('%s', id),
            ...(pattern!.endsWith('predict') ? { body: json({ inputs: [[0, 1]] }) } : {}),
          },
          [400, 404],
        ),
      600,
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
            `/v1/jobs/${ids.job}`,
            `/v1/models/${ids.model}/predict`,
            '/v1/datasets',
            `/v1/jobs/${ids.job}/events`,
          ),
        ),
        // DELETE /v1/models/:id is a route (and would delete the model the suite predicts with)
        fc.tuple(
          fc.constantFrom('PUT', 'PATCH', 'OPTIONS'),
          fc.constant(`/v1/models/${ids.model}`),
        ),
      ),
      ([method, path]) => refused({ method, path }, [404, 405]),
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
