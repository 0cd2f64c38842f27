// A network at the configured MAX_PARAMETERS (its default: this test sets nothing) trains one
// epoch on a real worker, is saved (its model file in the blob store, its record in Redis small),
// loaded by the API and predicts; its download is the stored file. The default is what this
// proves storable and trainable (README, "Where models live").
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { settings } from '../../src/settings/index.js';
import { connectRedis, createStores } from '../../src/store/index.js';
import { follow } from '../helpers/events.js';
import { http, startService, type TestService } from '../helpers/service.js';

let service: TestService;
let redis: Redis;

beforeAll(async () => {
  service = await startService({ workers: 1 });
  redis = connectRedis(service.config.redisUrl);
}, 60_000);
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

// inputs → h → h → 10 (softmax): h² + 112h + 10 parameters, h as large as the limit allows
const inputSize = 100;
const parametersOf = (h: number) => h * h + (inputSize + 12) * h + 10;

it('trains, saves, loads and predicts a network of MAX_PARAMETERS parameters', async () => {
  const max = service.config.maxParameters;
  expect(String(max)).toBe(String(Number(settings.maxParameters.default))); // the default
  let h = Math.floor(Math.sqrt(max));
  while (parametersOf(h) > max) h--;
  const parameters = parametersOf(h);
  expect(parameters).toBeGreaterThan(0.99 * max);

  const rows = 32;
  const inputs = Array.from({ length: rows }, (_, r) =>
    Array.from({ length: inputSize }, (_, c) => ((r * 31 + c * 7) % 17) / 17),
  );
  const labels = Array.from({ length: rows }, (_, r) => r % 10);
  const network = {
    inputSize,
    layers: [
      { units: h, activation: 'relu' },
      { units: h, activation: 'relu' },
      { units: 10, activation: 'softmax' },
    ],
    divergence: 'cross_entropy',
  };
  const { status, body } = await http(service, 'POST', '/v1/jobs', {
    network,
    dataset: { inputs, labels },
    training: { epochs: 1, batchSize: 16, learningRate: 0.001, seed: 1 },
  });
  expect(status, JSON.stringify(body)).toBe(202);
  const events = await follow(service, body.id);
  const done = events.at(-1)!;
  expect(done.type, JSON.stringify(done.data)).toBe('done');
  const id = (done.data as { modelId: string }).modelId;

  // saved: the record small, the weights in a blob of 4 bytes a parameter (and a header)
  const keys = createStores(redis, service.config.keyPrefix, defaultTenant).keys;
  const record = (await redis.get(keys.model(id)))!;
  expect(record.length).toBeLessThan(100_000);
  const { weights } = JSON.parse(record) as { weights: { blob: string; bytes: number } };
  expect(weights.bytes).toBeGreaterThan(4 * parameters);
  expect(weights.bytes).toBeLessThan(4 * parameters + 100_000);

  // loaded and predicting: ten probabilities a row
  const predicted = await http(service, 'POST', `/v1/models/${id}/predict`, {
    inputs: inputs.slice(0, 2),
  });
  expect(predicted.status, JSON.stringify(predicted.body)).toBe(200);
  const outputs = predicted.body.outputs as number[][];
  expect(outputs).toHaveLength(2);
  for (const row of outputs) {
    expect(row).toHaveLength(10);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  }

  // shown without its weights, which no JSON text could hold, and pointed at its download
  const shown = await http(service, 'GET', `/v1/models/${id}`);
  expect(shown.status, JSON.stringify(shown.body).slice(0, 300)).toBe(200);
  expect(shown.body.weights).toBeUndefined();
  expect(shown.body.weightsOmitted).toBe(
    `this model has ${parameters} parameters, more than the 5000000 shown as JSON: download it (GET /v1/models/${id}/download) for its weights`,
  );
  expect(shown.body.network).toEqual(network);

  // and downloaded as the stored file
  const response = await fetch(`${service.url}/v1/models/${id}/download`);
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of response.body!) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  expect(bytes).toBe(weights.bytes);
  expect(hash.digest('hex')).toBe(weights.blob);
}, 600_000);
