// Warm start (issue 15) through the service: a job with training.initFrom starts from a trained
// model's weights, so its first epoch's error is far below a cold start's; a table job keeps the
// model's preprocessing; a network whose shapes differ, an unknown model and another tenant's
// model are each a 400 naming the field. Real API, real Redis, a real worker process.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { follow } from '../helpers/events.js';
import { http, startService, type TestService } from '../helpers/service.js';

const alice = newApiKey('alice');
const bob = newApiKey('bob');
const as = (key: string) => ({ authorization: `Bearer ${key}` });

let service: TestService;
beforeAll(async () => {
  service = await startService({
    workers: 1,
    env: { API_KEYS: [alice.entry, bob.entry].join(',') },
  });
}, 60_000);
afterAll(() => service?.stop());

const carsCsv = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');

async function train(job: unknown, key = alice.key) {
  const submitted = await http(service, 'POST', '/v1/jobs', job, as(key));
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  const events = await follow(service, submitted.body.id, { apiKey: key });
  const done = events[events.length - 1]!;
  expect(done.type, JSON.stringify(done.data)).toBe('done');
  const model = await http(service, 'GET', `/v1/models/${done.data.modelId}`, undefined, as(key));
  return { queued: submitted.body, id: done.data.modelId as string, model: model.body };
}

const irisNetwork = {
  inputSize: 4,
  layers: [
    { units: 8, activation: 'tanh' },
    { units: 3, activation: 'softmax' },
  ],
  divergence: 'cross_entropy',
};
const irisJob = (training: object) => ({
  network: irisNetwork,
  dataset: { builtin: 'iris' },
  training: { epochs: 30, learningRate: 0.3, ...training },
});

describe('warm start: training.initFrom', () => {
  let iris: Awaited<ReturnType<typeof train>>;
  beforeAll(async () => {
    iris = await train(irisJob({ epochs: 200, seed: 1 }));
  }, 60_000);

  it('iris: the first epoch starts where the model ended, far below a cold start', async () => {
    const cold = await train(irisJob({ seed: 2 }));
    const warm = await train(irisJob({ seed: 2, initFrom: { model: iris.id } }));
    expect(warm.queued.spec.training.initFrom).toEqual({ model: iris.id });
    const first = (m: { history: { error: number }[] }) => m.history[0]!.error;
    const last = iris.model.history[iris.model.history.length - 1].error;
    // the same rows, the same scaler: the warm start's first epoch is the model's last (SGD)
    expect(first(warm.model)).toBeLessThan(0.1 * first(cold.model));
    expect(first(warm.model)).toBeLessThan(1.05 * last);
    // the model's scaler is kept
    expect(warm.model.scaler).toEqual(iris.model.scaler);
  }, 60_000);

  it("a job without a network takes the model's", async () => {
    const { network: _, ...job } = irisJob({ epochs: 2, seed: 2, initFrom: { model: iris.id } });
    const warm = await train(job);
    expect(warm.queued.spec.network).toEqual(irisNetwork);
  }, 60_000);

  it('a network whose layer differs is a 400 naming the layer', async () => {
    const network = {
      ...irisNetwork,
      layers: [{ units: 9, activation: 'tanh' }, irisNetwork.layers[1]],
    };
    const job = { ...irisJob({ initFrom: { model: iris.id } }), network };
    const res = await http(service, 'POST', '/v1/jobs', job, as(alice.key));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        path: 'network.layers.0',
        message: expect.stringContaining('has units 9 but the model to start from'),
      },
    ]);
    const relu = {
      ...irisNetwork,
      layers: [{ units: 8, activation: 'relu' }, irisNetwork.layers[1]],
    };
    const res2 = await http(service, 'POST', '/v1/jobs', { ...job, network: relu }, as(alice.key));
    expect(res2.status).toBe(400);
    expect(res2.body.errors[0].path).toBe('network.layers.0');
    expect(res2.body.errors[0].message).toContain('activation relu');
  });

  it("an unknown model, or another tenant's, is a 400 at training.initFrom.model", async () => {
    for (const [model, key] of [
      ['no-such-model', alice.key],
      [iris.id, bob.key], // bob cannot see alice's model
    ] as const) {
      const res = await http(
        service,
        'POST',
        '/v1/jobs',
        irisJob({ initFrom: { model } }),
        as(key),
      );
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        {
          path: 'training.initFrom.model',
          message: expect.stringContaining(`no model of yours is ${model}:`),
        },
      ]);
    }
  });
});

describe('warm start from a table model', () => {
  it("cars: keeps the model's preprocessing; its first epoch far below a cold start's", async () => {
    const uploaded = await http(service, 'POST', '/v1/datasets?label=Miles_per_Gallon', carsCsv, {
      'content-type': 'text/csv',
      ...as(alice.key),
    });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    const dataset = { id: uploaded.body.id };
    const original = await train({ dataset, training: { seed: 1 } });
    const cold = await train({ dataset, training: { seed: 2 } });
    const warm = await train({ dataset, training: { seed: 2, initFrom: { model: original.id } } });
    expect(warm.model.preprocessing).toEqual(original.model.preprocessing);
    expect(warm.model.target).toEqual(original.model.target);
    expect(cold.model.preprocessing).not.toEqual(original.model.preprocessing); // another fit
    expect(warm.model.history[0].error).toBeLessThan(0.1 * cold.model.history[0].error);
    // the table's defaults still apply to a job that says nothing else of how to train
    expect(warm.queued.spec.training).toMatchObject({ optimizer: 'adam', testSplit: 0.2 });
  }, 120_000);
});
