// The fast lane (src/api/predict-lane.ts) changes no answer: the same requests, over real HTTP, to
// the app with the lane and to the same app without it (same Redis, same models, same keys) get
// the same status, headers and body, for good requests and bad ones, across tenants; and the
// good ones were answered by the lane, counted in /metrics as Fastify counts its own.
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { newApiKey } from '../../src/api/auth.js';
import { fromLabels, fromTargets } from '../../src/data/index.js';
import { mutated } from '../helpers/hostile-arbitrary.js';
import { startService, storeTrainedModel, type TestService } from '../helpers/service.js';
import { classifierDocument, storeDocument } from '../helpers/table-model.js';

const acme = newApiKey('acme');
const globex = newApiKey('globex');
let service: TestService;
let plain: FastifyInstance;
let plainUrl: string;
let iris = '';
let regression = '';
let globexModel = '';
let table = ''; // a model trained on a table: predicts by column name

const row = [5.1, 3.5, 1.4, 0.2];
const car = { Horsepower: 130, Origin: 'USA', Year: '1970-01-01' };
const cars = [car, { Horsepower: null, Origin: 'Mars' }, { Year: '1982-06-15' }];
const linearNetwork = {
  inputSize: 4,
  layers: [{ units: 1, activation: 'identity' as const }],
  divergence: 'l2' as const,
};

beforeAll(async () => {
  service = await startService({
    env: {
      API_KEYS: `${acme.entry},${globex.entry}`,
      ADMIN_TENANTS: 'acme',
      MAX_PREDICT_ROWS: '20',
    },
  });
  plain = await buildApp({ config: service.config, predictLane: false });
  await plain.listen({ host: '127.0.0.1', port: 0 });
  plainUrl = `http://127.0.0.1:${(plain.server.address() as { port: number }).port}`;
  const rows = [row, [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]];
  const network = {
    inputSize: 4,
    layers: [
      { units: 8, activation: 'relu' as const },
      { units: 3, activation: 'softmax' as const },
    ],
    divergence: 'cross_entropy' as const,
  };
  const classified = fromLabels(rows, ['setosa', 'virginica', 'versicolor']);
  iris = (await storeTrainedModel(service, network, classified, { epochs: 3, seed: 1 }, 'acme')).id;
  const linear = {
    inputSize: 4,
    layers: [{ units: 2, activation: 'identity' as const }],
    divergence: 'l2' as const,
  };
  const targets = fromTargets(
    rows,
    rows.map((r) => [r[0]! + r[1]!, r[2]! - r[3]!]),
  );
  regression = (await storeTrainedModel(service, linear, targets, { epochs: 3, seed: 2 }, 'acme'))
    .id;
  globexModel = (
    await storeTrainedModel(service, network, classified, { epochs: 1, seed: 3 }, 'globex')
  ).id;
  table = await storeDocument(service, classifierDocument(), 'acme');
  // the first request of each model loads it (through Fastify); the lane takes the ones after
  await send(service.url, { path: `/v1/models/${table}/predict`, body: { records: [car] } });
  for (const id of [iris, regression])
    await send(service.url, { path: `/v1/models/${id}/predict`, body: { inputs: [row] } });
  await send(service.url, {
    path: `/v1/models/${globexModel}/predict`,
    body: { inputs: [row] },
    key: globex.key,
  });
}, 60_000);

afterAll(async () => {
  await plain?.close();
  await service?.stop();
});

interface Request {
  path: string;
  body?: unknown;
  /** Sent as it is instead of JSON of `body`. */
  text?: string;
  key?: string | null;
  type?: string | null;
  method?: string;
}

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: string;
}

const compared = ['content-type', 'x-content-type-options', 'www-authenticate', 'content-length'];

