// Every route against bad input: each case must answer the right 4xx (never a 5xx) as RFC 9457
// problem+json whose `status` is the HTTP status, whose `detail` is a sentence, and whose
// `errors` name the field at fault; and it must change nothing in Redis. Then fast-check throws
// arbitrary JSON and text at the two routes that store things.
import { connect } from 'node:net';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../src/api/problem.js';
import type { NetworkSpec } from '../../src/spec/index.js';
import { connectRedis, keysUnder } from '../../src/store/index.js';
import { jsonJob, nearValidJob } from '../helpers/job-arbitrary.js';
import { startService, storeTinyModel, type TestService } from '../helpers/service.js';

const maxBodyBytes = 2048;
const maxDatasetBytes = 4096;
const maxPredictRows = 3;

let service: TestService;
let redis: Redis;
/** Ids the URLs' placeholders stand for: {job} queued, {cancelled}, {model}, {dataset}. */
const ids: Record<string, string> = {};

const json = JSON.stringify;
const network: NetworkSpec = {
  inputSize: 2,
  layers: [{ units: 1, activation: 'sigmoid' }],
  divergence: 'l2',
};
const xor = { generator: 'xor', samples: 8 };
const job = (parts: object = {}) => json({ network, dataset: xor, ...parts });
const layer = (fields: object) => job({ network: { ...network, layers: [fields] } });
const net = (fields: object) => job({ network: { ...network, ...fields } });
const training = (fields: object) => job({ training: fields });
const dataset = (d: unknown) => job({ dataset: d });
const iris = { builtin: 'iris', subset: 'train' };
const irisNet = (units: number, inputSize = 4): NetworkSpec => ({
  inputSize,
  layers: [{ units, activation: 'softmax' }],
  divergence: 'cross_entropy',
});
const long = (n: number) => 'A'.repeat(n);

beforeAll(async () => {
  service = await startService({
    env: {
      MAX_BODY_BYTES: String(maxBodyBytes),
      MAX_DATASET_BYTES: String(maxDatasetBytes),
      MAX_DATASET_JSON_BYTES: String(maxDatasetBytes),
      MAX_PREDICT_ROWS: String(maxPredictRows),
    },
  });
  redis = connectRedis(service.config.redisUrl);
  const submit = async () =>
    (
      await service.app.inject({ method: 'POST', url: '/v1/jobs', payload: JSON.parse(job()) })
    ).json().id;
  ids.job = await submit();
  ids.cancelled = await submit();
  await service.app.inject({ method: 'POST', url: `/v1/jobs/${ids.cancelled}/cancel` });
  const upload = await service.app.inject({
    method: 'POST',
    url: '/v1/datasets',
    payload: { inputs: [[0, 1]], labels: [0] },
  });
  ids.dataset = upload.json().id;
  for (const name of ['job', 'cancelled', 'dataset']) expect(ids[name]).toMatch(/^\w{26}$/);

  ids.model = await storeTinyModel(service, [0, 1]);
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

/** Every key under this file's prefix. */
const keysUnderPrefix = () => keysUnder(redis, service.config.keyPrefix);

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  json<T>(): T;
  body: string;
}

/** The problem+json contract every 4xx keeps. */
function expectProblem(res: Answer, status: number, url: string, path?: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Problem>();
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^\/problems\/[a-z-]+$/);
  expect(body.title).toMatch(/\w/);
  expect(body.instance).toBe(url);
  expect(typeof body.detail).toBe('string');
  expect(body.detail).toMatch(/\w+\W+\w+/); // a sentence, not a code
  expect(body.detail).not.toMatch(/undefined|\[object Object\]|FST_ERR/);
  if (body.errors !== undefined) {
    expect(body.errors.length).toBeGreaterThan(0);
    for (const e of body.errors) {
      expect(typeof e.path).toBe('string');
      expect(e.message).toMatch(/\w+ \w+/);
    }
  }
  if (path !== undefined) {
    expect(
      body.errors?.map((e: { path: string }) => e.path),
      body.detail,
    ).toContain(path);
  }
  return body;
}

interface BadCase {
  name: string;
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** {job}, {cancelled}, {model} and {dataset} are replaced with real ids. */
  url: string;
  body?: string;
  /** Defaults to application/json when there is a body; null sends none. */
  type?: string | null;
  headers?: Record<string, string>;
  status: number;
  /** For validation errors: the path `errors` must name ('' is the whole body). */
  path?: string;
}

const post =
  (url: string) =>
  (
    name: string,
    body: string,
    status: number,
    path?: string,
    extra: Partial<BadCase> = {},
  ): BadCase => ({
    name,
    method: 'POST',
    url,
    body,
    status,
    ...(path === undefined ? {} : { path }),
    ...extra,
  });
const get = (
  name: string,
  url: string,
  status: number,
  path?: string,
  extra: Partial<BadCase> = {},
): BadCase => ({
  name,
  method: 'GET',
  url,
  status,
  ...(path === undefined ? {} : { path }),
  ...extra,
});

