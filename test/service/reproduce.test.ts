// Reproduction (issue 15) through the service: POST /v1/models/:ref/reproduce retrains a model from
// its receipt alone, and the job's `done` event and record say whether the new weights hash as the
// original's. Equal for a built-in (iris) and an uploaded table with categories and blanks (cars),
// and after the worker training the reproduction was SIGKILLed (another resumes it from its
// checkpoint); not equal, with the reason, when the data under the receipt changed. A model with
// no receipt, or whose dataset or start model is gone, is a 409 naming it; unknown and other
// tenants' references are 404s. Real API, real Redis, real worker processes, the typed client.

import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { type ApiClient, createApiClient } from '../../src/client.js';
import { fromLabels } from '../../src/data/index.js';
import { engineVersion } from '../../src/data/receipt.js';
import type { JobSpecRecord, Progress } from '../../src/spec/index.js';
import { connectRedis } from '../../src/store/index.js';
import { follow } from '../helpers/events.js';
import { irisCsv } from '../helpers/iris.js';
import {
  http,
  irisNetwork,
  secondsLongJob,
  startService,
  storeTrainedModel,
  type TestService,
  xorNetwork,
  xorRows,
} from '../helpers/service.js';

const alice = newApiKey('alice');
const bob = newApiKey('bob');
const as = (key: string) => ({ authorization: `Bearer ${key}` });

let service: TestService;
let worker: ChildProcess;
let api: ApiClient;
beforeAll(async () => {
  service = await startService({
    env: {
      API_KEYS: [alice.entry, bob.entry].join(','),
      WORKER_LOCK_MS: '1000',
      WORKER_CONCURRENCY: '1',
      CHECKPOINT_INTERVAL_MS: '200',
    },
  });
  worker = await service.startWorker();
  api = createApiClient(service.url, alice.key);
}, 60_000);
afterAll(() => service?.stop());

const carsCsv = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');

async function train(job: unknown) {
  const submitted = await http(service, 'POST', '/v1/jobs', job, as(alice.key));
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  return finish(submitted.body.id);
}

// Follows a job to its end; its done event and model.
async function finish(jobId: string) {
  const events = await follow(service, jobId, { apiKey: alice.key });
  const done = events[events.length - 1]!;
  expect(done.type, JSON.stringify(done.data)).toBe('done');
  const model = await http(service, 'GET', `/v1/models/${done.data.modelId}`, undefined, {
    ...as(alice.key),
  });
  return { jobId, events, done: done.data, id: done.data.modelId as string, model: model.body };
}

async function reproduce(ref: string) {
  const { data, error, response } = await api.POST('/v1/models/{id}/reproduce', {
    params: { path: { id: ref } },
  });
  expect(response.status, JSON.stringify(error)).toBe(202);
  expect(response.headers.get('location')).toBe(`/v1/jobs/${data!.id}`);
  return data!;
}

async function uploadTable(csv: string) {
  const uploaded = await http(service, 'POST', '/v1/datasets?label=Miles_per_Gallon', csv, {
    'content-type': 'text/csv',
    ...as(alice.key),
  });
  expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
  return uploaded.body.id as string;
}

const irisJob = {
  network: irisNetwork,
  dataset: { builtin: 'iris' },
  training: { epochs: 40, learningRate: 0.3, testSplit: 0.2, seed: 5 },
  model: { name: 'flowers' },
};