async function send(base: string, request: Request): Promise<Answer> {
  const { path, body, text, key = acme.key, type = 'application/json', method = 'POST' } = request;
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (type) headers['content-type'] = type;
  const payload = text ?? (body === undefined ? undefined : JSON.stringify(body));
  const response = await fetch(base + path, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  return {
    status: response.status,
    headers: Object.fromEntries(compared.map((h) => [h, response.headers.get(h)])),
    body: await response.text(),
  };
}

/** The request to both apps: the answers must be the same; returns the lane app's. */
async function same(request: Request): Promise<Answer> {
  const withLane = await send(service.url, request);
  const without = await send(plainUrl, request);
  expect(withLane, JSON.stringify(request).slice(0, 300)).toEqual(without);
  return withLane;
}

const predict = (id: string) => `/v1/models/${id}/predict`;
const infer = (id: string) => `/v2/models/${id}/infer`;
const tf = (id: string) => `/v1/models/${id}:predict`;
const column = (name: string, data: unknown[], datatype = 'BYTES') => ({
  name,
  shape: [data.length],
  datatype,
  data,
});
const tensor = (data: unknown, shape = [1, 4]) => ({
  name: 'input',
  shape,
  datatype: 'FP32',
  data,
});

describe('the lane answers ordinary predictions exactly as the routes do', () => {
  it('good requests on all three protocols: same answers, all of them from the lane', async () => {
    const good: Request[] = [
      { path: predict(iris), body: { inputs: [row] } },
      { path: predict(iris), body: { inputs: [row, [6.7, 3, 5.2, 2.3], [0, 0, 0, 0]] } },
      { path: predict(regression), body: { inputs: [row, [1, 2, 3, 4]] } },
      { path: predict(iris), body: { inputs: [row] }, type: 'application/json; charset=utf-8' },
      { path: `${predict(iris)}?unused=1`, body: { inputs: [row] } },
      { path: infer(iris), body: { inputs: [tensor(row)] } },
      { path: infer(iris), body: { id: 'r1', inputs: [tensor([row, row], [2, 4])] } },
      { path: infer(iris), body: { inputs: [tensor(row)], outputs: [{ name: 'class' }] } },
      { path: infer(regression), body: { inputs: [tensor(row)] } },
      { path: tf(iris), body: { instances: [row, [1, 1, 1, 1]] } },
      { path: tf(iris), body: { signature_name: 'serving_default', instances: [row] } },
      { path: tf(iris), body: { inputs: { input: [row] } } },
      { path: tf(regression), body: { inputs: [row] } },
      // a table model by column name, through TF Serving and OIP v2
      { path: tf(table), body: { instances: cars } },
      { path: tf(table), body: { inputs: { Horsepower: [130, null], Origin: ['USA', 'Mars'] } } },
      { path: infer(table), body: { inputs: [column('Origin', ['USA', 'Mars'])] } },
      {
        path: infer(table),
        body: {
          inputs: [column('Horsepower', [130, null], 'FP32'), column('Year', ['1970-01-01', ''])],
        },
      },
    ];
    const before = service.app.predictLane!.counts.answered;
    for (const request of good) expect((await same(request)).status).toBe(200);
    expect(service.app.predictLane!.counts.answered - before).toBe(good.length);
  });

  it('bad requests: the route answers them, word for word', async () => {
    const deep = `{"inputs":${'['.repeat(80)}${']'.repeat(80)}}`;
    const bad: Request[] = [
      { path: predict(iris), body: { inputs: [[1, 2, 3]] } }, // a row too short
      { path: predict(iris), body: { inputs: [] } },
      { path: predict(iris), body: { inputs: Array.from({ length: 21 }, () => row) } },
      { path: predict(iris), body: { inputs: [[3e38, 3e38, 3e38, 3e38]] } }, // overflows inside
      { path: predict(iris), body: { inputs: [row], extra: 1 } },
      { path: predict(iris), body: { inputs: [['5.1', 3.5, 1.4, 0.2]] } },
      { path: predict(iris), text: '{"inputs": [[5.1, 3.5, 1.4, 0.2]]' }, // not JSON
      { path: predict(iris), text: '{"inputs":[[5.1,3.5,1.4,0.2]],"__proto__":{"x":1}}' },
      { path: predict(iris), text: '{"inputs":[[5.1,3.5,1.4,0.2]],"\\u005f_proto__":{"x":1}}' },
      { path: predict(iris), text: deep },
      { path: predict(iris), text: 'inputs=1', type: 'text/plain' },
      { path: predict(iris), body: { inputs: [row] }, type: 'application/x-www-form-urlencoded' },
      { path: predict(iris), body: { inputs: [row] }, type: null },
      { path: predict(iris), body: { inputs: [row] }, key: null },
      { path: predict(iris), body: { inputs: [row] }, key: 'bpk_not-a-key' },
      { path: predict(iris), body: { inputs: [row] }, key: globex.key }, // acme's model
      { path: predict(globexModel), body: { inputs: [row] } }, // globex's model, acme's key
      { path: predict('no-such-model'), body: { inputs: [row] } },
      { path: predict('a'.repeat(65)), body: { inputs: [row] } },
      { path: `${predict(iris)}/`, body: { inputs: [row] } },
      { path: predict(iris), method: 'PUT', body: { inputs: [row] } },
      { path: infer(iris), body: { inputs: [tensor(row), tensor(row)] } },
      { path: infer(iris), body: { inputs: [tensor(row)], outputs: [{ name: 'nope' }] } },
      { path: infer(iris), body: { inputs: [tensor([1, 2, 3, 4, 5], [1, 5])] } },
      { path: infer(iris), body: { inputs: [{ ...tensor(row), datatype: 'BYTES' }] } },
      { path: tf(iris), body: { instances: [row], inputs: [row] } },
      { path: tf(iris), body: { signature_name: 'other', instances: [row] } },
      { path: tf(iris), body: { instances: [{ input: row, other: 1 }] } },
      { path: tf(table), body: { instances: [{ ...car, Horsepower: 'fast' }] } },
      { path: tf(table), body: { instances: [{ input: row }] } },
      { path: infer(table), body: { inputs: [column('Name', ['a'])] } },
      { path: infer(table), body: { inputs: [column('Horsepower', ['fast'])] } },
    ];
    const before = service.app.predictLane!.counts.answered;
    for (const request of bad)
      expect((await same(request)).status, JSON.stringify(request)).toBeGreaterThanOrEqual(400);
    expect(service.app.predictLane!.counts.answered).toBe(before);
  });

  it('records go to the route (the lane declines them): the same answers, good and bad', async () => {
    const requests: Request[] = [
      { path: predict(table), body: { records: cars } },
      { path: predict(table), body: { records: [car], inputs: [row] } },
      { path: predict(table), body: { records: [{ ...car, Horsepower: 'fast' }] } },
      { path: predict(table), body: { inputs: [[130, 'USA', null]] } },
      { path: predict(table), text: '{"records":[{"Horsepower":1,"__proto__":{"x":1}}]}' },
      { path: predict(table), body: { records: [{ ...car, toString: 1, constructor: 'x' }] } },
      { path: predict(iris), body: { records: [car] } },
    ];
    const before = service.app.predictLane!.counts;
    const [answered, handedOver] = [before.answered, before.handedOver];
    const statuses: number[] = [];
    for (const request of requests) statuses.push((await same(request)).status);
    expect(statuses).toEqual([200, 400, 400, 200, 400, 200, 400]);
    expect(service.app.predictLane!.counts.answered).toBe(answered);
    // each read by the lane and handed to Fastify with its body
    expect(service.app.predictLane!.counts.handedOver - handedOver).toBe(requests.length);
  });

  it('any body: the same answer with the lane as without it', async () => {
    const bases: [string, unknown][] = [
      [predict(iris), { inputs: [row, [6.7, 3, 5.2, 2.3]] }],
      [
        infer(iris),
        { id: '7', inputs: [tensor([row, row], [2, 4])], outputs: [{ name: 'output' }] },
      ],
      [tf(iris), { signature_name: 'serving_default', instances: [row, { input: row }] }],
      [tf(table), { instances: cars }],
      [infer(table), { inputs: [column('Origin', ['USA', 'Mars']), column('Year', ['', null])] }],
    ];
    for (const [path, base] of bases) {
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(mutated(base), async (body) => {
          seen.add((await same({ path, text: JSON.stringify(body) ?? 'null' })).status);
        }),
        { numRuns: 60, seed: 7 },
      );
      expect([...seen].sort()).toEqual([200, 400]); // both kinds of answer were compared
    }
  });

  it('a deleted model is gone from the lane at once', async () => {
    const doomed = (
      await storeTrainedModel(
        service,
        linearNetwork,
        fromTargets([row], [[1]]),
        { epochs: 1, seed: 4 },
        'acme',
      )
    ).id;
    expect(
      (await send(service.url, { path: predict(doomed), body: { inputs: [row] } })).status,
    ).toBe(200);
    const before = service.app.predictLane!.counts.answered;
    expect(
      (await send(service.url, { path: predict(doomed), body: { inputs: [row] } })).status,
    ).toBe(200);
    expect(service.app.predictLane!.counts.answered).toBe(before + 1);
    const deleted = await send(service.url, { path: `/v1/models/${doomed}`, method: 'DELETE' });
    expect(deleted.status).toBe(204);
    const after = await send(service.url, { path: predict(doomed), body: { inputs: [row] } });
    expect(after.status).toBe(404);
    expect(JSON.parse(after.body).detail).toBe(`no model has id or name ${doomed}`);
  });

  it("counts the lane's answers in /metrics under the route's own pattern", async () => {
    const metrics = async () =>
      (await send(service.url, { path: '/metrics', method: 'GET', type: null })).body;
    const count = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    const route =
      /backprop_http_request_duration_seconds_count\{method="POST",route="\/v2\/models\/:id\/infer",status_code="200"\} (\d+)/;
    const predictions = /backprop_predict_duration_seconds_count (\d+)/;
    const before = await metrics();
    const lane = service.app.predictLane!.counts.answered;
    for (let i = 0; i < 3; i++)
      await send(service.url, { path: infer(iris), body: { inputs: [tensor(row)] } });
    expect(service.app.predictLane!.counts.answered).toBe(lane + 3);
    const after = await metrics();
    expect(count(after, route) - count(before, route)).toBe(3);
    expect(count(after, predictions) - count(before, predictions)).toBe(3);
  });
});