const postJob = post('/v1/jobs');
const jobCases: BadCase[] = [
  // not a JSON object
  postJob('malformed JSON', '{"network": ', 400, ''),
  postJob('JSON with trailing garbage', '{} x', 400, ''),
  postJob('empty body', '', 400, ''),
  {
    name: 'no body, no content-type',
    method: 'POST',
    url: '/v1/jobs',
    type: null,
    status: 400,
    path: '',
  },
  postJob('null', 'null', 400, ''),
  postJob('a list', '[]', 400, ''),
  postJob('a string', '"train please"', 400, ''),
  postJob('a number', '42', 400, ''),
  // missing and unknown fields
  postJob('empty object', '{}', 400, 'dataset'), // a network may be left out (issue 14)
  postJob('no dataset', json({ network }), 400, 'dataset'),
  postJob('unknown top-level field', job({ extras: true }), 400, 'extras'),
  postJob(
    'unknown layer field',
    layer({ units: 1, activation: 'sigmoid', size: 3 }),
    400,
    'network.layers.0.size',
  ),
  postJob('layer without units', layer({ activation: 'sigmoid' }), 400, 'network.layers.0.units'),
  postJob('training with an unknown field', training({ speed: 'fast' }), 400, 'training.speed'),
  // issue 14: a table's options, and the held-out fraction
  postJob('testSplit 1', training({ testSplit: 1 }), 400, 'training.testSplit'),
  postJob('testSplit negative', training({ testSplit: -0.1 }), 400, 'training.testSplit'),
  postJob('a divergence without layers', net({ layers: [] }), 400, 'network.layers'),
  postJob(
    'a column type that is none',
    dataset({ id: 'x', columns: { a: 'number' } }),
    400,
    'dataset.columns.a',
  ),
  postJob('a task that is none', dataset({ id: 'x', task: 'clustering' }), 400, 'dataset.task'),
  postJob(
    'maxCategories 0',
    dataset({ id: 'x', preprocessing: { maxCategories: 0 } }),
    400,
    'dataset.preprocessing.maxCategories',
  ),
  postJob(
    'table options on a generator',
    dataset({ generator: 'xor', columns: {} }),
    400,
    'dataset.columns',
  ),
  postJob(
    'targets with table options (CLI form)',
    dataset({ csv: 'a.csv', targets: ['y'], task: 'regression' }),
    400,
    'dataset.task',
  ),
  // wrong types, NaN-ish strings, non-finite, negative and huge numbers
  postJob('inputSize as a string', net({ inputSize: '2' }), 400, 'network.inputSize'),
  postJob('inputSize "NaN"', net({ inputSize: 'NaN' }), 400, 'network.inputSize'),
  postJob('inputSize negative', net({ inputSize: -3 }), 400, 'network.inputSize'),
  postJob('inputSize fractional', net({ inputSize: 2.5 }), 400, 'network.inputSize'),
  postJob(
    'inputSize 1e999',
    job().replace('"inputSize":2', '"inputSize":1e999'),
    400,
    'network.inputSize',
  ),
  postJob('inputSize huge', net({ inputSize: 1e12 }), 400, 'network.inputSize'),
  postJob('layers an object', net({ layers: { units: 1 } }), 400, 'network.layers'),
  postJob('no layers', net({ layers: [] }), 400, 'network.layers'),
  postJob('units 0', layer({ units: 0, activation: 'sigmoid' }), 400, 'network.layers.0.units'),
  postJob(
    'units huge',
    layer({ units: 1e6, activation: 'sigmoid' }),
    400,
    'network.layers.0.units',
  ),
  postJob(
    'units "Infinity"',
    layer({ units: 'Infinity', activation: 'sigmoid' }),
    400,
    'network.layers.0.units',
  ),
  postJob(
    'unknown activation',
    layer({ units: 1, activation: 'swish' }),
    400,
    'network.layers.0.activation',
  ),
  postJob('divergence a number', net({ divergence: 5 }), 400, 'network.divergence'),
  postJob(
    'softmax over one unit',
    layer({ units: 1, activation: 'softmax' }),
    400,
    'network.layers.0.units',
  ),
  postJob(
    'maxout without groups',
    layer({ units: 2, activation: 'maxout' }),
    400,
    'network.layers.0.groups',
  ),
  postJob('training a string', job({ training: 'fast' }), 400, 'training'),
  postJob('epochs "NaN"', training({ epochs: 'NaN' }), 400, 'training.epochs'),
  postJob('epochs negative', training({ epochs: -1 }), 400, 'training.epochs'),
  postJob('epochs huge', training({ epochs: 1e12 }), 400, 'training.epochs'),
  postJob(
    'epochs 1e999',
    training({ epochs: 1 }).replace('"epochs":1', '"epochs":1e999'),
    400,
    'training.epochs',
  ),
  postJob(
    'epochs -1e999',
    training({ epochs: 1 }).replace('"epochs":1', '"epochs":-1e999'),
    400,
    'training.epochs',
  ),
  postJob('learningRate huge', training({ learningRate: 1e308 }), 400, 'training.learningRate'),
  postJob('learningRate negative', training({ learningRate: -0.1 }), 400, 'training.learningRate'),
  postJob('batchSize 0', training({ batchSize: 0 }), 400, 'training.batchSize'),
  postJob('batchSize "half"', training({ batchSize: 'half' }), 400, 'training.batchSize'),
  postJob('seed negative', training({ seed: -1 }), 400, 'training.seed'),
  postJob('seed past 32 bits', training({ seed: 2 ** 33 }), 400, 'training.seed'),
  postJob(
    'validationSplit 1.5',
    training({ validationSplit: 1.5 }),
    400,
    'training.validationSplit',
  ),
  postJob('unknown optimizer', training({ optimizer: 'rmsprop' }), 400, 'training.optimizer'),
  postJob('shuffle "yes"', training({ shuffle: 'yes' }), 400, 'training.shuffle'),
  // prototype keys
  postJob(
    '__proto__ at the top',
    `{"__proto__": {"admin": true}, ${job().slice(1)}`,
    400,
    '__proto__',
  ),
  postJob(
    '__proto__ in network',
    job().replace('"network":{', '"network":{"__proto__":{"x":1},'),
    400,
    'network.__proto__',
  ),
  postJob(
    '__proto__ in training',
    job().replace(/}$/, ',"training":{"__proto__":{"epochs":5}}}'),
    400,
    'training.__proto__',
  ),
  postJob(
    'escaped \\u005f\\u005fproto__',
    `{"\\u005f\\u005fproto__": {}, ${job().slice(1)}`,
    400,
    '__proto__',
  ),
  postJob(
    'constructor.prototype in a layer',
    layer({ units: 1, activation: 'sigmoid', constructor: { prototype: { x: 1 } } }),
    400,
    'network.layers.0.constructor',
  ),
  // datasets the job cannot use
  postJob('dataset {}', dataset({}), 400, 'dataset'),
  postJob('dataset a list', dataset([]), 400, 'dataset'),
  postJob('dataset a string', dataset('iris'), 400, 'dataset'),
  postJob('unknown builtin', dataset({ builtin: 'mnist' }), 400, 'dataset.builtin'),
  postJob('unknown subset', dataset({ builtin: 'iris', subset: 'half' }), 400, 'dataset.subset'),
  postJob('generator "toString"', dataset({ generator: 'toString' }), 400, 'dataset.generator'),
  postJob('generator "__proto__"', dataset({ generator: '__proto__' }), 400, 'dataset.generator'),
  postJob('generator samples 0', dataset({ ...xor, samples: 0 }), 400, 'dataset.samples'),
  postJob('generator samples huge', dataset({ ...xor, samples: 2e6 }), 400, 'dataset.samples'),
  postJob('generator noise negative', dataset({ ...xor, noise: -1 }), 400, 'dataset.noise'),
  postJob('xor with turns', dataset({ ...xor, turns: 2 }), 400, 'dataset.turns'),
  postJob(
    'a CSV path (server reads no files)',
    dataset({ csv: 'data.csv', label: 'y' }),
    400,
    'dataset.csv',
  ),
  postJob('unknown dataset id', dataset({ id: '01UNKNOWNDATASET' }), 400, 'dataset.id'),
  postJob('dataset id too long', dataset({ id: long(65) }), 400, 'dataset.id'),
  postJob('dataset id a number', dataset({ id: 5 }), 400, 'dataset.id'),
  postJob(
    'inline ragged rows',
    dataset({ inputs: [[0, 1], [1]], targets: [[0], [1]] }),
    400,
    'dataset.inputs.1',
  ),
  postJob(
    'inline 1e999',
    dataset({ inputs: [[0, 7]], targets: [[0]] }).replace('7', '1e999'),
    400,
    'dataset.inputs.0.1',
  ),
  postJob(
    'inline "NaN"',
    dataset({ inputs: [[0, 'NaN']], targets: [[0]] }),
    400,
    'dataset.inputs.0.1',
  ),
  postJob(
    'inline labels and rows differ',
    dataset({
      inputs: [
        [0, 1],
        [1, 0],
      ],
      labels: [0],
    }),
    400,
    'dataset.labels',
  ),
  postJob(
    'inline negative label',
    dataset({ inputs: [[0, 1]], labels: [-1] }),
    400,
    'dataset.labels.0',
  ),
  postJob(
    'inline targets and labels',
    dataset({ inputs: [[0, 1]], targets: [[0]], labels: [0] }),
    400,
    'dataset',
  ),
  postJob(
    'inputSize not the data width',
    json({ network: irisNet(3, 5), dataset: iris }),
    400,
    'network.inputSize',
  ),
  postJob(
    'output units not the classes',
    json({ network: irisNet(2), dataset: iris }),
    400,
    'network.layers.0.units',
  ),
  postJob(
    'uploaded dataset of another width',
    json({ network: { ...network, inputSize: 4 }, dataset: { id: '{dataset}' } }),
    400,
    'network.inputSize',
  ),
  postJob(
    'cross_entropy rows not summing to 1',
    json({
      network: irisNet(2, 1),
      dataset: {
        inputs: [[0], [1]],
        targets: [
          [0.2, 0.5],
          [1, 0],
        ],
      },
    }),
    400,
    'dataset.targets.0',
  ),
  postJob(
    'binary_cross_entropy on real targets',
    json({
      network: { ...network, divergence: 'binary_cross_entropy', inputSize: 1 },
      dataset: { generator: 'sine' },
    }),
    400,
    'dataset',
  ),
  postJob(
    'validation split of one row',
    json({
      network,
      dataset: { inputs: [[0, 1]], targets: [[1]] },
      training: { validationSplit: 0.5 },
    }),
    400,
    'training.validationSplit',
  ),
  // headers, content types, size
  postJob('Idempotency-Key with a space', job(), 400, 'headers.idempotency-key', {
    headers: { 'idempotency-key': 'two words' },
  }),
  postJob('Idempotency-Key too long', job(), 400, 'headers.idempotency-key', {
    headers: { 'idempotency-key': long(256) },
  }),
  postJob('Idempotency-Key not ASCII', job(), 400, 'headers.idempotency-key', {
    headers: { 'idempotency-key': 'clé' },
  }),
  postJob('text/plain', job(), 415, undefined, { type: 'text/plain' }),
  postJob('application/xml', '<job/>', 415, undefined, { type: 'application/xml' }),
  postJob('a form', 'network=1', 415, undefined, { type: 'application/x-www-form-urlencoded' }),
  postJob('multipart', '--x--', 415, undefined, { type: 'multipart/form-data; boundary=x' }),
  postJob('text/csv (datasets only)', 'a,b\n1,2\n', 415, undefined, { type: 'text/csv' }),
  postJob('a body without content-type', job(), 415, undefined, { type: null }),
  postJob(
    'body past MAX_BODY_BYTES',
    job({ training: { epochs: 1 }, padding: long(maxBodyBytes) }),
    413,
  ),
];

