// Cross-validation (issue 17) run in this process, with no BullMQ Worker: a cross-validated job's
// tries (src/jobs/run.ts) against real Redis record its folds once however often they run, each
// fold trains on the rows the pure foldSplit gives it, and the job's own model carries the
// folds' mean and spread. The BullMQ glue (flow children, waiting) is test/service's.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { foldSplit } from '../../src/data/folds.js';
import { loadBuiltin, withTargets } from '../../src/data/index.js';
import { holdOut } from '../../src/data/job-data.js';
import { train } from '../../src/engine/index.js';
import { refuseDeletingFold, summarizeFolds } from '../../src/jobs/cross-validation.js';
import type { RunOptions } from '../../src/jobs/kind.js';
import { createLifecycle } from '../../src/jobs/lifecycle.js';
import { runJob } from '../../src/jobs/run.js';
import {
  foldJobId,
  type JobPayload,
  type JobRecord,
  type JobSpecRecord,
  jobView,
  type ModelMetrics,
  resolveTraining,
} from '../../src/spec/index.js';
import { createStores } from '../../src/store/index.js';
import { scratchRedis } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();
const notify = async () => {};
const options: RunOptions = {
  config: loadConfig({}),
  checkpointMs: 60_000,
  maxJobSeconds: 0,
  maxDatasetCells: 1_000_000,
  maxRunningJobs: 0,
  webhookEpochIntervalMs: 0,
  historyPoints: 100,
  notify,
};

const irisNetwork = {
  inputSize: 4,
  layers: [
    { units: 8, activation: 'tanh' as const },
    { units: 3, activation: 'softmax' as const },
  ],
  divergence: 'cross_entropy' as const,
};
const folds = 5;
const training = (crossValidation = true) =>
  resolveTraining({
    epochs: 15,
    batchSize: 16,
    optimizer: 'adam',
    seed: 3,
    testSplit: 0.2,
    validationSplit: 0.1,
    ...(crossValidation ? { crossValidation: { folds } } : {}),
  });

let n = 0;
// Each test its own tenant, so its counts are its own.
async function queued(crossValidation = true) {
  const tenant = `cv${++n}`;
  const stores = createStores(redis, prefix, tenant);
  const spec: JobSpecRecord = {
    network: irisNetwork,
    dataset: { builtin: 'iris', subset: 'train' },
    training: training(crossValidation),
  };
  const job: JobPayload = { jobId: `cvjob${n}`, tenant, spec };
  const record: JobRecord = { id: job.jobId, status: 'queued', spec, createdAt: 'at' };
  await createLifecycle(stores, notify).create(record, tenant, 0, async () => {});
  return { job, stores };
}

// The rows a job on iris's training subset trains on (the test rows held out), as the worker has them.
const trainingRows = () => holdOut(withTargets(loadBuiltin('iris', 'train')), training()).train;

