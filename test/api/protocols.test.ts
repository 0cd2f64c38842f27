// Prediction over the Open Inference Protocol v2 (KServe, Triton) and TensorFlow Serving's REST
// predict, with request bodies written as those protocols' documents show them. Every answer's
// numbers must be exactly what our own POST /v1/models/:id/predict gives for the same rows.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { newApiKey } from '../../src/api/auth.js';
import { defaultTenant, loadConfig } from '../../src/config.js';
import { type Dataset, fromLabels, fromTargets } from '../../src/data/index.js';
import type { NetworkSpec, TrainingSpec } from '../../src/spec/index.js';
import { connectRedis } from '../../src/store/index.js';
import { irisCsv } from '../helpers/iris.js';
import { startService, storeTrainedModel, type TestService } from '../helpers/service.js';

const maxPredictRows = 20;
const species = ['setosa', 'versicolor', 'virginica'];
const featureNames = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const { version } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
);

let service: TestService;
let redis: Redis;

const storeModel = async (
  svc: TestService,
  tenant: string,
  network: NetworkSpec,
  data: Dataset,
  spec: TrainingSpec,
) => (await storeTrainedModel(svc, network, data, spec, tenant)).id;

const irisNetwork: NetworkSpec = {
  inputSize: 4,
  layers: [
    { units: 8, activation: 'tanh' },
    { units: 3, activation: 'softmax' },
  ],
  divergence: 'cross_entropy',
};
const iris = irisCsv('test');
const irisRows = iris.rows.slice(0, 6);
const ids = { iris: '', regressor: '', digits: '' };

beforeAll(async () => {
  service = await startService({ env: { MAX_PREDICT_ROWS: String(maxPredictRows) } });
  redis = connectRedis(service.config.redisUrl);
  const train = irisCsv('train');
  ids.iris = await storeModel(
    service,
    defaultTenant,
    irisNetwork,
    {
      ...fromLabels(
        train.rows,
        train.labels.map((l) => species[l]!),
      ),
      featureNames,
    },
    { epochs: 60, optimizer: 'adam', learningRate: 0.05, seed: 1 },
  );
  // y = 2a − b + 1
  const inputs = Array.from({ length: 20 }, (_, i) => [i / 4, (i % 5) - 2]);
  ids.regressor = await storeModel(
    service,
    defaultTenant,
    { inputSize: 2, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
    fromTargets(
      inputs,
      inputs.map(([a, b]) => [2 * a! - b! + 1]),
    ),
    { epochs: 100, seed: 2 },
  );
  // numeric labels: classes are the indices 0, 1, 2
  ids.digits = await storeModel(
    service,
    defaultTenant,
    { ...irisNetwork },
    fromLabels(train.rows, train.labels),
    { epochs: 20, seed: 3 },
  );
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const inject = (method: 'GET' | 'POST', url: string, payload?: unknown, app = service.app) =>
  app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });

/** Our own predict for the rows: the reference every protocol's answer must equal. */
async function reference(id: string, rows: number[][]) {
  const res = await inject('POST', `/v1/models/${id}/predict`, { inputs: rows });
  expect(res.statusCode).toBe(200);
  return res.json() as { outputs: number[][]; classes?: (string | number)[] };
}

/** The paths of a problem+json's issues, after checking its status. */
function problemPaths(res: Awaited<ReturnType<typeof inject>>, status = 400): string[] {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body.status).toBe(status);
  return (body.errors ?? []).map((e: { path: string }) => e.path);
}

/** A protocol route's problem+json: its `error` repeats `detail`; the paths of its issues. */
function refused(res: Awaited<ReturnType<typeof inject>>, status = 400): string[] {
  const paths = problemPaths(res, status);
  expect(res.json().error).toBe(res.json().detail);
  return paths;
}

describe('OIP v2: health and server metadata', () => {
  it('GET /v2/health/live and /v2/health/ready answer as the spec shows', async () => {
    const live = await inject('GET', '/v2/health/live');
    expect([live.statusCode, live.json()]).toEqual([200, { live: true }]);
    const ready = await inject('GET', '/v2/health/ready');
    expect([ready.statusCode, ready.json()]).toEqual([200, { ready: true }]);
  });

  it('GET /v2 is the server metadata, with no extensions', async () => {
    const res = await inject('GET', '/v2');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'backprop-service', version, extensions: [] });
  });

  describe('with Redis unreachable', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      // port 1: nothing listens there, connecting is refused at once
      const config = loadConfig({
        REDIS_URL: 'redis://127.0.0.1:1',
        KEY_PREFIX: 'bp:test:unreachable',
        LOG_LEVEL: 'silent',
      });
      app = await buildApp({ config });
    });
    afterAll(() => app?.close());

    it('ready is 503 {ready: false, error} naming Redis; live is still 200', async () => {
      const ready = await inject('GET', '/v2/health/ready', undefined, app);
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ ready: false, error: expect.stringMatching(/^Redis: \w+/) });
      expect((await inject('GET', '/v2/health/live', undefined, app)).statusCode).toBe(200);
    });
  });
});