const postDataset = post('/v1/datasets');
const csvCase = (name: string, query: string, csv: string, status: number, path?: string) =>
  post(`/v1/datasets${query}`)(name, csv, status, path, { type: 'text/csv' });
const datasetCases: BadCase[] = [
  postDataset('malformed JSON', '{"inputs": [[1]', 400, ''),
  postDataset('empty body', '', 400, ''),
  postDataset('null', 'null', 400, ''),
  postDataset('a list of rows (records must be objects)', '[[1, 2]]', 400, '0'),
  postDataset('{}', '{}', 400, ''),
  postDataset('inputs only', json({ inputs: [[1]] }), 400, ''),
  postDataset('targets and labels', json({ inputs: [[1]], targets: [[1]], labels: [0] }), 400, ''),
  postDataset('a builtin (train on it directly)', json({ builtin: 'iris' }), 400, ''),
  postDataset('a generator', json({ generator: 'xor' }), 400, ''),
  postDataset('a CSV path', json({ csv: 'data.csv', label: 'y' }), 400, ''),
  postDataset('an id', json({ id: '{dataset}' }), 400, ''),
  postDataset('CSV text as a JSON string', json('a,y\n1,0\n'), 400, '', {
    url: '/v1/datasets?label=y',
  }),
  postDataset('unknown field', json({ inputs: [[1]], labels: [0], name: 'mine' }), 400, 'name'),
  postDataset('inputs a string', json({ inputs: '1,2', labels: [0] }), 400, 'inputs'),
  postDataset('no rows', json({ inputs: [], labels: [] }), 400, 'inputs'),
  postDataset('an empty row', json({ inputs: [[]], labels: [0] }), 400, 'inputs.0'),
  postDataset('ragged rows', json({ inputs: [[1, 2], [3]], labels: [0, 1] }), 400, 'inputs.1'),
  postDataset('a cell "NaN"', json({ inputs: [['NaN']], labels: [0] }), 400, 'inputs.0.0'),
  postDataset('a cell null', json({ inputs: [[null]], labels: [0] }), 400, 'inputs.0.0'),
  postDataset('a target 1e999', '{"inputs": [[1]], "targets": [[1e999]]}', 400, 'targets.0.0'),
  postDataset('a target -1e999', '{"inputs": [[1]], "targets": [[-1e999]]}', 400, 'targets.0.0'),
  // finite as a double, Infinity as the float32 the dataset is stored in (issue 5)
  postDataset('an input 1e300', '{"inputs": [[1e300]], "labels": [0]}', 400, 'inputs.0.0'),
  postDataset('a target -1e39', '{"inputs": [[1]], "targets": [[-1e39]]}', 400, 'targets.0.0'),
  postDataset(
    'a fractional label',
    json({ inputs: [[1], [2]], labels: [0, 1.5] }),
    400,
    'labels.1',
  ),
  postDataset('a negative label', json({ inputs: [[1]], labels: [-1] }), 400, 'labels.0'),
  postDataset(
    'a huge class index',
    json({ inputs: [[1], [2]], labels: [0, 99999999] }),
    400,
    'labels.1',
  ),
  postDataset('an empty class name', json({ inputs: [[1]], labels: [''] }), 400, 'labels.0'),
  postDataset('labels and rows differ', json({ inputs: [[1]], labels: [0, 1] }), 400, 'labels'),
  postDataset(
    '__proto__ at the top',
    '{"__proto__": {}, "inputs": [[1]], "labels": [0]}',
    400,
    '__proto__',
  ),
  postDataset(
    '__proto__ in a row',
    '{"inputs": [[{"__proto__": 1}]], "labels": [0]}',
    400,
    'inputs.0.0.__proto__',
  ),
  postDataset(
    'JSON past MAX_DATASET_JSON_BYTES',
    json({ inputs: Array.from({ length: 800 }, () => [1, 2]), labels: Array(800).fill(0) }),
    413,
  ),
  postDataset('unknown query key', json({ inputs: [[1]], labels: [0] }), 400, 'query.bogus', {
    url: '/v1/datasets?bogus=1',
  }),
  postDataset('application/xml', '<rows/>', 415, undefined, { type: 'application/xml' }),
  postDataset('text/plain (CSV must say text/csv)', 'a,y\n1,0\n', 415, undefined, {
    type: 'text/plain',
  }),
  postDataset('a body without content-type', 'a,y\n1,0\n', 415, undefined, { type: null }),
  // a CSV without ?label or ?targets is a table to score (issue 15): no refusal
  csvCase('CSV ?task without ?label', '?task=regression', 'a,y\n1,0\n', 400, 'query.task'),
  csvCase('CSV with an empty ?label', '?label=', 'a,y\n1,0\n', 400, 'query.label'),
  csvCase('CSV ?label of no column', '?label=z', 'a,y\n1,0\n', 400, 'query.label'),
  csvCase('CSV ?label and ?targets', '?label=y&targets=a', 'a,y\n1,0\n', 400, 'targets'),
  csvCase('CSV ?targets of no column', '?targets=a,z', 'a,y,b\n1,0,2\n', 400, 'targets.1'),
  csvCase('CSV ?label of every column', '?label=y', 'y\n0\n', 400, 'query.label'),
  csvCase('CSV ?targets of every column', '?targets=y', 'y\n0\n', 400, 'targets'),
  csvCase('CSV unknown query key', '?label=y&sep=;', 'a,y\n1,0\n', 400, 'query.sep'),
  csvCase('CSV ?task of no task', '?label=y&task=ranking', 'a,y\n1,0\n', 400, 'query.task'),
  csvCase('CSV ?task with ?targets', '?targets=y&task=regression', 'a,y\n1,0\n', 400, 'query.task'),
  csvCase('CSV ?missing with ?targets', '?targets=y&missing=-', 'a,y\n1,0\n', 400, 'query.missing'),
  csvCase('CSV empty', '?label=y', '', 400, 'csv'),
  csvCase('CSV header only', '?label=y', 'a,y\n', 400, 'csv'),
  csvCase('CSV of numbers: a cell "NaN"', '?targets=y', 'a,y\nNaN,0\n', 400, 'csv.line 2'),
  csvCase('CSV of numbers: a cell 1e999', '?targets=y', 'a,y\n1,0\n1e999,1\n', 400, 'csv.line 3'),
  csvCase('CSV of numbers: a cell 1e300', '?targets=y', 'a,y\n1,0\n1e300,1\n', 400, 'csv.line 3'),
  csvCase('CSV cell "abc"', '?targets=y', 'a,y\n1,abc\n', 400, 'csv.line 2'),
  csvCase('CSV of numbers: an empty cell', '?targets=y', 'a,y\n,0\n', 400, 'csv.line 2'),
  csvCase('CSV of numbers: a ragged line', '?targets=y', 'a,y\n1,0,9\n', 400, 'csv.line 2'),
  csvCase('CSV of numbers: a duplicate column', '?targets=y', 'a,a,y\n1,2,0\n', 400, 'csv.line 1'),
  csvCase('CSV table: a row longer than the header', '?label=y', 'a,y\n1,0,9\n', 400, 'rows'),
  csvCase('CSV table: a duplicate column', '?label=y', 'a,a,y\n1,2,0\n', 400, 'header'),
  csvCase('CSV table: a column with no name', '?label=y', 'a,,y\n1,2,0\n', 400, 'header'),
  csvCase('CSV table: a column named __proto__', '?label=y', '__proto__,y\n1,0\n', 400, 'header'),
  csvCase('CSV table: a label never given', '?label=y', 'a,y\n1,\n2,NA\n', 400, 'query.label'),
  csvCase('CSV unclosed quote', '?label=y', 'a,y\n"1,0\n', 400, 'csv.line 2'),
  csvCase('CSV past MAX_DATASET_BYTES', '?label=y', `a,y\n${'1.25,0\n'.repeat(800)}`, 413),
  csvCase(
    'CSV of numbers past MAX_DATASET_BYTES',
    '?targets=y',
    `a,y\n${'1.25,0\n'.repeat(800)}`,
    413,
  ),
  postDataset('records with ?task and no ?label', json([{ a: 1, y: 0 }]), 400, 'query.task', {
    url: '/v1/datasets?task=classification',
  }),
  postDataset('records with ?targets', json([{ a: 1, y: 0 }]), 400, 'query.targets', {
    url: '/v1/datasets?label=y&targets=y',
  }),
  postDataset('records with a list for a value', json([{ a: [1], y: 0 }]), 400, '0.a', {
    url: '/v1/datasets?label=y',
  }),
  postDataset('records with a __proto__ key', '[{"__proto__": 1, "y": 0}]', 400, '0.__proto__', {
    url: '/v1/datasets?label=y',
  }),
  ...(
    [
      ['NDJSON: a line that is not JSON', '{"a": 1, "y": 0}\n{"a": 2, y: 1}\n', 'ndjson.line 2'],
      ['NDJSON: a line that is a list', '{"a": 1, "y": 0}\n\n[2, 1]\n', 'ndjson.line 3'],
      ['NDJSON: a value that is an object', '{"a": {"b": 1}, "y": 0}\n', 'ndjson.line 1.a'],
      ['NDJSON: no records', '\n\n', 'ndjson'],
      ['NDJSON: a key __proto__', '{"__proto__": 1, "y": 0}\n', 'header'],
    ] as const
  ).map(([name, body, path]) =>
    postDataset(name, body, 400, path, {
      url: '/v1/datasets?label=y',
      type: 'application/x-ndjson',
    }),
  ),
];

