// The product end to end, as another service would use it, through the typed client generated
// from the API's OpenAPI document (src/client.ts): upload a CSV, submit a job, follow its events
// with a standard EventSource client, then predict on held-out rows. With an API key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { type ApiClient, createApiClient, type paths } from '../../src/client.js';
import type { JobSpecRecord } from '../../src/spec/index.js';
import { follow } from '../helpers/events.js';
import { irisCsv } from '../helpers/iris.js';
import { startService, type TestService } from '../helpers/service.js';

type JobSpec = paths['/v1/jobs']['post']['requestBody']['content']['application/json'];

const key = newApiKey('acme');
let service: TestService;
let api: ApiClient;
beforeAll(async () => {
  service = await startService({ workers: 1, env: { API_KEYS: key.entry } });
  api = createApiClient(service.url, key.key);
});
afterAll(() => service?.stop());

describe('end to end', () => {
  it('uploads a CSV, trains with one epoch event per epoch, and predicts held-out iris at ≥ 0.9', async () => {
    const train = irisCsv('train');
    const upload = await api.POST('/v1/datasets', {
      params: { query: { label: 'label' } },
      // the document types the body by content type: JSON rows or CSV text, sent as it is
      body: train.csv,
      bodySerializer: (body) => (typeof body === 'string' ? body : JSON.stringify(body)),
      headers: { 'content-type': 'text/csv' },
    });
    expect(upload.response.status).toBe(201);
    const dataset = upload.data!;
    expect(dataset).toMatchObject({
      rows: 112,
      features: 4,
      outputs: 3,
      classes: [0, 1, 2],
      targetKind: 'distribution',
    });

    const epochs = 60;
    const submitted = await api.POST('/v1/jobs', {
      body: {
        network: {
          inputSize: 4,
          layers: [
            { units: 16, activation: 'relu' },
            { units: 3, activation: 'softmax' },
          ],
          divergence: 'cross_entropy',
        },
        dataset: { id: dataset.id },
        // trained on every uploaded row (no held-out rows: the test file is held out)
        training: {
          epochs,
          batchSize: 16,
          optimizer: 'adam',
          learningRate: 0.01,
          seed: 1,
          testSplit: 0,
        },
      },
    });
    expect(submitted.response.status).toBe(202);
    const queued = submitted.data!;
    expect(queued.status).toBe('queued');
    expect((queued.spec as JobSpecRecord).training).toMatchObject({
      epochs,
      seed: 1,
      tolerance: 1e-7,
      validationSplit: 0,
    });

    const events = await follow(service, queued.id, { apiKey: key.key });
    const epochEvents = events.filter((e) => e.type === 'epoch');
    expect(epochEvents.map((e) => e.data.epoch)).toEqual(
      Array.from({ length: epochs }, (_, i) => i + 1),
    );
    for (const e of epochEvents) {
      expect(e.data.error).toBeGreaterThan(0);
      expect(e.data.accuracy).toBeGreaterThanOrEqual(0);
      expect(e.data.samplesPerSecond).toBeGreaterThan(0);
    }
    expect(epochEvents[epochs - 1]!.data.error).toBeLessThan(epochEvents[0]!.data.error);
    // ids are the stream's, strictly increasing
    const ids = events.map((e) => e.id.split('-').map(Number) as [number, number]);
    for (let i = 1; i < ids.length; i++) {
      const [a, b] = [ids[i - 1]!, ids[i]!];
      expect(b[0] > a[0] || (b[0] === a[0] && b[1] > a[1])).toBe(true);
    }
    expect(events.filter((e) => e.type === 'status').map((e) => e.data.status)).toEqual([
      'queued',
      'running',
      'succeeded',
    ]);
    const done = events[events.length - 1]!;
    expect(done.type).toBe('done');

    const job = await api.GET('/v1/jobs/{id}', { params: { path: { id: queued.id } } });
    expect(job.data).toMatchObject({
      status: 'succeeded',
      modelId: done.data.modelId,
      progress: { epoch: epochs, epochs },
    });
    // the worker process turns relaxed SIMD on (Node 20), or has it (Node 22+)
    expect(job.data!.metrics).toMatchObject({ epochs, kernel: 'wasm-relaxed-simd' });

    const test = irisCsv('test');
    const modelId = done.data.modelId as string;
    const predicted = await api.POST('/v1/models/{id}/predict', {
      params: { path: { id: modelId } },
      body: { inputs: test.rows },
    });
    expect(predicted.response.status).toBe(200);
    expect(predicted.data!.outputs).toHaveLength(38);
    const correct = predicted.data!.classes!.filter((c, i) => c === test.labels[i]).length;
    expect(correct / 38).toBeGreaterThanOrEqual(0.9);

    const model = await api.GET('/v1/models/{id}', { params: { path: { id: modelId } } });
    expect(model.data!.weights![0]!.W).toHaveLength(16); // [D_1][D_0]
    expect(model.data!.weights![0]!.W[0]).toHaveLength(4);
    expect(model.data!.jobId).toBe(queued.id);

    // errors come back as the document says: problem+json naming the field
    const bad = await api.POST('/v1/models/{id}/predict', {
      params: { path: { id: modelId } },
      body: { inputs: [[1, 2, 3]] },
    });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ status: 400, errors: [{ path: 'inputs.0' }] });
    const unauthenticated = await createApiClient(service.url).GET('/v1/jobs');
    expect(unauthenticated.response.status).toBe(401);
  });

  it('trains a job on two threads in the worker: the same weights for the same seed, twice', async () => {
    const job: JobSpec = {
      network: {
        inputSize: 64,
        layers: [
          { units: 32, activation: 'tanh' },
          { units: 10, activation: 'softmax' },
        ],
        divergence: 'cross_entropy',
      },
      dataset: { builtin: 'digits', subset: 'train' },
      training: { epochs: 8, batchSize: 64, learningRate: 0.1, seed: 3, threads: 2 },
    };
    const models = [];
    for (let i = 0; i < 2; i++) {
      const submitted = await api.POST('/v1/jobs', { body: job });
      expect(submitted.response.status).toBe(202);
      expect((submitted.data!.spec as JobSpecRecord).training.threads).toBe(2);
      const events = await follow(service, submitted.data!.id, { apiKey: key.key });
      expect(events.filter((e) => e.type === 'epoch')).toHaveLength(8);
      const done = events[events.length - 1]!;
      expect(done.type).toBe('done');
      const model = await api.GET('/v1/models/{id}', {
        params: { path: { id: done.data.modelId as string } },
      });
      expect(model.data!.metrics).toMatchObject({
        threads: 2,
        kernel: 'wasm-relaxed-simd',
        epochs: 8,
      });
      expect(model.data!.metrics.accuracy).toBeGreaterThan(0.8);
      models.push(model.data!);
    }
    expect(models[1]!.weights).toEqual(models[0]!.weights);
  });
});
