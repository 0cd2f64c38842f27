// Batch predictions (issue 15) through the real service: a stored dataset scored by a model as a
// job (a real worker process), its CSV read back from GET /v1/jobs/:id/output and checked row by
// row against POST /v1/models/:id/predict on the same rows; a table uploaded without a label; a
// regression table; a numeric matrix model; a row that cannot be scored; refusals naming the field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createApiClient } from '../../src/client.js';
import { defaultTenant } from '../../src/config.js';
import { connectRedis, keysFor } from '../../src/store/index.js';
import { runCliAsync, scratchFolder } from '../helpers/cli.js';
import { follow } from '../helpers/events.js';
import { irisCsv } from '../helpers/iris.js';
import { http, startService, type TestService } from '../helpers/service.js';

let service: TestService;
let api: ApiClient;
beforeAll(async () => {
  // the API runs in this process, where Node 20 has no relaxed SIMD, and the worker turns it on
  // (as it does by default): both predict with the plain SIMD kernels (engine/predict.ts), so
  // the batch's answers equal predict's bit for bit
  service = await startService({ workers: 1 });
  api = createApiClient(service.url);
});
afterAll(() => service?.stop());

const carsCsv = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');
const penguinsCsv = readFileSync(new URL('../../bench/data/penguins.csv', import.meta.url), 'utf8');

type Row = Record<string, string>;
const rowsOf = (csv: string): Row[] => parse(csv, { columns: true, skip_empty_lines: true });
const headerOf = (csv: string): string[] => parse(csv, { to_line: 1 })[0];