const predictCases: BadCase[] = [
  ...[
    ['malformed JSON', '{"inputs": [[1, 2]]', ''],
    ['empty body', '', ''],
    ['null', 'null', ''],
    ['{}', '{}', 'inputs'],
    ['no rows', json({ inputs: [] }), 'inputs'],
    ['inputs a string', json({ inputs: '1,2' }), 'inputs'],
    ['a flat row', json({ inputs: [1, 2] }), 'inputs.0'],
    ['a cell "a"', json({ inputs: [['a', 1]] }), 'inputs.0.0'],
    ['a cell "NaN"', json({ inputs: [['NaN', 1]] }), 'inputs.0.0'],
    ['a cell null', json({ inputs: [[null, 1]] }), 'inputs.0.0'],
    ['a cell 1e999', '{"inputs": [[1e999, 1]]}', 'inputs.0.0'],
    // these answered 500 (issue 5): past float32, and overflowing inside the model
    ['a cell 1e300', '{"inputs": [[1e300, 1]]}', 'inputs.0.0'],
    [
      'a row that overflows float32 inside the model',
      json({
        inputs: [
          [1, 2],
          [3e38, 1],
        ],
      }),
      'inputs.1',
    ],
    ['unknown field', json({ inputs: [[1, 2]], rows: 1 }), 'rows'],
    ['__proto__', '{"inputs": [[1, 2]], "__proto__": {"x": 1}}', '__proto__'],
    ['a row too narrow', json({ inputs: [[1, 2], [1]] }), 'inputs.1'],
    ['a row too wide', json({ inputs: [[1, 2, 3]] }), 'inputs.0'],
    [
      'more than MAX_PREDICT_ROWS rows',
      json({ inputs: Array(maxPredictRows + 1).fill([1, 2]) }),
      'inputs',
    ],
  ].map(([name, body, path]) =>
    post('/v1/models/{model}/predict')(`predict: ${name}`, body!, 400, path),
  ),
  post('/v1/models/{model}/predict')(
    'predict: text/plain',
    json({ inputs: [[1, 2]] }),
    415,
    undefined,
    { type: 'text/plain' },
  ),
  post('/v1/models/{model}/predict')(
    'predict: body past MAX_BODY_BYTES',
    json({ inputs: Array(400).fill([1, 2]) }),
    413,
  ),
  post('/v1/models/01UNKNOWNMODEL/predict')(
    'predict: unknown model',
    json({ inputs: [[1, 2]] }),
    404,
  ),
];