describe('a cross-validated job, run in process', () => {
  it('records its folds once however often it runs, and trains its model on all its rows once they are done', async () => {
    const { job, stores } = await queued();
    const first = await runJob(stores, job, options);
    const ids = Array.from({ length: folds }, (_, i) => foldJobId(job.jobId, i));
    expect(first.status).toBe('waiting_children');
    expect(first.children?.map((c) => c.jobId)).toEqual(ids);
    expect(jobView((await stores.jobs.get(job.jobId))!).foldJobIds).toEqual(ids);
    // a try that runs again (its worker died after queueing them) makes none twice
    const again = await runJob(stores, job, options);
    expect(again.children?.map((c) => c.jobId)).toEqual(ids);
    expect(await stores.jobs.count('queued')).toBe(folds);
    expect((await stores.jobs.list({ limit: 100 })).jobs).toHaveLength(folds + 1);

    for (const child of first.children!) {
      const record = await stores.jobs.get(child.jobId);
      expect(record).toMatchObject({
        status: 'queued',
        parentJobId: job.jobId,
        fold: { index: child.fold!.index, folds },
      });
      expect(child.spec).not.toHaveProperty('training.crossValidation');
      expect(jobView(record!)).toMatchObject({ parentJobId: job.jobId, fold: child.fold });
      expect(jobView(record!).foldJobIds).toBeUndefined();
      expect(await runJob(stores, child, options)).toEqual({ status: 'succeeded' });
    }
    const records = (await Promise.all(ids.map((id) => stores.jobs.get(id)))) as JobRecord[];
    expect(records.every((r) => r.status === 'succeeded' && r.modelId === undefined)).toBe(true);

    // each fold validated on its fold of the training rows (foldSplit), and trained on the rest
    const rows = trainingRows();
    const splits = ids.map((_, index) =>
      foldSplit(rows.labels ?? null, rows.rows, { index, folds }, 3),
    );
    records.forEach((r, i) => {
      expect(r.metrics).toMatchObject({
        validationRows: splits[i]!.validation.length,
        trainRows: rows.rows - splits[i]!.validation.length,
      });
    });
    // …exactly those rows: fold 2 trained here on them gives the worker's numbers, bit for bit
    const local = train(irisNetwork, rows, training(false), {
      validationRows: splits[2]!.validation,
    });
    expect(records[2]!.metrics).toMatchObject({
      error: local.final!.error,
      validationError: local.final!.validationError,
      validationAccuracy: local.final!.validationAccuracy,
    });

    // a fold the job has still to read may not be deleted
    await expect(refuseDeletingFold(stores, ids[0]!)).rejects.toThrow(
      new RegExp(`is fold 0 of job ${job.jobId}, which is running`),
    );

    const done = await runJob(stores, job, options);
    await expect(refuseDeletingFold(stores, ids[0]!)).resolves.toBeUndefined();
    expect(done).toEqual({ status: 'succeeded', modelId: expect.any(String) });
    const model = (await stores.models.get(done.modelId!))!;
    const cv = model.metrics.crossValidation!;
    expect(cv.folds).toBe(folds);
    expect(cv.jobIds).toEqual(ids);
    expect(Object.keys(cv.metrics).sort()).toEqual(
      ['accuracy', 'error', 'validationAccuracy', 'validationError'].sort(),
    );
    for (const [name, summary] of Object.entries(cv.metrics)) {
      const values = records.map((r) => r.metrics![name as keyof ModelMetrics] as number);
      const mean = values.reduce((a, b) => a + b, 0) / folds;
      const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / folds);
      expect(summary.values).toEqual(values);
      expect(summary.mean).toBeCloseTo(mean, 12);
      expect(summary.std).toBeCloseTo(std, 12);
    }
    expect((await stores.jobs.get(job.jobId))?.metrics?.crossValidation).toEqual(cv);

    // its model is the one the job trains without crossValidation: the same rows, the same weights
    const plain = await queued(false);
    const alone = await runJob(plain.stores, plain.job, options);
    const plainModel = (await plain.stores.models.get(alone.modelId!))!;
    expect(model.metrics.trainRows).toBe(plainModel.metrics.trainRows);
    expect(model.metrics.validationRows).toBe(plainModel.metrics.validationRows);
    // 112 rows: 22 held out for the test, 9 of the other 90 for validation
    expect(model.metrics.trainRows).toBe(112 - 22 - 9);
    expect(model.receipt?.weightsSha256).toBe(plainModel.receipt?.weightsSha256);
  });

  it('fails with a fold that failed, naming it, and is cancelled with a fold cancelled', async () => {
    const failing = await queued();
    const { children } = await runJob(failing.stores, failing.job, options);
    const lifecycle = createLifecycle(failing.stores, notify);
    const error = { code: 'diverged' as const, message: 'the error became NaN at epoch 3' };
    await lifecycle.fail(children![3]!, ['queued'], error);
    for (const child of children!) await runJob(failing.stores, child, options);
    expect(await runJob(failing.stores, failing.job, options)).toEqual({ status: 'failed' });
    const failed = await failing.stores.jobs.get(failing.job.jobId);
    expect(failed?.error).toEqual({
      code: 'diverged',
      message: `fold 3 of 5 (job ${children![3]!.jobId}) failed: the error became NaN at epoch 3`,
    });

    const cancelling = await queued();
    const second = await runJob(cancelling.stores, cancelling.job, options);
    const lifecycle2 = createLifecycle(cancelling.stores, notify);
    await lifecycle2.cancelQueued(second.children![0]!.jobId, cancelling.job.tenant);
    for (const child of second.children!) await runJob(cancelling.stores, child, options);
    expect(await runJob(cancelling.stores, cancelling.job, options)).toEqual({
      status: 'cancelled',
    });
  });
});

describe('the folds summarised', () => {
  it('gives each metric every fold reports its values, mean and population standard deviation', () => {
    const metrics = [1, 2, 3, 4].map(
      (e) => ({ error: e, accuracy: e / 10, validationError: e * 2 }) as ModelMetrics,
    );
    metrics[2]!.validationError = undefined;
    const summary = summarizeFolds(['a', 'b', 'c', 'd'], metrics);
    expect(summary.folds).toBe(4);
    expect(summary.jobIds).toEqual(['a', 'b', 'c', 'd']);
    expect(summary.metrics.error).toEqual({
      mean: 2.5,
      std: Math.sqrt(1.25),
      values: [1, 2, 3, 4],
    });
    expect(summary.metrics.accuracy!.std).toBeCloseTo(Math.sqrt(0.0125), 15);
    // a metric one fold lacks is not summarised
    expect(Object.keys(summary.metrics).sort()).toEqual(['accuracy', 'error']);
  });
});
