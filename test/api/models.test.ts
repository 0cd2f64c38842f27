// Trained models over HTTP, on models trained here with the engine and stored as a worker would
// store them: the document (weights in the notes' convention) and predict, whose outputs must be
// the engine's own for the same raw rows, with the arg-max class for classifiers.

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { defaultTenant } from '../../src/config.js';
import { fromLabels, fromTargets, rowsOf } from '../../src/data/index.js';
import { argmaxRows, outputSizeOf, predict } from '../../src/engine/index.js';
import { newId } from '../../src/ids.js';
import { modelFromDocument } from '../../src/spec/index.js';
import { connectRedis, createStores, type StoredModel } from '../../src/store/index.js';
import { irisCsv } from '../helpers/iris.js';
import { startService, storeTrainedModel, type TestService } from '../helpers/service.js';

const maxPredictRows = 50;
const species = ['setosa', 'versicolor', 'virginica'];

let service: TestService;
let redis: Redis;

let classifier: StoredModel;
let regressor: StoredModel;
const iris = { train: irisCsv('train'), test: irisCsv('test') };

beforeAll(async () => {
  service = await startService({ env: { MAX_PREDICT_ROWS: String(maxPredictRows) } });
  redis = connectRedis(service.config.redisUrl);
  const named = (labels: number[]) => labels.map((l) => species[l]!);
  const irisData = {
    ...fromLabels(iris.train.rows, named(iris.train.labels)),
    featureNames: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
  };
  classifier = await storeTrainedModel(
    service,
    {
      inputSize: 4,
      layers: [
        { units: 8, activation: 'tanh' },
        { units: 3, activation: 'softmax' },
      ],
      divergence: 'cross_entropy',
    },
    irisData,
    { epochs: 150, optimizer: 'adam', learningRate: 0.05, seed: 1 },
  );
  // y = 2a − b + 1, exactly learnable by one identity layer
  const inputs = Array.from({ length: 20 }, (_, i) => [i / 4, (i % 5) - 2]);
  regressor = await storeTrainedModel(
    service,
    { inputSize: 2, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
    fromTargets(
      inputs,
      inputs.map(([a, b]) => [2 * a! - b! + 1]),
    ),
    { epochs: 300, seed: 2 },
  );
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const predictRoute = (id: string, inputs: unknown) =>
  service.app.inject({ method: 'POST', url: `/v1/models/${id}/predict`, payload: { inputs } });

/** The engine's outputs for raw rows, on the stored document's weights. */
function engineOutputs(doc: StoredModel, rows: number[][]): number[][] {
  const model = modelFromDocument(doc);
  const y = predict(model, Float32Array.from(rows.flat()), rows.length);
  return rowsOf(y, rows.length, outputSizeOf(model.shape));
}

describe('GET /v1/models/:id', () => {
  it('answers the stored document without its file format tag', async () => {
    const res = await service.app.inject({ method: 'GET', url: `/v1/models/${classifier.id}` });
    expect(res.statusCode).toBe(200);
    const { format: _format, ...expected } = classifier;
    const { lineage, ...view } = res.json();
    expect(view).toEqual(expected);
    // a model stored without a receipt (trained before issue 15) still shows its job and metrics
    expect(lineage).toEqual({
      job: classifier.jobId ?? null,
      dataset: null,
      spec: null,
      seed: null,
      engineVersion: null,
      metrics: classifier.metrics,
    });
  });

  it('weights are W_k as [D_k][D_k-1] and b_k as [D_k], per layer', async () => {
    const { weights } = (
      await service.app.inject({ method: 'GET', url: `/v1/models/${classifier.id}` })
    ).json();
    expect(weights.map((w: { W: number[][] }) => [w.W.length, w.W[0]!.length])).toEqual([
      [8, 4],
      [3, 8],
    ]);
    expect(weights.map((w: { b: number[] }) => w.b.length)).toEqual([8, 3]);
  });

  it('an unknown model is 404 problem+json naming the id', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/v1/models/01UNKNOWN' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 404, detail: 'no model has id or name 01UNKNOWN' });
  });

  it('takes the longest reference, NAME@ALIAS of 64 characters each; a longer segment is a 400', async () => {
    const [name, alias] = [`n${'a'.repeat(63)}`, `_${'b'.repeat(63)}`];
    const longest = await service.app.inject({
      method: 'GET',
      url: `/v1/models/${name}@${alias}`,
    });
    expect(longest.statusCode).toBe(404);
    expect(longest.json().detail).toBe(`no model of yours is named ${name}`);
    const tooLong = await service.app.inject({
      method: 'GET',
      url: `/v1/models/${'x'.repeat(141)}`,
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().detail).toMatch(/^a path segment is longer than 140 characters/);
  });
});

describe('POST /v1/models/:id/predict', () => {
  it("a classifier's outputs are the engine's, its classes the arg-max names", async () => {
    const rows = iris.test.rows;
    const res = await predictRoute(classifier.id, rows);
    expect(res.statusCode).toBe(200);
    const { outputs, classes } = res.json();
    const expected = engineOutputs(classifier, rows);
    expect(outputs).toEqual(expected);
    for (const row of outputs)
      expect(row.reduce((a: number, v: number) => a + v, 0)).toBeCloseTo(1, 5);
    const argmax = argmaxRows(Float32Array.from(expected.flat()), rows.length, 3);
    expect(classes).toEqual(Array.from(argmax, (c) => species[c]));
    // and right on held-out iris
    const correct = classes.filter((c: string, i: number) => c === species[iris.test.labels[i]!]);
    expect(correct.length / rows.length).toBeGreaterThanOrEqual(0.9);
  });

  it('scales raw inputs with the stored scaler (the same rows scaled by hand differ)', async () => {
    expect(classifier.scaler).not.toBeNull();
    const row = iris.test.rows[0]!;
    const raw = (await predictRoute(classifier.id, [row])).json().outputs[0];
    const { mean, std } = classifier.scaler!;
    const prescaled = row.map((v, i) => (v - mean[i]!) / std[i]!);
    const twice = (await predictRoute(classifier.id, [prescaled])).json().outputs[0];
    expect(raw).toEqual(engineOutputs(classifier, [row])[0]);
    expect(twice).not.toEqual(raw);
  });

  it("a regressor's outputs are the engine's, with no classes, and near the true line", async () => {
    const rows = [
      [0, 0],
      [1, 1],
      [3.5, -2],
    ];
    const res = await predictRoute(regressor.id, rows);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['outputs']);
    expect(body.outputs).toEqual(engineOutputs(regressor, rows));
    const truth = [1, 2, 10];
    body.outputs.forEach(([y]: number[], i: number) => expect(y).toBeCloseTo(truth[i]!, 1));
  });

  it('answers MAX_PREDICT_ROWS rows, and refuses one more naming the limit', async () => {
    const rows = Array.from({ length: maxPredictRows }, (_, i) => [i, 0]);
    const ok = await predictRoute(regressor.id, rows);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().outputs).toHaveLength(maxPredictRows);

    const tooMany = await predictRoute(regressor.id, [...rows, [1, 1]]);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(tooMany.json().errors).toEqual([
      {
        path: 'inputs',
        message: `has ${maxPredictRows + 1} rows; send at most ${maxPredictRows} per request`,
      },
    ]);
  });

  it('a row of the wrong width is 400 naming the row, the expected width and the features', async () => {
    const res = await predictRoute(classifier.id, [iris.test.rows[0], [1, 2, 3], [1, 2, 3, 4, 5]]);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body.status).toBe(400);
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(['inputs.1', 'inputs.2']);
    expect(body.errors[0].message).toBe(
      'has 3 values; the model expects 4 (sepal_length, sepal_width, petal_length, petal_width)',
    );
    expect(body.detail).toContain('expects 4');
  });
});

