// Issue 14 through the service, as a data team would use it: a raw table uploaded with only its
// label named, a job of nothing but the dataset's id and a seed, a worker that types, imputes,
// encodes and trains it, and a model that carries its preprocessing and its held-out evaluation.
// Real API, real Redis, a real worker process.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineVersion, weightsSha256 } from '../../src/data/receipt.js';
import { weightsFromJson } from '../../src/spec/index.js';
import { follow } from '../helpers/events.js';
import { http, startService, type TestService } from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startService({ workers: 1 });
});
afterAll(() => service?.stop());

const carsCsv = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');
const penguinsCsv = readFileSync(new URL('../../bench/data/penguins.csv', import.meta.url), 'utf8');

async function upload(csv: string, query: string) {
  return http(service, 'POST', `/v1/datasets?${query}`, csv, { 'content-type': 'text/csv' });
}

async function train(job: unknown) {
  const submitted = await http(service, 'POST', '/v1/jobs', job);
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  const events = await follow(service, submitted.body.id);
  const done = events[events.length - 1]!;
  expect(done.type, JSON.stringify(done.data)).toBe('done');
  const model = await http(service, 'GET', `/v1/models/${done.data.modelId}`);
  return { queued: submitted.body, done: done.data, model: model.body };
}

describe('a raw table, trained with nothing but its id and a seed', () => {
  let carsId: string;

  beforeAll(async () => {
    const uploaded = await upload(carsCsv, 'label=Miles_per_Gallon');
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    carsId = uploaded.body.id;
  });

  it('cars: a regression in miles per gallon, evaluated on 80 held-out rows', async () => {
    const { queued, done, model } = await train({
      dataset: { id: carsId },
      training: { seed: 1 },
    });
    // the network is derived: 14 inputs (5 numbers, 5 calendar features of Year, Origin's 3
    // categories and "other"), the default hidden layers, identity and l2 for a number
    expect(queued.spec.network).toEqual({
      inputSize: 14,
      layers: [
        { units: 64, activation: 'relu' },
        { units: 32, activation: 'relu' },
        { units: 1, activation: 'identity' },
      ],
      divergence: 'l2',
    });
    expect(queued.spec.training).toMatchObject({ seed: 1, testSplit: 0.2, optimizer: 'adam' });
    expect(model.target).toMatchObject({ name: 'Miles_per_Gallon', task: 'regression' });
    expect(model.preprocessing.inputNames).toHaveLength(14);
    expect(model.preprocessing.skipped).toEqual([
      expect.objectContaining({ name: 'Name', type: 'text' }),
    ]);
    const e = model.evaluation;
    expect(e).toMatchObject({ task: 'regression', rows: 80 });
    // in miles per gallon: a model that learnt nothing has R² ≤ 0 and an RMSE near the std (7.8)
    expect(e.r2).toBeGreaterThan(0.75);
    expect(e.rmse).toBeLessThan(4);
    expect(e.points.actual).toHaveLength(80);
    expect(Math.min(...e.points.actual)).toBeGreaterThanOrEqual(9);
    // the done event carries the headline numbers
    expect(done.metrics.test).toEqual({ rows: 80, mae: e.mae, rmse: e.rmse, r2: e.r2 });
    // the receipt (issue 15): the spec it was trained from, and the hash of the weights it holds
    expect(model.receipt).toMatchObject({
      seed: 1,
      engineVersion,
      spec: { network: queued.spec.network, dataset: { id: carsId } },
    });
    const { W, b } = weightsFromJson(model.weights);
    expect(model.receipt.weightsSha256).toBe(weightsSha256({ W, b }));
    expect(model.receipt.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads columns as the job says, and names a misspelt one with the real ones', async () => {
    const bad = await http(service, 'POST', '/v1/jobs', {
      dataset: { id: carsId, columns: { Nme: 'ignored', Origin: 'numeric' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      {
        path: 'dataset.columns.Nme',
        message:
          'no column named Nme (did you mean Name?); the columns are Name, Miles_per_Gallon, Cylinders, Displacement, Horsepower, Weight_in_lbs, Acceleration, Year, Origin',
      },
      expect.objectContaining({ path: 'dataset.columns.Origin' }),
    ]);
    expect(bad.body.errors[1].message).toMatch(/is set to numeric.*"USA"/);
    // Cylinders as categories (5 seen, + other) in place of one number: 14 - 1 + 6
    const wide = await http(service, 'POST', '/v1/jobs', {
      dataset: { id: carsId, columns: { Cylinders: 'categorical' } },
      network: { inputSize: 14 },
    });
    expect(wide.status).toBe(400);
    expect(wide.body.errors).toEqual([
      expect.objectContaining({
        path: 'network.inputSize',
        message: expect.stringContaining('set inputSize to 19'),
      }),
    ]);
  });

  it('refuses table options on a dataset of numeric rows, naming them', async () => {
    const rows = await http(service, 'POST', '/v1/datasets', {
      inputs: [[0], [1]],
      targets: [[0], [1]],
    });
    const bad = await http(service, 'POST', '/v1/jobs', {
      dataset: { id: rows.body.id, task: 'regression' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      expect.objectContaining({ path: 'dataset.task', message: expect.stringMatching(/tables/) }),
    ]);
  });
});

describe('a table of classes with blanks', () => {
  it('penguins: species by name, a confusion matrix over the names, held-out accuracy', async () => {
    const uploaded = await upload(penguinsCsv, 'label=Species');
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    const { queued, model, done } = await train({
      dataset: { id: uploaded.body.id },
      training: { seed: 1 },
    });
    const classes = ['Adelie', 'Chinstrap', 'Gentoo'];
    expect(queued.spec.network.layers.at(-1)).toEqual({ units: 3, activation: 'softmax' });
    expect(queued.spec.network.divergence).toBe('cross_entropy');
    expect(model.classes).toEqual(classes);
    expect(model.target).toEqual({ name: 'Species', task: 'classification', classes });
    const e = model.evaluation;
    expect(e.confusionMatrix.labels).toEqual(classes);
    // stratified: each species gives 20% of its rows (152, 68 and 124 → 30, 14 and 25)
    expect(e.perClass.map((c: { support: number }) => c.support)).toEqual([30, 14, 25]);
    expect(e.rows).toBe(69);
    expect(e.accuracy).toBeGreaterThan(0.9);
    expect(e.rocAuc).toBeGreaterThan(0.95);
    expect(done.metrics.test).toMatchObject({ rows: 69, accuracy: e.accuracy });
  });
});
