// The product end to end, as another service would use it: upload a CSV, submit a job, follow
// its events with a standard EventSource client, then predict on held-out rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow } from '../helpers/events.js';
import { irisCsv } from '../helpers/iris.js';
import { http, startService, type TestService } from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startService({ workers: 1 });
});
afterAll(() => service?.stop());

describe('end to end', () => {
  it('uploads a CSV, trains with one epoch event per epoch, and predicts held-out iris at ≥ 0.9', async () => {
    const train = irisCsv('train');
    const upload = await fetch(`${service.url}/v1/datasets?label=label`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: train.csv,
    });
    expect(upload.status).toBe(201);
    const dataset = (await upload.json()) as { id: string };
    expect(dataset).toMatchObject({
      rows: 112,
      features: 4,
      outputs: 3,
      classes: [0, 1, 2],
      targetKind: 'distribution',
    });

    const epochs = 60;
    const submitted = await http(service, 'POST', '/v1/jobs', {
      network: {
        inputSize: 4,
        layers: [
          { units: 16, activation: 'relu' },
          { units: 3, activation: 'softmax' },
        ],
        divergence: 'cross_entropy',
      },
      dataset: { id: dataset.id },
      training: { epochs, batchSize: 16, optimizer: 'adam', learningRate: 0.01, seed: 1 },
    });
    expect(submitted.status).toBe(202);
    expect(submitted.body.status).toBe('queued');
    expect(submitted.body.spec.training).toMatchObject({
      epochs,
      seed: 1,
      tolerance: 1e-7,
      validationSplit: 0,
    });

    const events = await follow(service, submitted.body.id);
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

    const job = await http(service, 'GET', `/v1/jobs/${submitted.body.id}`);
    expect(job.body).toMatchObject({
      status: 'succeeded',
      modelId: done.data.modelId,
      progress: { epoch: epochs, epochs },
    });
    // the worker process turns relaxed SIMD on (Node 20), or has it (Node 22+)
    expect(job.body.metrics).toMatchObject({ epochs, kernel: 'wasm-relaxed-simd' });

    const test = irisCsv('test');
    const predicted = await http(service, 'POST', `/v1/models/${done.data.modelId}/predict`, {
      inputs: test.rows,
    });
    expect(predicted.status).toBe(200);
    expect(predicted.body.outputs).toHaveLength(38);
    const correct = predicted.body.classes.filter(
      (c: number, i: number) => c === test.labels[i],
    ).length;
    expect(correct / 38).toBeGreaterThanOrEqual(0.9);

    const model = await http(service, 'GET', `/v1/models/${done.data.modelId}`);
    expect(model.body.weights[0].W).toHaveLength(16); // [D_1][D_0]
    expect(model.body.weights[0].W[0]).toHaveLength(4);
    expect(model.body.jobId).toBe(submitted.body.id);
  });

  it('trains a job on two threads in the worker: the same weights for the same seed, twice', async () => {
    const job = {
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
      const submitted = await http(service, 'POST', '/v1/jobs', job);
      expect(submitted.status).toBe(202);
      expect(submitted.body.spec.training.threads).toBe(2);
      const events = await follow(service, submitted.body.id);
      expect(events.filter((e) => e.type === 'epoch')).toHaveLength(8);
      const done = events[events.length - 1]!;
      expect(done.type).toBe('done');
      const model = await http(service, 'GET', `/v1/models/${done.data.modelId}`);
      expect(model.body.metrics).toMatchObject({
        threads: 2,
        kernel: 'wasm-relaxed-simd',
        epochs: 8,
      });
      expect(model.body.metrics.accuracy).toBeGreaterThan(0.8);
      models.push(model.body);
    }
    expect(models[1].weights).toEqual(models[0].weights);
  });
});