describe('in development mode (no API_KEYS)', () => {
  it('takes loopback Hosts only: any other name gets the route’s 403', async () => {
    const dev = await startService({ env: { API_KEYS: '' } });
    try {
      const id = (
        await storeTrainedModel(dev, linearNetwork, fromTargets([row], [[1]]), { epochs: 1 })
      ).id;
      const port = new URL(dev.url).port;
      const post = (host: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const body = JSON.stringify({ inputs: [row] });
          const req = httpRequest(
            {
              port,
              host: '127.0.0.1',
              method: 'POST',
              path: predict(id),
              headers: { host, 'content-type': 'application/json', 'content-length': body.length },
            },
            (res) => {
              let text = '';
              res
                .on('data', (c) => (text += c))
                .on('end', () => resolve({ status: res.statusCode!, body: text }));
            },
          );
          req.on('error', reject).end(body);
        });
      expect((await post(`localhost:${port}`)).status).toBe(200); // loads the model
      const answered = dev.app.predictLane!.counts.answered;
      expect((await post(`127.0.0.1:${port}`)).status).toBe(200);
      expect(dev.app.predictLane!.counts.answered).toBe(answered + 1);
      const refused = await post(`evil.example:${port}`);
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body).detail).toContain('Host "evil.example');
      expect(dev.app.predictLane!.counts.answered).toBe(answered + 1);
    } finally {
      await dev.stop();
    }
  });
});