const listQuery = (query: string, path: string) =>
  get(`list ?${query}`, `/v1/jobs?${query}`, 400, path);
const events = (name: string, headers: Record<string, string>, path: string, query = '') =>
  get(`events: ${name}`, `/v1/jobs/{cancelled}/events${query}`, 400, path, { headers });
const readCases: BadCase[] = [
  ...[
    'limit=0',
    'limit=abc',
    'limit=-1',
    'limit=101',
    'limit=1.5',
    'limit=1e999',
    'limit=NaN',
    'limit=',
    'limit=2&limit=3',
  ].map((q) => listQuery(q, 'query.limit')),
  ...['status=bogus', 'status=QUEUED', 'status=queued&status=running'].map((q) =>
    listQuery(q, 'query.status'),
  ),
  listQuery(`cursor=${long(65)}`, 'query.cursor'),
  listQuery('bogus=1', 'query.bogus'),
  listQuery('__proto__=1', 'query.__proto__'),
  listQuery('constructor=x', 'query.constructor'),
  get('unknown job', '/v1/jobs/01UNKNOWNJOB', 404),
  get('job id too long', `/v1/jobs/${long(65)}`, 400, 'params.id'),
  get('job id past the router limit', `/v1/jobs/${long(101)}`, 400),
  get('job id badly percent-encoded', '/v1/jobs/%E0%A4%A', 400),
  // ids are Redis key parts: `<id>:events` named the job's event stream and answered 500 (issue 5)
  get('job id naming its event stream', '/v1/jobs/{cancelled}:events', 400, 'params.id'),
  get('events of a job id naming a stream', '/v1/jobs/{cancelled}:events/events', 400, 'params.id'),
  post('/v1/jobs/{job}:events/cancel')('cancel a job id naming a stream', '', 400, 'params.id', {
    type: null,
  }),
  post('/v1/jobs/01UNKNOWNJOB/cancel')('cancel an unknown job', '', 404, undefined, { type: null }),
  post('/v1/jobs/{cancelled}/cancel')('cancel a cancelled job', '', 409, undefined, { type: null }),
  post(`/v1/jobs/${long(65)}/cancel`)('cancel: id too long', '', 400, 'params.id', { type: null }),
  post('/v1/jobs/{job}/cancel')('cancel with malformed JSON', '{"now": ', 400, ''),
  post('/v1/jobs/{job}/cancel')('cancel with text/plain', 'now', 415, undefined, {
    type: 'text/plain',
  }),
  get('events of an unknown job', '/v1/jobs/01UNKNOWNJOB/events', 404),
  get('an unknown sweep', '/v1/sweeps/01UNKNOWNSWEEP', 404),
  get('events of an unknown sweep', '/v1/sweeps/01UNKNOWNSWEEP/events', 404),
  get('sweeps by a status that is none', '/v1/sweeps?status=done', 400, 'query.status'),
  get('sweeps limit 0', '/v1/sweeps?limit=0', 400, 'query.limit'),
  post('/v1/sweeps/01UNKNOWNSWEEP/cancel')('cancel an unknown sweep', '', 404, undefined, {
    type: null,
  }),
  {
    name: 'delete an unknown sweep',
    method: 'DELETE',
    url: '/v1/sweeps/01UNKNOWNSWEEP',
    status: 404,
  },
  events('Last-Event-ID "abc"', { 'last-event-id': 'abc' }, 'headers.last-event-id'),
  events('Last-Event-ID "1-"', { 'last-event-id': '1-' }, 'headers.last-event-id'),
  events('Last-Event-ID "-1"', { 'last-event-id': '-1' }, 'headers.last-event-id'),
  events('Last-Event-ID "1-2-3"', { 'last-event-id': '1-2-3' }, 'headers.last-event-id'),
  events(
    'Last-Event-ID past 64 bits',
    { 'last-event-id': '99999999999999999999-0' },
    'headers.last-event-id',
  ),
  events('?lastEventId=abc', {}, 'query.lastEventId', '?lastEventId=abc'),
  events(
    '?lastEventId past 64 bits',
    {},
    'query.lastEventId',
    '?lastEventId=18446744073709551616-0',
  ),
  events('unknown query key', {}, 'query.from', '?from=0'),
  get('events: id too long', `/v1/jobs/${long(65)}/events`, 400, 'params.id'),
  get('unknown dataset', '/v1/datasets/01UNKNOWNDATASET', 404),
  get('dataset id too long', `/v1/datasets/${long(65)}`, 400, 'params.id'),
  {
    name: 'delete an unknown dataset',
    method: 'DELETE',
    url: '/v1/datasets/01UNKNOWNDATASET',
    status: 404,
  },
  {
    name: 'delete: id too long',
    method: 'DELETE',
    url: `/v1/datasets/${long(65)}`,
    status: 400,
    path: 'params.id',
  },
  get('unknown model', '/v1/models/01UNKNOWNMODEL', 404),
  get('model id too long', `/v1/models/${long(65)}`, 400, 'params.id'),
  get('unknown route', '/v1/trainings', 404),
  { name: 'unsupported method', method: 'PUT', url: '/v1/jobs', status: 404 },
];