describe('POST /v1/models/:ref/reproduce', () => {
  it('iris, by NAME@VERSION: the same weights, said in the done event and the job', async () => {
    const original = await train(irisJob);
    const receipt = original.model.receipt;
    expect(receipt.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    const queued = await reproduce('flowers@1');
    expect(queued.status).toBe('queued');
    const spec = queued.spec as JobSpecRecord; // a training job's
    expect(spec.reproduces).toEqual({
      model: original.id,
      weightsSha256: receipt.weightsSha256,
      datasetSha256: receipt.datasetSha256,
      engineVersion: receipt.engineVersion,
      kernel: original.model.metrics.kernel,
    });
    expect(spec.model).toBeUndefined(); // not a version of flowers
    expect(spec.training).toEqual(receipt.spec.training);
    const again = await finish(queued.id);
    const reproduction = {
      model: original.id,
      expected: receipt.weightsSha256,
      actual: receipt.weightsSha256,
      equal: true,
      datasetSha256Equal: true,
      engineVersionEqual: true,
      reasons: [],
    };
    expect(again.done.reproduction).toEqual(reproduction);
    expect(again.done.model).toBeUndefined();
    const { data: job } = await api.GET('/v1/jobs/{id}', { params: { path: { id: queued.id } } });
    expect(job!.reproduction).toEqual(reproduction);
    // the new model: the same weights, no name, its lineage says whose receipt it retrained
    expect(again.model.weights).toEqual(original.model.weights);
    expect(again.model.receipt.weightsSha256).toBe(receipt.weightsSha256);
    expect(again.model.name).toBeUndefined();
    expect(again.model.lineage.reproduces).toBe(original.id);
    const named = await http(service, 'GET', '/v1/models?name=flowers', undefined, as(alice.key));
    expect(named.body.models.map((m: { id: string }) => m.id)).toEqual([original.id]);
  }, 60_000);

  it('an uploaded table with categories and blanks (cars): the same weights', async () => {
    const dataset = await uploadTable(carsCsv);
    const original = await train({ dataset: { id: dataset }, training: { epochs: 30, seed: 2 } });
    expect(original.model.preprocessing.columns.map((c: { type: string }) => c.type)).toContain(
      'categorical',
    );
    // with an Idempotency-Key: a retry is the same job (200), not a second reproduction
    const key = { params: { path: { id: original.id } }, headers: { 'idempotency-key': 'r-1' } };
    const first = await api.POST('/v1/models/{id}/reproduce', key);
    const retry = await api.POST('/v1/models/{id}/reproduce', key);
    expect([first.response.status, retry.response.status]).toEqual([202, 200]);
    expect(retry.data!.id).toBe(first.data!.id);
    const again = await finish(first.data!.id);
    expect(again.done.reproduction).toMatchObject({
      equal: true,
      expected: original.model.receipt.weightsSha256,
      actual: original.model.receipt.weightsSha256,
      datasetSha256Equal: true,
    });
    expect(again.model.preprocessing).toEqual(original.model.preprocessing);
  }, 60_000);

  it('the same weights after the worker training the reproduction was SIGKILLed', async () => {
    const original = await train(secondsLongJob(31, { validationSplit: 0.2, patience: 1000 }));
    const { id } = await reproduce(original.id);
    for (;;) {
      const { data: job } = await api.GET('/v1/jobs/{id}', { params: { path: { id } } });
      expect(job!.status).not.toBe('succeeded'); // killed before the end, or the test says nothing
      if ((job!.progress as Progress).epoch >= 12) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const redis = connectRedis(service.config.redisUrl);
    const checkpoint = `${service.config.keyPrefix}:tenant:alice:job:${id}:checkpoint`;
    expect(await redis.exists(checkpoint)).toBe(1);
    await redis.quit();
    await new Promise((r) => worker.once('exit', r).kill('SIGKILL'));
    worker = await service.startWorker();
    const again = await finish(id);
    const resumed = again.events.filter((e) => e.type === 'resumed');
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.data.epoch).toBeGreaterThan(0); // from its checkpoint, not from scratch
    expect(again.done.reproduction).toMatchObject({
      equal: true,
      expected: original.model.receipt.weightsSha256,
      actual: original.model.receipt.weightsSha256,
    });
    process.stdout.write(
      `reproduction resumed at epoch ${resumed[0]!.data.epoch} of 40 after SIGKILL: equal hash\n`,
    );
  }, 180_000);

  it('changed data under the receipt: not equal, and the data and engine named as reasons', async () => {
    const dataset = await uploadTable(carsCsv);
    // the same table with two cars' mileage changed, under another id
    const lines = carsCsv.split('\n');
    lines[1] = lines[1]!.replace(',18,', ',19,');
    lines[2] = lines[2]!.replace(',15,', ',14,');
    const changed = await uploadTable(lines.join('\n'));
    const original = await train({ dataset: { id: dataset }, training: { epochs: 10, seed: 4 } });
    // the receipt now names the changed table, and an older engine: as if both had changed since
    const redis = connectRedis(service.config.redisUrl);
    const key = `${service.config.keyPrefix}:tenant:alice:model:${original.id}`;
    const doc = JSON.parse((await redis.get(key))!);
    doc.receipt.spec.dataset.id = changed;
    doc.receipt.engineVersion = '0.0.9';
    await redis.set(key, JSON.stringify(doc));
    await redis.quit();
    const again = await finish((await reproduce(original.id)).id);
    const r = again.done.reproduction;
    expect(r.equal).toBe(false);
    expect(r.expected).toBe(original.model.receipt.weightsSha256);
    expect(r.actual).toBe(again.model.receipt.weightsSha256);
    expect(r.actual).not.toBe(r.expected);
    expect(r.datasetSha256Equal).toBe(false);
    expect(r.engineVersionEqual).toBe(false);
    expect(r.reasons).toEqual([
      `the data differs: it hashes to ${again.model.receipt.datasetSha256} now, ${original.model.receipt.datasetSha256} in the receipt`,
      `the engine differs: version ${engineVersion} now, 0.0.9 in the receipt`,
    ]);
    const { data: job } = await api.GET('/v1/jobs/{id}', { params: { path: { id: again.jobId } } });
    expect(job!.status).toBe('succeeded');
    expect(job!.reproduction).toEqual(r);
  }, 60_000);
});

describe('what cannot be reproduced', () => {
  const refuse = async (ref: string, key = alice.key) => {
    const res = await http(service, 'POST', `/v1/models/${ref}/reproduce`, undefined, as(key));
    const jobs = await http(service, 'GET', '/v1/jobs?status=queued', undefined, as(key));
    expect(jobs.body.jobs).toEqual([]); // nothing queued
    return res;
  };

  it("unknown references and another tenant's model are 404s", async () => {
    expect((await refuse('no-such-model')).status).toBe(404);
    expect((await refuse('flowers@7')).body.detail).toBe('flowers has no version 7');
    const flowers = await http(service, 'GET', '/v1/models/flowers@1', undefined, as(alice.key));
    expect(flowers.status).toBe(200);
    const res = await refuse(flowers.body.id, bob.key);
    expect(res.status).toBe(404);
    expect((await refuse('flowers', bob.key)).status).toBe(404);
  });

  it('a model without a receipt is a 409 saying so', async () => {
    const train = irisCsv('train');
    const data = fromLabels(train.rows, train.labels);
    const network = {
      inputSize: 4,
      layers: [{ units: 3, activation: 'softmax' as const }],
      divergence: 'cross_entropy' as const,
    };
    const old = await storeTrainedModel(service, network, data, { epochs: 2, seed: 1 }, 'alice');
    const res = await refuse(old.id);
    expect(res.status).toBe(409);
    expect(res.body.detail).toBe(
      `the model ${old.id} has no receipt to retrain from: it was trained before models carried receipts. Only a model trained since (or a file downloaded from one) can be reproduced`,
    );
  });

  it('a model whose dataset was deleted is a 409 naming the dataset', async () => {
    // inline rows are the job's own dataset, deleted when the job finishes
    const inline = await train({
      network: xorNetwork,
      dataset: xorRows,
      training: { epochs: 5, seed: 1 },
    });
    const gone = inline.model.receipt.spec.dataset.id as string;
    const res = await refuse(inline.id);
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain(`the dataset ${gone} that the model ${inline.id}`);
    // and an uploaded one deleted by its owner
    const dataset = await uploadTable(carsCsv);
    const cars = await train({ dataset: { id: dataset }, training: { epochs: 2, seed: 1 } });
    const deleted = await http(service, 'DELETE', `/v1/datasets/${dataset}`, undefined, {
      ...as(alice.key),
    });
    expect(deleted.status).toBe(204);
    const res2 = await refuse(cars.id);
    expect(res2.status).toBe(409);
    expect(res2.body.detail).toContain(`the dataset ${dataset} that the model ${cars.id}`);
  }, 60_000);

  it('a warm-started model reproduces; once its start model is deleted, a 409 naming it', async () => {
    const start = await train({ ...irisJob, model: undefined, training: { epochs: 5, seed: 1 } });
    const warm = await train({
      ...irisJob,
      model: undefined,
      training: { epochs: 5, seed: 2, initFrom: { model: start.id } },
    });
    expect(warm.model.receipt.spec.training.initFrom).toEqual({ model: start.id });
    // while its start model is there, it reproduces: from the same weights, to the same weights
    const again = await finish((await reproduce(warm.id)).id);
    expect(again.done.reproduction.equal).toBe(true);
    expect(again.model.receipt.spec.training.initFrom).toEqual({ model: start.id });
    const deleted = await http(service, 'DELETE', `/v1/models/${start.id}`, undefined, {
      ...as(alice.key),
    });
    expect(deleted.status).toBe(204);
    const res = await refuse(warm.id);
    expect(res.status).toBe(409);
    expect(res.body.detail).toBe(
      `the model ${start.id} that the model ${warm.id} was warm-started from (training.initFrom) has been deleted: it cannot be retrained from its receipt`,
    );
  }, 60_000);
});
