// Predictions too big for the event loop (rows × parameters over PREDICT_THREAD_WORK) run in
// the API's predict threads: same outputs as on the event loop, and /healthz answers while one
// runs (issue 12, defect 5: 10k rows on a 1M-parameter model froze the API for 0.64 s).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { fromTargets } from '../../src/data/index.js';
import { parameterCount } from '../../src/engine/index.js';
import { startService, storeTrainedModel, type TestService } from '../helpers/service.js';

const width = 10;
// 10-1000-1000-1: about a million parameters, as in the review
const network = {
  inputSize: width,
  layers: [
    { units: 1000, activation: 'relu' as const },
    { units: 1000, activation: 'relu' as const },
    { units: 1, activation: 'identity' as const },
  ],
  divergence: 'l2' as const,
};
const rowsOf = (n: number) =>
  Array.from({ length: n }, (_, r) =>
    Array.from({ length: width }, (_, c) => ((r * 7 + c) % 13) / 13),
  );

let service: TestService;
let inline: FastifyInstance; // the same service with every prediction on its event loop
let modelId = '';

beforeAll(async () => {
  service = await startService();
  const inputs = rowsOf(8);
  const model = await storeTrainedModel(
    service,
    network,
    fromTargets(
      inputs,
      inputs.map((x) => [x[0]! - x[1]!]),
    ),
    { epochs: 1, seed: 3 },
  );
  modelId = model.id;
  inline = await buildApp({
    config: loadConfig({ ...process.env, ...service.env, PREDICT_THREAD_WORK: String(1e15) }),
  });
}, 120_000);
afterAll(async () => {
  await inline?.close();
  await service?.stop();
});

const predict = (app: FastifyInstance, rows: number) =>
  app.inject({
    method: 'POST',
    url: `/v1/models/${modelId}/predict`,
    payload: { inputs: rowsOf(rows) },
  });

describe('big predictions', () => {
  it('run in a predict thread, with the outputs the event loop gives', async () => {
    const pool = service.app.services.predictPool;
    expect(parameterCount(network)).toBe(1_013_001);
    // 100 rows × 1,013,001 parameters is over the default PREDICT_THREAD_WORK (1e7)
    const before = pool.runs;
    const threaded = await predict(service.app, 100);
    expect(threaded.statusCode).toBe(200);
    expect(pool.runs).toBe(before + 1);
    const onLoop = await predict(inline, 100);
    expect(inline.services.predictPool.runs).toBe(0);
    expect(threaded.json().outputs).toHaveLength(100);
    expect(threaded.json()).toEqual(onLoop.json());
    // a small one stays on the event loop: 9 rows × 1,013,001 ≤ 1e7
    await predict(service.app, 9);
    expect(pool.runs).toBe(before + 1);
  }, 60_000);

  it('leave /healthz answering while they run', async () => {
    const pool = service.app.services.predictPool;
    await predict(service.app, 1); // the model in the API's cache (loading it is not the point)
    const order: string[] = [];
    const big = predict(service.app, 5000).then((answer) => {
      order.push('predict');
      return answer;
    });
    // on once the prediction is in its thread (or, were it on the event loop, over)
    while (pool.busy === 0 && order.length === 0) await new Promise((r) => setImmediate(r));
    const health = await service.app.inject({ method: 'GET', url: '/healthz' });
    order.push('healthz');
    expect(health.statusCode).toBe(200);
    const answer = await big;
    expect(answer.statusCode).toBe(200);
    expect(answer.json().outputs).toHaveLength(5000);
    expect(order).toEqual(['healthz', 'predict']);
  }, 60_000);
});