async function upload(csv: string, query = '') {
  const r = await http(service, 'POST', `/v1/datasets${query}`, csv, {
    'content-type': 'text/csv',
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
}

async function trainOn(datasetId: string, epochs = 40) {
  const submitted = await http(service, 'POST', '/v1/jobs', {
    dataset: { id: datasetId },
    training: { seed: 3, epochs },
  });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  const events = await follow(service, submitted.body.id);
  const done = events[events.length - 1]!;
  expect(done.type, JSON.stringify(done.data)).toBe('done');
  return done.data.modelId as string;
}

/** Submits a batch through the typed client and follows it to its end. */
async function batch(ref: string, datasetId: string) {
  const submitted = await api.POST('/v1/models/{id}/batch-predictions', {
    params: { path: { id: ref } },
    body: { dataset: { id: datasetId } },
  });
  expect(submitted.response.status, JSON.stringify(submitted.error)).toBe(202);
  const job = submitted.data!;
  const events = await follow(service, job.id);
  return { job, events, last: events[events.length - 1]! };
}

const cli = (args: string[]) => runCliAsync(args, { BACKPROP_SERVER: service.url });

async function outputOf(jobId: string) {
  const r = await fetch(`${service.url}/v1/jobs/${jobId}/output`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  return r.text();
}

// The CSV's cells as predict's records: blank is missing (null).
const recordOf = (row: Row, columns: readonly string[]) =>
  Object.fromEntries(columns.map((c) => [c, row[c] === '' ? null : row[c]]));

async function predictRecords(modelId: string, records: object[]) {
  const r = await http(service, 'POST', `/v1/models/${modelId}/predict`, { records });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { outputs: number[][]; classes?: string[] };
}

describe('a classifier on a table with categories and blanks (penguins)', () => {
  let datasetId: string;
  let modelId: string;
  const classes = ['Adelie', 'Chinstrap', 'Gentoo'];

  beforeAll(async () => {
    datasetId = await upload(penguinsCsv, '?label=Species');
    modelId = await trainOn(datasetId);
  });

  it('scores every row as predict does: the input columns, the class, every probability', async () => {
    const { job, events, last } = await batch(modelId, datasetId);
    expect(job).toMatchObject({
      kind: 'batch-predictions',
      status: 'queued',
      spec: {
        kind: 'batch-predictions',
        model: { id: modelId, ref: modelId },
        dataset: { id: datasetId },
      },
    });
    expect(job.seed).toBeUndefined();
    const stored = (await http(service, 'GET', `/v1/datasets/${datasetId}`)).body.rows as number;
    expect(last.type).toBe('done');
    expect(last.data).toMatchObject({ rows: stored, output: `/v1/jobs/${job.id}/output` });
    const progress = events.filter((e) => e.type === 'progress').map((e) => e.data);
    expect(progress.at(-1)).toMatchObject({ rows: stored, of: stored });
    const view = (await http(service, 'GET', `/v1/jobs/${job.id}`)).body;
    expect(view).toMatchObject({
      status: 'succeeded',
      progress: { rows: stored, of: stored },
      output: `/v1/jobs/${job.id}/output`,
    });

    const csv = await outputOf(job.id);
    const input = headerOf(penguinsCsv);
    expect(headerOf(csv)).toEqual([
      ...input,
      'prediction',
      ...classes.map((c) => `probability_${c}`),
      'error',
    ]);
    const rows = rowsOf(csv);
    expect(rows).toHaveLength(stored);
    // the label is carried through, blanks stay blank
    const inputRows = rowsOf(penguinsCsv).filter((r) => r.Species !== '');
    expect(rows.map((r) => recordOf(r, input))).toEqual(inputRows.map((r) => recordOf(r, input)));
    expect(rows.some((r) => r.Sex === '')).toBe(true);
    const answer = await predictRecords(
      modelId,
      rows.map((r) => recordOf(r, input)),
    );
    rows.forEach((row, i) => {
      expect(row.error).toBe('');
      expect(row.prediction).toBe(answer.classes![i]);
      expect(classes.map((c) => Number(row[`probability_${c}`]))).toEqual(answer.outputs[i]);
    });
    // a model that learnt: most rows get their own species
    const right = rows.filter((r) => r.prediction === r.Species).length;
    expect(right / rows.length).toBeGreaterThan(0.9);
  });

  it('a table uploaded without a label is scored (and refused for training, naming dataset.id)', async () => {
    const lines = penguinsCsv.trim().split('\n');
    const noSpecies = lines.map((l) => l.split(',').slice(1).join(',')).join('\n');
    const unlabelled = await upload(noSpecies);
    const meta = (await http(service, 'GET', `/v1/datasets/${unlabelled}`)).body;
    expect(meta).toMatchObject({ format: 'table', rows: lines.length - 1, droppedRows: [] });
    expect(meta.label).toBeUndefined();
    const refused = await http(service, 'POST', '/v1/jobs', { dataset: { id: unlabelled } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].path).toBe('dataset.id');
    expect(refused.body.errors[0].message).toContain('?label=');

    const { last, job } = await batch(modelId, unlabelled);
    expect(last.data.rows).toBe(lines.length - 1);
    const csv = await outputOf(job.id);
    const input = headerOf(noSpecies);
    expect(headerOf(csv).slice(0, input.length + 1)).toEqual([...input, 'prediction']);
    const rows = rowsOf(csv);
    const answer = await predictRecords(
      modelId,
      rows.map((r) => recordOf(r, input)),
    );
    expect(rows.map((r) => r.prediction)).toEqual(answer.classes);
  });

  it('backprop batch-predict REF DATASET writes the same CSV as the route; exit 2 naming a bad field', async () => {
    const scratch = scratchFolder('batch-cli');
    try {
      const out = join(scratch.dir, 'scored.csv');
      const r = await cli(['batch-predict', modelId, datasetId, '-o', out]);
      expect(r.status, r.stderr).toBe(0);
      const [jobId, path] = r.stdout.trim().split('\n');
      expect(path).toBe(out);
      expect(r.stderr).toContain('rows scored');
      expect(readFileSync(out, 'utf8')).toBe(await outputOf(jobId!));
      const refused = await cli(['batch-predict', modelId, 'nosuchdataset', '-o', out]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain('dataset.id');
    } finally {
      scratch.remove();
    }
  });

  it("counts its output in the tenant's storage, and goes with the job when it is deleted", async () => {
    const { job } = await batch(modelId, datasetId);
    const bytes = Buffer.byteLength(await outputOf(job.id));
    const redis = connectRedis(service.config);
    const keys = keysFor(service.config.keyPrefix, defaultTenant);
    try {
      const usage = `${keys.own}:usage`;
      expect(Number(await redis.hget(usage, `output:${job.id}`))).toBe(bytes);
      const total = Number(await redis.hget(usage, 'total'));
      expect((await http(service, 'DELETE', `/v1/jobs/${job.id}`)).status).toBe(204);
      expect(await redis.hget(usage, `output:${job.id}`)).toBeNull();
      expect(Number(await redis.hget(usage, 'total'))).toBe(total - bytes);
      expect(await redis.exists(`${keys.job(job.id)}:output`)).toBe(0);
      expect((await http(service, 'GET', `/v1/jobs/${job.id}/output`)).status).toBe(404);
    } finally {
      await redis.quit();
    }
  });

  it('by name and alias: the reference is resolved at submit and the id pinned', async () => {
    const named = await http(service, 'POST', '/v1/jobs', {
      dataset: { id: datasetId },
      training: { seed: 3, epochs: 5 },
      model: { name: 'penguins-batch' },
    });
    expect((await follow(service, named.body.id)).at(-1)!.type).toBe('done');
    const version = (await http(service, 'GET', '/v1/models/penguins-batch@1')).body.id;
    const { job, last } = await batch('penguins-batch@1', datasetId);
    expect(job.spec).toMatchObject({ model: { id: version, ref: 'penguins-batch@1' } });
    expect(last.type).toBe('done');
  });

  it('refusals: an unknown model is a 404, an unknown or unfit dataset a 400 at dataset.id', async () => {
    const noModel = await http(service, 'POST', '/v1/models/nosuchmodel/batch-predictions', {
      dataset: { id: datasetId },
    });
    expect(noModel.status).toBe(404);
    expect(noModel.body.detail).toContain('nosuchmodel');
    const noDataset = await http(service, 'POST', `/v1/models/${modelId}/batch-predictions`, {
      dataset: { id: 'nosuchdataset' },
    });
    expect(noDataset.status).toBe(400);
    expect(noDataset.body.errors).toEqual([
      expect.objectContaining({
        path: 'dataset.id',
        message: expect.stringContaining('nosuchdataset'),
      }),
    ]);
    const noDatasetField = await http(
      service,
      'POST',
      `/v1/models/${modelId}/batch-predictions`,
      {},
    );
    expect(noDatasetField.status).toBe(400);
    expect(noDatasetField.body.errors[0].path).toBe('dataset');
    const cars = await upload(carsCsv, '?label=Miles_per_Gallon');
    const unfit = await http(service, 'POST', `/v1/models/${modelId}/batch-predictions`, {
      dataset: { id: cars },
    });
    expect(unfit.status).toBe(400);
    expect(unfit.body.errors[0]).toMatchObject({ path: 'dataset.id' });
    expect(unfit.body.errors[0].message).toContain('Island');
    // a training job has no output
    const jobs = (await http(service, 'GET', '/v1/jobs?limit=100')).body.jobs;
    const trainingJob = jobs.find((j: { kind: string }) => j.kind === 'training');
    const none = await http(service, 'GET', `/v1/jobs/${trainingJob.id}/output`);
    expect(none.status).toBe(404);
  });
});

describe('a regression table (cars), with a row that cannot be scored', () => {
  it('gives the value in the label units, and an error for the bad row only', async () => {
    const carsId = await upload(carsCsv, '?label=Miles_per_Gallon');
    const modelId = await trainOn(carsId, 30);
    // the same rows without the label, one of them holding a word for its horsepower
    const rows = rowsOf(carsCsv).slice(0, 50);
    const input = headerOf(carsCsv).filter((c) => c !== 'Miles_per_Gallon');
    const bad = 7;
    const csvRows = rows.map((r, i) =>
      input.map((c) => (c === 'Horsepower' && i === bad ? 'lots' : r[c])).join(','),
    );
    expect(csvRows.every((l) => !l.includes('"'))).toBe(true);
    const scoringId = await upload([input.join(','), ...csvRows].join('\n'));
    const { job, last } = await batch(modelId, scoringId);
    expect(last.data.rows).toBe(50);
    const out = rowsOf(await outputOf(job.id));
    expect(Object.keys(out[0]!)).toEqual([...input, 'prediction', 'error']);
    expect(out[bad]!.prediction).toBe('');
    expect(out[bad]!.error).toMatch(/^Horsepower: must be a number \(got "lots"\)/);
    const good = out.filter((_, i) => i !== bad);
    const answer = await predictRecords(
      modelId,
      good.map((r) => recordOf(r, input)),
    );
    good.forEach((row, i) => {
      expect(row.error).toBe('');
      expect(Number(row.prediction)).toBe(answer.outputs[i]![0]);
    });
    // miles per gallon, not standardised values
    const values = good.map((r) => Number(r.prediction));
    expect(Math.min(...values)).toBeGreaterThan(5);
    expect(Math.max(...values)).toBeLessThan(60);
  });
});

describe('a numeric matrix model on numeric rows (iris)', () => {
  it('scores features x0… with the label carried, as predict with inputs', async () => {
    const { rows: inputs, labels: indices } = irisCsv('train');
    const names = ['setosa', 'versicolor', 'virginica'];
    const labels = indices.map((l) => names[l]!);
    const uploaded = await http(service, 'POST', '/v1/datasets', { inputs, labels });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    const submitted = await http(service, 'POST', '/v1/jobs', {
      network: {
        inputSize: 4,
        layers: [
          { units: 8, activation: 'tanh' },
          { units: 3, activation: 'softmax' },
        ],
        divergence: 'cross_entropy',
      },
      dataset: { id: uploaded.body.id },
      training: { seed: 1, epochs: 50, standardize: true },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const modelId = (await follow(service, submitted.body.id)).at(-1)!.data.modelId;
    const { job, last } = await batch(modelId, uploaded.body.id);
    expect(last.data.rows).toBe(inputs.length);
    const csv = await outputOf(job.id);
    const classes = names;
    expect(headerOf(csv)).toEqual([
      'x0',
      'x1',
      'x2',
      'x3',
      'label',
      'prediction',
      ...classes.map((c) => `probability_${c}`),
      'error',
    ]);
    const out = rowsOf(csv);
    // the features as uploaded (float32 written shortest), the label as named
    expect(out.map((r) => [r.x0, r.x1, r.x2, r.x3].map(Number))).toEqual(inputs);
    expect(out.map((r) => r.label)).toEqual(labels);
    const answer = (await http(service, 'POST', `/v1/models/${modelId}/predict`, { inputs })).body;
    out.forEach((row, i) => {
      expect(row.prediction).toBe(answer.classes[i]);
      expect(classes.map((c) => Number(row[`probability_${c}`]))).toEqual(answer.outputs[i]);
    });
  });
});
