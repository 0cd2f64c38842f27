// Cross-validation through the service (issue 17): a job with training.crossValidation on a real
// worker queues its folds as BullMQ flow children, waits for them, and trains its own model on all
// its training rows; the folds are jobs of their own in GET /v1/jobs. Bad folds are a 400 at
// training.crossValidation.folds, and cancelling the job cancels its folds.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldSplit } from '../../src/data/folds.js';
import { loadBuiltin, withTargets } from '../../src/data/index.js';
import { holdOut } from '../../src/data/job-data.js';
import { resolveTraining } from '../../src/spec/index.js';
import {
  http,
  secondsLongJob,
  startService,
  type TestService,
  waitForJob,
} from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startService({ workers: 1 });
});
afterAll(() => service?.stop());

const finished = (job: { status: string }) =>
  ['succeeded', 'failed', 'cancelled'].includes(job.status);
const folds = 5;
const seed = 4;
const split = { testSplit: 0.2, validationSplit: 0.1, seed };

const irisJob = {
  network: {
    inputSize: 4,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    divergence: 'cross_entropy',
  },
  dataset: { builtin: 'iris', subset: 'train' },
  training: { epochs: 20, batchSize: 16, optimizer: 'adam', ...split, crossValidation: { folds } },
};
const sineJob = {
  network: {
    inputSize: 1,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 1, activation: 'identity' },
    ],
    divergence: 'l2',
  },
  dataset: { generator: 'sine', samples: 60 },
  training: { epochs: 20, batchSize: 8, optimizer: 'adam', ...split, crossValidation: { folds } },
};

async function submit(job: unknown): Promise<string> {
  const submitted = await http(service, 'POST', '/v1/jobs', job);
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  const folds = (job as { training: { crossValidation: { folds: number } } }).training
    .crossValidation.folds;
  expect(submitted.body.foldJobIds).toHaveLength(folds);
  return submitted.body.id;
}

/** The fold jobs of `parentId` in GET /v1/jobs, fold 0 first. */
async function foldsOf(parentId: string) {
  const { body } = await http(service, 'GET', '/v1/jobs?limit=100');
  return (body.jobs as any[])
    .filter((j) => j.parentJobId === parentId)
    .sort((a, b) => a.fold.index - b.fold.index);
}

/** The parent's model's crossValidation, checked against what its fold jobs recorded. */
async function expectSummaryOfFolds(parent: any, children: any[], names: string[]) {
  const model = await http(service, 'GET', `/v1/models/${parent.modelId}`);
  expect(model.status).toBe(200);
  const cv = model.body.metrics.crossValidation;
  expect(parent.metrics.crossValidation).toEqual(cv);
  expect(cv.folds).toBe(folds);
  expect(cv.jobIds).toEqual(children.map((c) => c.id));
  expect(Object.keys(cv.metrics).sort()).toEqual([...names].sort());
  for (const name of names) {
    const values = children.map((c) => c.metrics[name] as number);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    expect(cv.metrics[name].values).toEqual(values);
    expect(cv.metrics[name].mean).toBeCloseTo(mean, 12);
    expect(cv.metrics[name].std).toBeCloseTo(std, 12);
  }
  return model.body;
}

// The validation sets of the folds (foldSplit, what the worker gives each fold's engine): no row
// in two, every training row in one, and each as large as its fold job says it validated on.
function expectFoldsPartition(labels: Int32Array | null, rows: number, children: any[]) {
  const sets = children.map(
    (_, index) => foldSplit(labels, rows, { index, folds }, seed).validation,
  );
  const seen = new Set<number>();
  sets.forEach((set, i) => {
    for (const row of set) {
      expect(seen.has(row)).toBe(false);
      seen.add(row);
    }
    expect(children[i].metrics).toMatchObject({
      validationRows: set.length,
      trainRows: rows - set.length,
    });
  });
  expect([...seen].sort((a, b) => a - b)).toEqual([...Array(rows).keys()]);
}