describe('DELETE /v1/models/:id', () => {
  it('deletes the model: 204, then its predictions and document are 404, in every API process', async () => {
    const doc = { ...classifier, id: newId() };
    await createStores(redis, service.config.keyPrefix, defaultTenant).models.save(doc);
    // a second API process with the model in its cache
    const other = await buildApp({ config: service.config });
    const predictOn = (app: typeof other) =>
      app.inject({
        method: 'POST',
        url: `/v1/models/${doc.id}/predict`,
        payload: { inputs: [iris.test.rows[0]] },
      });
    try {
      expect((await predictOn(other)).statusCode).toBe(200);
      const deleted = await service.app.inject({ method: 'DELETE', url: `/v1/models/${doc.id}` });
      expect(deleted.statusCode).toBe(204);
      expect((await predictOn(service.app)).statusCode).toBe(404);
      expect(
        (await service.app.inject({ method: 'GET', url: `/v1/models/${doc.id}` })).statusCode,
      ).toBe(404);
      // the other process drops its cached copy when the deletion is published
      const deadline = Date.now() + 5000;
      while ((await predictOn(other)).statusCode !== 404) {
        if (Date.now() > deadline) throw new Error('the other API still predicts with it');
        await new Promise((r) => setTimeout(r, 20));
      }
      // deleting again changes nothing: 404 naming the id
      const again = await service.app.inject({ method: 'DELETE', url: `/v1/models/${doc.id}` });
      expect(again.statusCode).toBe(404);
      expect(again.json().detail).toContain(doc.id);
      // the other models are untouched
      expect((await predictRoute(classifier.id, [iris.test.rows[0]])).statusCode).toBe(200);
    } finally {
      await other.close();
    }
  });
});
