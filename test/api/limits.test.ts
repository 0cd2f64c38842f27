// The service's submission limits: network parameters, dataset rows × features and the compute
// budget epochs × rows × parameters. Each refusal is a 400 naming the field, the limit and its
// value, and stores nothing.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startService, type TestService } from '../helpers/service.js';

let service: TestService;
let redis: Redis;
beforeAll(async () => {
  service = await startService({
    env: { MAX_PARAMETERS: '100', MAX_DATASET_CELLS: '1000', MAX_JOB_COMPUTE: '1e6' },
  });
  redis = new Redis(service.config.redisUrl);
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const network = (hidden: number) => ({
  inputSize: 2,
  layers: [
    { units: hidden, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
  divergence: 'binary_cross_entropy',
});
const xor = { generator: 'xor', samples: 16, seed: 1 };
const jobKeys = async () =>
  (await redis.keys(`${service.config.keyPrefix}:tenant:default:job:*`)).length;

async function refused(body: unknown, path: string, words: string[]) {
  const before = await jobKeys();
  const r = await http(service, 'POST', '/v1/jobs', body);
  expect(r.status).toBe(400);
  expect(r.headers.get('content-type')).toMatch(/problem\+json/);
  const issue = r.body.errors.find((e: { path: string }) => e.path === path);
  expect(issue, JSON.stringify(r.body)).toBeDefined();
  for (const w of words) expect(issue.message).toContain(w);
  expect(await jobKeys()).toBe(before);
}

describe('submission limits', () => {
  it('a network over MAX_PARAMETERS', async () => {
    // 2·25 + 25 + 25 + 1 = 101 parameters
    await refused(
      { network: network(25), dataset: xor, training: { epochs: 1 } },
      'network.layers',
      ['101 parameters', 'at most 100 (MAX_PARAMETERS)'],
    );
  });

  it('a dataset over MAX_DATASET_CELLS', async () => {
    await refused(
      {
        network: {
          ...network(4),
          inputSize: 64,
          layers: [{ units: 10, activation: 'softmax' }],
          divergence: 'cross_entropy',
        },
        dataset: { builtin: 'digits', subset: 'train' },
        training: { epochs: 1 },
      },
      'dataset',
      ['1347 rows × 64 features = 86208 values', 'at most 1000 (MAX_DATASET_CELLS)'],
    );
  });

  it('targets over MAX_DATASET_CELLS: rows × classes, before a worker makes them', async () => {
    // 400 rows × 2 features = 800 values fit; 400 rows × 3 one-hot classes = 1200 do not
    await refused(
      {
        network: { ...network(4), layers: [{ units: 3, activation: 'softmax' }] },
        dataset: { generator: 'spirals', samples: 400, classes: 3, seed: 1 },
        training: { epochs: 1 },
      },
      'dataset',
      [
        '400 rows × 3 outputs (classes or target columns) = 1200 target values',
        'at most 1000 (MAX_DATASET_CELLS)',
      ],
    );
  });

  it('epochs × rows × parameters over MAX_JOB_COMPUTE', async () => {
    // 17 parameters × 16 rows × 4000 epochs = 1.09e6
    await refused(
      { network: network(4), dataset: xor, training: { epochs: 4000 } },
      'training.epochs',
      ['4000 epochs × 16 rows × 17 parameters = 1.09e+6', 'budget of 1.00e+6', 'MAX_JOB_COMPUTE'],
    );
  });

  it('a job within every limit is queued', async () => {
    const r = await http(service, 'POST', '/v1/jobs', {
      network: network(4),
      dataset: xor,
      training: { epochs: 3000 },
    });
    expect(r.status).toBe(202);
  });
});