describe('cross-validation', () => {
  it('trains 5 folds of iris and of a regression as child jobs, then the model on all the training rows', async () => {
    const [irisId, sineId] = [await submit(irisJob), await submit(sineJob)];
    const iris = await waitForJob(service, irisId, finished, 180_000);
    const sine = await waitForJob(service, sineId, finished, 180_000);
    expect(iris.status, JSON.stringify(iris.error)).toBe('succeeded');
    expect(sine.status, JSON.stringify(sine.error)).toBe('succeeded');

    const irisFolds = await foldsOf(irisId);
    expect(irisFolds.map((f) => f.fold)).toEqual(
      Array.from({ length: folds }, (_, index) => ({ index, folds })),
    );
    // the job lists its folds from the start: their ids are derived from its own
    expect(iris.foldJobIds).toEqual(irisFolds.map((f) => f.id));
    for (const fold of irisFolds) {
      expect(fold).toMatchObject({ status: 'succeeded', parentJobId: irisId });
      expect(fold.modelId).toBeUndefined(); // a fold keeps its metrics, not its model
    }
    const irisNames = ['error', 'validationError', 'accuracy', 'validationAccuracy'];
    const irisModel = await expectSummaryOfFolds(iris, irisFolds, irisNames);
    // iris's 112 training rows: 22 held out for the test, 9 of the other 90 for validation
    expect(irisModel.metrics).toMatchObject({ trainRows: 112 - 22 - 9, validationRows: 9 });
    const resolved = resolveTraining(irisJob.training as never);
    const irisRows = holdOut(withTargets(loadBuiltin('iris', 'train')), resolved).train;
    expect(irisRows.rows).toBe(90);
    expectFoldsPartition(irisRows.labels ?? null, irisRows.rows, irisFolds);

    const sineFolds = await foldsOf(sineId);
    expect(sineFolds).toHaveLength(folds);
    const sineNames = ['error', 'validationError'];
    const sineModel = await expectSummaryOfFolds(sine, sineFolds, sineNames);
    // 60 rows: 12 held out for the test, 5 of the other 48 for validation
    expect(sineModel.metrics).toMatchObject({ trainRows: 60 - 12 - 5, validationRows: 5 });
    expectFoldsPartition(null, 48, sineFolds);
  }, 240_000);

  it('cross-validates a stored table, fitting each fold on its own training rows', async () => {
    const cars = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');
    const query = 'label=Miles_per_Gallon';
    const uploaded = await http(service, 'POST', `/v1/datasets?${query}`, cars, {
      'content-type': 'text/csv',
    });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    const id = await submit({
      dataset: { id: uploaded.body.id },
      training: { epochs: 10, seed, crossValidation: { folds: 3 } },
    });
    const job = await waitForJob(service, id, finished, 180_000);
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const children = await foldsOf(id);
    expect(children.map((c) => c.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // the folds' validation rows are the job's training rows, dealt once
    const trainingRows = job.metrics.trainRows + job.metrics.validationRows;
    const validated = children.reduce((n, c) => n + c.metrics.validationRows, 0);
    expect(validated).toBe(trainingRows);
    for (const c of children)
      expect(c.metrics.trainRows + c.metrics.validationRows).toBe(trainingRows);
    const model = await http(service, 'GET', `/v1/models/${job.modelId}`);
    expect(model.body.metrics.crossValidation.metrics.validationError.values).toEqual(
      children.map((c) => c.metrics.validationError),
    );
  }, 240_000);

  it('refuses folds that are not a whole number from 2 to 20, or more than the training rows', async () => {
    const refusal = async (job: unknown) => {
      const response = await http(service, 'POST', '/v1/jobs', job);
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual([
        'training.crossValidation.folds',
      ]);
      return response.body.errors[0].message as string;
    };
    const withFolds = (job: typeof irisJob | typeof sineJob, folds: unknown) => ({
      ...job,
      training: { ...job.training, crossValidation: { folds } },
    });
    expect(await refusal(withFolds(irisJob, 1))).toMatch(/at least 2/);
    expect(await refusal(withFolds(irisJob, 21))).toMatch(/at most 20/);
    expect(await refusal(withFolds(irisJob, 2.5))).toMatch(/whole number/);
    expect(await refusal({ ...irisJob, training: { crossValidation: {} } })).toMatch(
      /whole number/,
    );
    // 10 sine rows, 2 held out for the test: 8 to deal
    const few = { ...sineJob, dataset: { generator: 'sine', samples: 10 } };
    expect(await refusal(withFolds(few, 9))).toMatch(
      /9 folds cannot be made.*from 2 to 8.*2 of the 10 rows are held out for the test \(training.testSplit\)/,
    );
    // inline rows: four xor rows
    const xor = {
      network: sineJob.network,
      dataset: { inputs: [[0], [1], [2], [3]], targets: [[0], [1], [1], [0]] },
      training: { crossValidation: { folds: 5 } },
    };
    expect(await refusal({ ...xor, network: { ...xor.network, inputSize: 1 } })).toMatch(/2 to 4/);
    // a stored table of 12 rows: 0.2 held out for the test by default, 10 to deal
    const csv = ['x,y', ...Array.from({ length: 12 }, (_, i) => `${i},${i % 3}`)].join('\n');
    const table = await http(service, 'POST', '/v1/datasets?label=y&task=regression', csv, {
      'content-type': 'text/csv',
    });
    expect(table.status, JSON.stringify(table.body)).toBe(201);
    const tableJob = {
      dataset: { id: table.body.id },
      training: { crossValidation: { folds: 11 } },
    };
    expect(await refusal(tableJob)).toMatch(/from 2 to 10/);
  });

  it('cancels its folds when it is cancelled', async () => {
    const id = await submit(secondsLongJob(seed, { crossValidation: { folds: 3 }, epochs: 400 }));
    const deadline = Date.now() + 60_000;
    let children: any[] = [];
    while (Date.now() < deadline) {
      children = await foldsOf(id);
      if (children.some((c) => c.status === 'running')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(children.some((c) => c.status === 'running')).toBe(true);
    const cancelled = await http(service, 'POST', `/v1/jobs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    const job = await waitForJob(service, id, finished, 60_000);
    expect(job.status).toBe('cancelled');
    const after = await foldsOf(id);
    expect(after.map((c) => c.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  }, 120_000);
});

describe('cross-validation under MAX_TENANT_RUNNING_JOBS=1', () => {
  let capped: TestService;
  beforeAll(async () => {
    capped = await startService({ workers: 1, env: { MAX_TENANT_RUNNING_JOBS: '1' } });
  });
  afterAll(() => capped?.stop());

  it('runs the folds under their job’s place: the job, running, does not wait for itself', async () => {
    const job = { ...irisJob, training: { ...irisJob.training, crossValidation: { folds: 3 } } };
    const submitted = await http(capped, 'POST', '/v1/jobs', job);
    expect(submitted.status).toBe(202);
    const done = await waitForJob(capped, submitted.body.id, finished, 120_000);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.metrics.crossValidation.jobIds).toHaveLength(3);
  }, 150_000);
});