const postSweep = post('/v1/sweeps');
const irisSpec = {
  network: {
    inputSize: 4,
    layers: [
      { units: 8, activation: 'relu' },
      { units: 3, activation: 'softmax' },
    ],
    divergence: 'cross_entropy',
  },
  dataset: iris,
  training: { epochs: 10, validationSplit: 0.2 },
};
const rate = { 'training.learningRate': { logUniform: [0.001, 0.1] } };
const sweepBody = (parts: object = {}) =>
  json({ spec: irisSpec, parameters: rate, trials: 3, ...parts });
const sweepCases: BadCase[] = [
  postSweep('a list', '[]', 400, ''),
  postSweep('malformed JSON', '{"spec": ', 400, ''),
  postSweep('no spec', json({ parameters: rate, trials: 2 }), 400, 'spec'),
  postSweep('no parameters', sweepBody({ parameters: {} }), 400, 'parameters'),
  postSweep('random without trials', sweepBody({ trials: undefined }), 400, 'trials'),
  postSweep('trials past the most', sweepBody({ trials: 1001 }), 400, 'trials'),
  postSweep('parallel 0', sweepBody({ parallel: 0 }), 400, 'parallel'),
  postSweep('an unknown method', sweepBody({ method: 'tpe' }), 400, 'method'),
  postSweep(
    'a misspelt parameter',
    sweepBody({ parameters: { 'training.learningRat': { values: [0.1] } } }),
    400,
    'parameters.training.learningRat',
  ),
  postSweep(
    'a path into __proto__',
    sweepBody({ parameters: { '__proto__.x': { values: [1] } } }),
    400,
    'parameters.__proto__.x',
  ),
  postSweep(
    'a range reversed',
    sweepBody({ parameters: { 'training.learningRate': { uniform: [0.1, 0.001] } } }),
    400,
    'parameters.training.learningRate.uniform',
  ),
  postSweep(
    'a drawn value out of range',
    sweepBody({ parameters: { 'training.batchSize': { intUniform: [-9, -1] } } }),
    400,
    'parameters.training.batchSize',
  ),
  postSweep(
    'a grid of continuous ranges',
    sweepBody({ method: 'grid', trials: undefined }),
    400,
    'parameters.training.learningRate',
  ),
  postSweep(
    'an unknown objective',
    sweepBody({ objective: { metric: 'r2' } }),
    400,
    'objective.metric',
  ),
  postSweep(
    'the wrong goal',
    sweepBody({ objective: { metric: 'validationError', goal: 'maximize' } }),
    400,
    'objective.goal',
  ),
  postSweep(
    'validation error without validation rows',
    sweepBody({ spec: { ...irisSpec, training: { epochs: 10, validationSplit: 0 } } }),
    400,
    'objective.metric',
  ),
  postSweep(
    'accuracy of a regression',
    sweepBody({ spec: { network, dataset: xor }, objective: { metric: 'accuracy' } }),
    400,
    'objective.metric',
  ),
  postSweep(
    'momentum varied while every trial trains with sgd',
    sweepBody({ parameters: { 'training.momentum': { uniform: [0, 0.9] } } }),
    400,
    'parameters.training.momentum',
  ),
  postSweep(
    'beta1 varied while the trials choose among sgd and momentum',
    sweepBody({
      parameters: {
        'training.optimizer': { values: ['sgd', 'momentum'] },
        'training.beta1': { uniform: [0.8, 0.95] },
      },
    }),
    400,
    'parameters.training.beta1',
  ),
  postSweep(
    'minEpochs past the epochs',
    sweepBody({ earlyStopping: { method: 'asha', minEpochs: 10 } }),
    400,
    'earlyStopping.minEpochs',
  ),
  postSweep(
    'spec.model',
    sweepBody({ spec: { ...irisSpec, model: { name: 'x' } } }),
    400,
    'spec.model',
  ),
  postSweep(
    'inline rows',
    sweepBody({ spec: { ...irisSpec, dataset: { inputs: [[0, 0, 0, 0]], labels: [0] } } }),
    400,
    'spec.dataset',
  ),
  postSweep(
    'an unknown dataset',
    sweepBody({ spec: { ...irisSpec, dataset: { id: 'none' } } }),
    400,
    'spec.dataset.id',
  ),
  postSweep(
    'a width the data does not have',
    sweepBody({ spec: { ...irisSpec, network: { ...irisSpec.network, inputSize: 5 } } }),
    400,
    'spec.network.inputSize',
  ),
  postSweep('a model name with a space', sweepBody({ model: { name: 'a b' } }), 400, 'model.name'),
];