describe('OIP v2: model metadata and readiness', () => {
  it('a string-class classifier: input [-1, 4] FP32, output [-1, 3] FP32, class [-1] BYTES', async () => {
    const res = await inject('GET', `/v2/models/${ids.iris}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      name: ids.iris,
      versions: [],
      platform: 'backprop',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'output', datatype: 'FP32', shape: [-1, 3] },
        { name: 'class', datatype: 'BYTES', shape: [-1] },
      ],
    });
  });

  it('numeric classes are INT64; a regressor has no class output', async () => {
    const digits = (await inject('GET', `/v2/models/${ids.digits}`)).json();
    expect(digits.outputs[1]).toEqual({ name: 'class', datatype: 'INT64', shape: [-1] });
    const regressor = (await inject('GET', `/v2/models/${ids.regressor}`)).json();
    expect(regressor.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 2] }]);
    expect(regressor.outputs).toEqual([{ name: 'output', datatype: 'FP32', shape: [-1, 1] }]);
  });

  it('GET /v2/models/:id/ready is {name, ready: true}, and 404 with `error` for no model', async () => {
    const res = await inject('GET', `/v2/models/${ids.iris}/ready`);
    expect([res.statusCode, res.json()]).toEqual([200, { name: ids.iris, ready: true }]);
    refused(await inject('GET', '/v2/models/01UNKNOWN/ready'), 404);
    const meta = await inject('GET', '/v2/models/01UNKNOWN');
    refused(meta, 404);
    expect(meta.json().error).toBe('no model has id or name 01UNKNOWN');
  });
});

describe('POST /v2/models/:id/infer', () => {
  const infer = (id: string, body: unknown) => inject('POST', `/v2/models/${id}/infer`, body);
  // The spec's example request, one input:
  //   {"id": "42", "inputs": [{"name": "input0", "shape": [2, 2], "datatype": "UINT32",
  //    "data": [1, 2, 3, 4]}], "outputs": [{"name": "output0"}]}
  const flatRequest = (rows: number[][], extra: object = {}) => ({
    id: '42',
    inputs: [
      {
        name: 'input0',
        shape: [rows.length, rows[0]!.length],
        datatype: 'FP32',
        data: rows.flat(),
      },
    ],
    ...extra,
  });

  it("answers the spec's response: outputs row-major, classes as BYTES, the id echoed", async () => {
    const expected = await reference(ids.iris, irisRows);
    const res = await infer(ids.iris, flatRequest(irisRows));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      model_name: ids.iris,
      id: '42',
      outputs: [
        { name: 'output', shape: [6, 3], datatype: 'FP32', data: expected.outputs.flat() },
        { name: 'class', shape: [6], datatype: 'BYTES', data: expected.classes },
      ],
    });
    // and the classes are right on these held-out rows
    expect(expected.classes).toEqual(iris.labels.slice(0, 6).map((l) => species[l]));
  });

  it('takes data nested as rows too (KServe sample: shape [2, 4], data [[…], […]])', async () => {
    const rows = [
      [6.8, 2.8, 4.8, 1.4],
      [6.0, 3.4, 4.5, 1.6],
    ];
    const expected = await reference(ids.iris, rows);
    const res = await infer(ids.iris, {
      inputs: [{ name: 'input-0', shape: [2, 4], datatype: 'FP32', data: rows }],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).not.toHaveProperty('id');
    expect(body.outputs[0].data).toEqual(expected.outputs.flat());
    expect(body.outputs[1].data).toEqual(expected.classes);
  });

  it('answers only the outputs asked for, in their order', async () => {
    const expected = await reference(ids.iris, irisRows);
    const classOnly = await infer(
      ids.iris,
      flatRequest(irisRows, { outputs: [{ name: 'class' }] }),
    );
    expect(classOnly.json().outputs).toEqual([
      { name: 'class', shape: [6], datatype: 'BYTES', data: expected.classes },
    ]);
    const both = await infer(
      ids.iris,
      flatRequest(irisRows, { outputs: [{ name: 'class' }, { name: 'output' }] }),
    );
    expect(both.json().outputs.map((o: { name: string }) => o.name)).toEqual(['class', 'output']);
  });

  it('numeric classes come as INT64 numbers; a regressor answers its one output', async () => {
    const digits = await reference(ids.digits, irisRows);
    const res = await infer(ids.digits, flatRequest(irisRows));
    expect(res.json().outputs[1]).toEqual({
      name: 'class',
      shape: [6],
      datatype: 'INT64',
      data: digits.classes,
    });
    expect(digits.classes!.every((c) => typeof c === 'number')).toBe(true);

    const rows = [
      [0, 0],
      [1, 1],
      [3.5, -2],
    ];
    const expected = await reference(ids.regressor, rows);
    const regressor = await infer(ids.regressor, flatRequest(rows));
    expect(regressor.json().outputs).toEqual([
      { name: 'output', shape: [3, 1], datatype: 'FP32', data: expected.outputs.flat() },
    ]);
    regressor.json().outputs[0].data.forEach((y: number, i: number) => {
      expect(y).toBeCloseTo([1, 2, 10][i]!, 1);
    });
  });

  it('takes FP64 and whole-number INT32 data alike, as numbers', async () => {
    const rows = [
      [5, 3, 1, 0],
      [7, 3, 5, 2],
    ];
    const expected = await reference(ids.iris, rows);
    for (const datatype of ['FP64', 'INT32']) {
      const res = await infer(ids.iris, {
        inputs: [{ name: 'input', shape: [2, 4], datatype, data: rows.flat() }],
      });
      expect(res.statusCode, datatype).toBe(200);
      expect(res.json().outputs[0].data).toEqual(expected.outputs.flat());
    }
  });

  it('refuses bad tensors with 400 naming the field', async () => {
    const input = (fields: object) => ({
      inputs: [
        {
          name: 'input',
          shape: [2, 4],
          datatype: 'FP32',
          data: irisRows.slice(0, 2).flat(),
          ...fields,
        },
      ],
    });
    const cases: [unknown, string[], RegExp][] = [
      [
        input({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }),
        ['inputs.0.shape.1'],
        /is 3; the model expects 4 \(sepal_length/,
      ],
      [input({ shape: [4] }), ['inputs.0.shape'], /send \[rows, 4\]/],
      [input({ shape: [3, 4] }), ['inputs.0.data'], /has 8 values; shape \[3, 4\] needs 12/],
      [
        input({ data: [1, 'NaN', 3, 4, 5, 6, 7, 8] }),
        ['inputs.0.data.1'],
        /must be a number \(got "NaN"\)/,
      ],
      [
        input({ data: [1, 2, 3, null, 5, 6, 7, 8] }),
        ['inputs.0.data.3'],
        /must be a number \(got null\)/,
      ],
      [input({ data: [1, 2, 3, 4, 5, 6, 7, 1e39] }), ['inputs.0.data.7'], /past ±3.4e38/],
      [
        input({
          data: [
            [1, 2, 3, 4],
            [5, 6, 7],
          ],
        }),
        ['inputs.0.data.1'],
        /has 3 values; the model expects 4/,
      ],
      [input({ data: [[1, 2, 3, 4]] }), ['inputs.0.data'], /has 1 rows; its shape says 2/],
      [input({ datatype: 'BYTES' }), ['inputs.0.datatype'], /is "BYTES"; send FP32/],
      [
        input({ datatype: 'INT32', data: [1, 2.5, 3, 4, 5, 6, 7, 8] }),
        ['inputs.0.data.1'],
        /whole number/,
      ],
      [input({ shape: [0, 4], data: [] }), ['inputs.0.shape.0'], /needs at least one row/],
      [
        input({ shape: [maxPredictRows + 1, 4], data: Array(4 * (maxPredictRows + 1)).fill(1) }),
        ['inputs.0.shape.0'],
        new RegExp(`has ${maxPredictRows + 1} rows; send at most ${maxPredictRows}`),
      ],
      [{ inputs: [] }, ['inputs'], /needs the input tensor/],
      [
        { inputs: [...input({}).inputs, { ...input({}).inputs[0]!, name: 'other' }] },
        ['inputs'],
        /has 2 tensors; the model has one input/,
      ],
      [
        { ...input({}), outputs: [{ name: 'probabilities' }] },
        ['outputs.0.name'],
        /"output" and "class"/,
      ],
      [{ ...input({}), extra: 1 }, ['extra'], /not a known field/],
      [{ input: [] }, ['inputs', 'input'], /is required/],
    ];
    for (const [body, paths, message] of cases) {
      const res = await infer(ids.iris, body);
      expect(refused(res), JSON.stringify(body).slice(0, 120)).toEqual(paths);
      expect(res.json().error).toMatch(message);
    }
  });

  it('refuses rows that overflow 32-bit floats inside the model, as our predict does', async () => {
    const rows = [
      [1, 1],
      [3e38, 0],
    ];
    const ours = await inject('POST', `/v1/models/${ids.regressor}/predict`, { inputs: rows });
    expect(problemPaths(ours)).toEqual(['inputs.1']);
    const flat = await infer(ids.regressor, flatRequest(rows));
    expect(refused(flat)).toEqual(['inputs.0.data']);
    expect(flat.json().error).toMatch(/row 1 overflows 32-bit floats/);
    const nested = await infer(ids.regressor, {
      inputs: [{ name: 'input', shape: [2, 2], datatype: 'FP32', data: rows }],
    });
    expect(refused(nested)).toEqual(['inputs.0.data.1']);
  });

  it('an unknown model is 404 with `error`; a junk id 400', async () => {
    const res = await infer('01UNKNOWN', flatRequest(irisRows));
    refused(res, 404);
    expect(res.json().error).toBe('no model has id or name 01UNKNOWN');
    expect(refused(await infer('a%20b', flatRequest(irisRows)))).toEqual(['params.id']);
  });
});

describe('POST /v1/models/:id:predict (TensorFlow Serving)', () => {
  const predict = (id: string, body: unknown) => inject('POST', `/v1/models/${id}:predict`, body);

  it('row format: {"instances": [[…], …]} answers {"predictions": [[…], …]}', async () => {
    const expected = await reference(ids.iris, irisRows);
    // doc: {"instances": [ [[1, 2]], [[3, 4]] ]}, "List of 2 tensors each of [1, 2] shape"
    const res = await predict(ids.iris, { instances: irisRows });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ predictions: expected.outputs });
    // a named input per instance, as the doc's {"instances": [{"tag": …, "signal": […]}]}
    const named = await predict(ids.iris, {
      signature_name: 'serving_default',
      instances: irisRows.map((row) => ({ input: row })),
    });
    expect(named.json()).toEqual({ predictions: expected.outputs });
  });

  it('columnar format: {"inputs": [[…]]} or {"inputs": {"input": [[…]]}} answers {"outputs": …}', async () => {
    const rows = [
      [0, 0],
      [1, 1],
      [3.5, -2],
    ];
    const expected = await reference(ids.regressor, rows);
    const plain = await predict(ids.regressor, { inputs: rows });
    expect([plain.statusCode, plain.json()]).toEqual([200, { outputs: expected.outputs }]);
    const named = await predict(ids.regressor, { inputs: { input: rows } });
    expect(named.json()).toEqual({ outputs: expected.outputs });
  });

  it('refuses bad bodies with 400 naming the field, and `error` as TF Serving clients read it', async () => {
    const two = irisRows.slice(0, 2);
    const cases: [unknown, string[], RegExp][] = [
      [
        { instances: [two[0], [1, 2, 3]] },
        ['instances.1'],
        /has 3 values; the model expects 4 \(sepal/,
      ],
      [{ instances: [[1, 'NaN', 3, 4]] }, ['instances.0.1'], /must be a number/],
      [
        { instances: [{ input: [1, 2, 3, 4], x: [1] }] },
        ['instances.0.x'],
        /not an input of this model/,
      ],
      [{ instances: [] }, ['instances'], /needs at least one row/],
      [
        { instances: Array(maxPredictRows + 1).fill(two[0]) },
        ['instances'],
        new RegExp(`has ${maxPredictRows + 1} rows; send at most ${maxPredictRows}`),
      ],
      [{ instances: [5.1, 3.5] }, ['instances.0', 'instances.1'], /must be a row/],
      [
        { inputs: { images: two } },
        ['inputs.images', 'inputs.input'],
        /not an input of this model/,
      ],
      [{ inputs: 5 }, ['inputs'], /must be a list of rows/],
      [{ instances: two, inputs: two }, [''], /either instances .* or inputs/],
      [{}, [''], /either instances .* or inputs/],
      [{ signature_name: 'predict_images', instances: two }, ['signature_name'], /serving_default/],
      [{ examples: [{ x: 1 }] }, ['examples'], /not a known field/],
    ];
    for (const [body, paths, message] of cases) {
      const res = await predict(ids.iris, body);
      expect(refused(res), JSON.stringify(body).slice(0, 120)).toEqual(paths);
      expect(res.json().error).toMatch(message);
    }
  });

  it('an unknown model is 404 {"error": …} as in the doc\'s example', async () => {
    // doc: POST /v1/models/half:predict → 404 { "error": "Servable not found for request: Latest(half)" }
    const res = await predict('half', { instances: [[1, 2, 3, 4]] });
    refused(res, 404);
    expect(res.json().error).toBe('no model has id or name half');
  });

  it('leaves our own model routes as they were, and routes nothing but :predict', async () => {
    const doc = await inject('GET', `/v1/models/${ids.iris}`);
    expect([doc.statusCode, doc.json().id]).toEqual([200, ids.iris]);
    expect(
      (await inject('POST', `/v1/models/${ids.iris}/predict`, { inputs: irisRows })).statusCode,
    ).toBe(200);
    // no route: the service's own 404 (outside these routes, so without `error`)
    for (const url of [
      `/v1/models/${ids.iris}:classify`,
      `/v1/models/${ids.iris}:predictx`,
      `/v1/models/${ids.iris}`,
    ]) {
      const res = await inject('POST', url, { instances: irisRows });
      problemPaths(res, 404);
      expect(res.json().detail).toBe(`no route POST ${url}`);
    }
  });
});

describe('tenants', () => {
  const acme = newApiKey('acme');
  const globex = newApiKey('globex');
  let keyed: TestService;
  let model: string;
  beforeAll(async () => {
    keyed = await startService({ env: { API_KEYS: `${acme.entry},${globex.entry}` } });
    model = await storeModel(
      keyed,
      'acme',
      { inputSize: 2, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      fromTargets(
        [
          [0, 0],
          [1, 1],
        ],
        [[0], [1]],
      ),
      { epochs: 2, seed: 1 },
    );
  });
  afterAll(() => keyed?.stop());

  const as = (key: string | null, method: 'GET' | 'POST', url: string, payload?: object) =>
    keyed.app.inject({
      method,
      url,
      ...(payload ? { payload } : {}),
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });
  const requests = () =>
    [
      ['GET', `/v2/models/${model}`],
      ['GET', `/v2/models/${model}/ready`],
      [
        'POST',
        `/v2/models/${model}/infer`,
        { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] },
      ],
      ['POST', `/v1/models/${model}:predict`, { instances: [[1, 2]] }],
    ] as const;

  it("another tenant's model is 404, exactly as a missing one; its own tenant gets 200", async () => {
    for (const [method, url, body] of requests()) {
      expect((await as(acme.key, method, url, body)).statusCode, url).toBe(200);
      const other = await as(globex.key, method, url, body);
      refused(other, 404);
      expect(other.json().error).toBe(`no model has id or name ${model}`);
    }
  });

  it('no key is 401 with `error`; health and server metadata need none', async () => {
    for (const [method, url, body] of requests()) {
      const res = await as(null, method, url, body);
      refused(res, 401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    for (const url of ['/v2/health/live', '/v2/health/ready', '/v2'])
      expect((await as(null, 'GET', url)).statusCode, url).toBe(200);
  });
});

describe('the OpenAPI document', () => {
  it('lists every protocol route under the protocols tag, with its answers', async () => {
    const doc = (await inject('GET', '/openapi.json')).json();
    expect(doc.tags.map((t: { name: string }) => t.name)).toContain('protocols');
    const routes: [string, string, string[]][] = [
      ['get', '/v2/health/live', ['200']],
      ['get', '/v2/health/ready', ['200', '503']],
      ['get', '/v2', ['200']],
      ['get', '/v2/models/{id}', ['200', '400', '401', '404', '429', '503']],
      ['get', '/v2/models/{id}/ready', ['200', '400', '401', '404', '429', '503']],
      ['post', '/v2/models/{id}/infer', ['200', '400', '401', '404', '429', '503']],
      ['post', '/v1/models/{id}:predict', ['200', '400', '401', '404', '429', '503']],
    ];
    for (const [method, path, codes] of routes) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.tags).toEqual(['protocols']);
      expect(op.summary).toEqual(expect.any(String));
      expect(Object.keys(op.responses).sort()).toEqual(codes);
      expect(op.responses['200'].content['application/json'].schema).toBeDefined();
    }
    const infer = doc.paths['/v2/models/{id}/infer'].post;
    // the request form of a schema with optional fields is named …Input
    expect(infer.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/InferRequestInput',
    );
    expect(infer.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/InferResponse',
    );
    const tf = doc.paths['/v1/models/{id}:predict'].post;
    expect(tf.responses['404'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/Problem',
    );
    expect(doc.components.schemas.TfPredictRequest.examples[0].instances).toHaveLength(2);
  });
});