const resolve = (url: string) => url.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]!);

async function send(c: BadCase): Promise<Answer> {
  const type = c.type === undefined ? (c.body === undefined ? null : 'application/json') : c.type;
  return service.app.inject({
    method: c.method,
    url: resolve(c.url),
    headers: { ...(type ? { 'content-type': type } : {}), ...c.headers },
    ...(c.body === undefined ? {} : { payload: resolve(c.body) }),
  });
}

describe.each([
  ['POST /v1/jobs', jobCases],
  ['POST /v1/datasets', datasetCases],
  ['POST /v1/models/:id/predict', predictCases],
  ['reads, cancel, events, deletes', readCases],
  ['POST /v1/sweeps', sweepCases],
])('%s answers bad input with a 4xx problem and changes nothing', (_, cases) => {
  it.each(cases)('$name → $status', async (c) => {
    const before = await keysUnderPrefix();
    const res = await send(c);
    expectProblem(res, c.status, resolve(c.url), c.path);
    expect(await keysUnderPrefix()).toEqual(before);
  });
});

describe('rejected jobs leave nothing behind', () => {
  it('inline rows of a rejected job are not stored as a dataset', async () => {
    const datasets = async () => (await keysUnderPrefix()).filter((k) => k.includes(':dataset:'));
    const before = await datasets();
    const rejected = [
      json({ network: irisNet(3, 1), dataset: { inputs: [[0], [1]], labels: [0, 1] } }),
      json({
        network: irisNet(2, 1),
        dataset: {
          inputs: [[0], [1]],
          targets: [
            [0.5, 0.4],
            [1, 0],
          ],
        },
      }),
      json({
        network,
        dataset: { inputs: [[0, 1]], targets: [[1]] },
        training: { validationSplit: 0.2 },
      }),
      json({
        network: { ...network, inputSize: 3 },
        dataset: { inputs: [[0, 1]], targets: [[1]] },
      }),
    ];
    for (const body of rejected) {
      const res = await send({ name: '', method: 'POST', url: '/v1/jobs', body, status: 400 });
      expect(res.statusCode, res.body).toBe(400);
    }
    expect(await datasets()).toEqual(before);
  });

  it('a rejected job is neither recorded, listed nor queued', async () => {
    const listed = async () =>
      (await service.app.inject({ method: 'GET', url: '/v1/jobs?limit=100' })).json().jobs.length;
    const count = await listed();
    const waiting = await service.app.services.queue.getJobCounts();
    await send({
      name: '',
      method: 'POST',
      url: '/v1/jobs',
      body: training({ epochs: 0 }),
      status: 400,
    });
    expect(await listed()).toBe(count);
    expect(await service.app.services.queue.getJobCounts()).toEqual(waiting);
  });
});

describe('arbitrary input (fast-check)', () => {
  // Random JSON and text, sent as application/json: never a 5xx; every 4xx is a problem, and a
  // rejected request stores nothing.
  const body = fc.oneof(
    jsonJob.map((v) => json(v)),
    nearValidJob.map((v) => json(v)),
    fc.json({ maxDepth: 4 }),
    fc.string({ maxLength: 40 }),
  );

  async function check(url: string, payload: string | undefined, accepted: number) {
    const before = await keysUnderPrefix();
    const res = await service.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      ...(payload === undefined ? {} : { payload }),
    });
    if (res.statusCode === accepted) return;
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, res.body).toBeLessThan(500);
    expectProblem(res, res.statusCode, url);
    expect(await keysUnderPrefix()).toEqual(before);
  }

  it('POST /v1/jobs', async () => {
    await fc.assert(
      fc.asyncProperty(body, (payload) => check('/v1/jobs', payload, 202)),
      { numRuns: 100 },
    );
  });

  it('POST /v1/datasets', async () => {
    const cell = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom('NaN', '1e999', null, '', '__proto__'),
    );
    const rows = fc.array(fc.array(cell, { maxLength: 3 }), { maxLength: 4 });
    const upload = fc.dictionary(
      fc.constantFrom('inputs', 'targets', 'labels', 'builtin', '__proto__', 'id'),
      fc.oneof(
        rows,
        fc.array(fc.oneof(fc.nat(3), fc.string({ maxLength: 3 })), { maxLength: 4 }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      { maxKeys: 3 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          upload.map((v) => json(v)),
          body,
        ),
        (payload) => check('/v1/datasets', payload, 201),
      ),
      { numRuns: 100 },
    );
  });
});

describe("requests Node's HTTP parser refuses", () => {
  // raw sockets: fetch would refuse to send these
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const { port } = new URL(service.url);
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString();
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });

  it('headers over the limit: 431 problem+json', async () => {
    const answer = await raw(
      `GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain('Content-Type: application/problem+json');
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ status: 431, detail: expect.stringContaining('headers') });
  });

  it('a request line that is not HTTP: 400 problem+json', async () => {
    const answer = await raw('HELLO THERE\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 400,
      type: '/problems/client-error',
    });
  });
});
