// The `backprop` commands that talk to a server (submit, --follow and its Ctrl-C, jobs, status,
// predict --model, datasets upload), run as the built command against the real service: the API,
// a worker process and Redis, with an API key. Checked against the API's own answers.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as arrow from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { type ApiClient, createApiClient } from '../../src/client.js';
import { type JobSpecRecord, modelFormat, type Progress } from '../../src/spec/index.js';
import { connectRedis, keysFor } from '../../src/store/index.js';
import { irisJob as irisJobOf, scratchFolder } from '../helpers/cli.js';
import { freePort, secondsLongJob, startService, type TestService } from '../helpers/service.js';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const irisCsv = fileURLToPath(new URL('../../datasets/iris.csv', import.meta.url));
const scratch = scratchFolder('backprop-cli-server');
const { write } = scratch;
const alice = newApiKey('alice');
const idLine = /^[0-9A-HJKMNP-TV-Z]{26}$/;

let service: TestService;
let api: ApiClient;
beforeAll(async () => {
  service = await startService({ workers: 1, env: { API_KEYS: alice.entry } });
  api = createApiClient(service.url, alice.key);
});
afterAll(async () => {
  await service?.stop();
  scratch.remove();
});

const irisJob = irisJobOf({ epochs: 20, seed: 7 });

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

// Asynchronously: the API under test runs in this process, so spawnSync would block it.
function start(args: string[], env: Record<string, string | undefined> = {}): Running {
  const merged: Record<string, string | undefined> = {
    ...process.env,
    BACKPROP_SERVER: service.url,
    BACKPROP_API_KEY: alice.key,
    ...env,
  };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const child = spawn(process.execPath, [main, ...args], { env: merged, stdio: 'pipe' });
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
  child.stdout!.on('data', (chunk: Buffer) => (running.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (running.stderr += chunk.toString()));
  return running;
}

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const r = start(args, env);
  r.child.stdin!.end();
  const status = await r.exited;
  return { status, stdout: r.stdout, stderr: r.stderr };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function getJob(id: string) {
  const { data } = await api.GET('/v1/jobs/{id}', { params: { path: { id } } });
  return data!;
}

describe('backprop submit, jobs, status', () => {
  let jobId: string;
  let modelId: string;

  it('submit prints the id of a job the server has, with the spec sent', async () => {
    const r = await run(['submit', write('iris.json', irisJob)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(idLine);
    const job = await getJob(id);
    const spec = job.spec as JobSpecRecord; // a training job's
    expect(spec.network).toEqual(irisJob.network);
    expect(spec.dataset).toEqual(irisJob.dataset);
    expect(spec.training).toMatchObject(irisJob.training);
    expect(job.seed).toBe(7);
  });

  it('submit --follow prints the job id, progress on stderr, and the model id; exit 0', async () => {
    const r = await run(['submit', write('iris.json', irisJob), '--follow']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    [jobId, modelId] = lines as [string, string];
    const job = await getJob(jobId);
    expect(job.status).toBe('succeeded');
    expect(job.modelId).toBe(modelId);
    expect(modelId).toMatch(idLine);
    // 20 epochs: one line each (about twenty lines in all), then the outcome
    const epochs = r.stderr.split('\n').filter((l) => l.startsWith('epoch '));
    expect(epochs.map((l) => l.split(' ')[1])).toEqual(
      Array.from({ length: 20 }, (_, i) => `${i + 1}/20`),
    );
    expect(epochs[19]).toContain(`error ${(job.progress as Progress).error.toFixed(6)}`);
    expect(r.stderr).toContain(`job ${jobId} running\n`);
    expect(r.stderr).toContain(
      `job ${jobId} succeeded: 20 epochs (max_epochs), error ${job.metrics!.error!.toFixed(6)}`,
    );
  });

  it('submit --idempotency-key twice gives the same job', async () => {
    const file = write('iris.json', irisJob);
    const first = await run(['submit', file, '--idempotency-key', 'cli-test-1']);
    const again = await run(['submit', file, '--idempotency-key', 'cli-test-1']);
    expect(first.status).toBe(0);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr).toContain('an earlier submission with this idempotency key');
  });

  it('jobs lists it in a table, and as JSON', async () => {
    const r = await run(['jobs', '--status', 'succeeded', '--limit', '5']);
    expect(r.status).toBe(0);
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['ID', 'STATUS', 'EPOCH', 'ERROR', 'CREATED']);
    const job = await getJob(jobId);
    const row = rows.find((l) => l.startsWith(jobId))!.split(/\s+/);
    expect(row).toEqual([
      jobId,
      'succeeded',
      '20/20',
      (job.progress as Progress).error.toFixed(6),
      job.createdAt,
    ]);
    const json = await run(['jobs', '--json']);
    const { data } = await api.GET('/v1/jobs', {});
    expect(JSON.parse(json.stdout)).toEqual(data);
  });

  it('status shows one job; --json is the API’s document', async () => {
    const r = await run(['status', jobId]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^job +${jobId}\nstatus +succeeded\n`));
    expect(r.stdout).toMatch(/^network +4-8-3 \(tanh, softmax\), cross_entropy$/m);
    expect(r.stdout).toMatch(new RegExp(`^model +${modelId}$`, 'm'));
    const json = await run(['status', jobId, '--json']);
    expect(JSON.parse(json.stdout)).toEqual(await getJob(jobId));
  });

  it('status --follow of a finished job replays it and prints its model id', async () => {
    const r = await run(['status', jobId, '--follow']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${modelId}\n`);
    expect(r.stderr).toContain('epoch 20/20');
  });

  it('status --follow of a finished job whose events expired: its outcome from the record', async () => {
    const redis = connectRedis(service.config.redisUrl);
    const events = keysFor(service.config.keyPrefix, 'alice').jobEvents(jobId);
    const saved = await redis.dumpBuffer(events);
    expect(await redis.del(events)).toBe(1);
    try {
      const r = await run(['status', jobId, '--follow']);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${modelId}\n`);
      expect(r.stderr).toContain(`job ${jobId} succeeded: 20 epochs`);
    } finally {
      await redis.restore(events, 0, saved!);
      await redis.quit();
    }
  });

  it('cancel of a finished job is a 409: exit 2 with its detail', async () => {
    const r = await run(['cancel', jobId]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`backprop: job ${jobId} has already succeeded\n`);
  });

  describe('predict --model', () => {
    const rows = [
      [5.1, 3.5, 1.4, 0.2],
      [6.7, 3.0, 5.2, 2.3],
      [5.9, 3.0, 4.2, 1.5],
    ];

    it('gives the outputs POST /v1/models/:id/predict gives, from CSV and JSON', async () => {
      const { data: direct } = await api.POST('/v1/models/{id}/predict', {
        params: { path: { id: modelId } },
        body: { inputs: rows },
      });
      const csv = write('in.csv', `a,b,c,d\n${rows.map((r) => r.join(',')).join('\n')}\n`);
      const fromCsv = await run(['predict', '--model', modelId, csv]);
      expect(fromCsv.stderr).toBe('');
      expect(fromCsv.status).toBe(0);
      expect(JSON.parse(fromCsv.stdout)).toEqual(direct);
      expect(direct!.classes).toHaveLength(3);
      const fromJson = await run([
        'predict',
        '--model',
        modelId,
        write('in.json', { inputs: rows }),
      ]);
      expect(JSON.parse(fromJson.stdout)).toEqual(direct);
    });

    it('gives the local predict’s outputs on the model document the server returns', async () => {
      const { data: doc } = await api.GET('/v1/models/{id}', { params: { path: { id: modelId } } });
      const modelFile = write('server.model.json', { format: modelFormat, ...doc });
      const inputs = write('in.json', rows);
      const local = await run(['predict', modelFile, inputs]);
      const remote = await run(['predict', '--model', modelId, inputs]);
      expect(local.status).toBe(0);
      const a = JSON.parse(local.stdout);
      const b = JSON.parse(remote.stdout);
      expect(b.classes).toEqual(a.classes);
      // the API process and the command may run other SIMD kernels: equal up to float32 rounding
      b.outputs.flat().forEach((y: number, i: number) => {
        expect(y).toBeCloseTo(a.outputs.flat()[i], 6);
      });
    });

    it('reads the model’s columns by name from a CSV with a label, as the local command does', async () => {
      const r = await run(['predict', '--model', modelId, irisCsv]);
      expect(r.status).toBe(0);
      const labels = readFileSync(irisCsv, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => Number(l.split(',')[4]));
      const { classes } = JSON.parse(r.stdout);
      expect(classes).toHaveLength(150);
      expect(classes.filter((c: number, i: number) => c === labels[i]).length).toBeGreaterThan(130);
    });

    it('a wrong width is exit 2 naming the width; an unknown model exit 2, 404 detail', async () => {
      const narrow = await run(['predict', '--model', modelId, write('narrow.json', [[1, 2, 3]])]);
      expect(narrow.status).toBe(2);
      // checked against the model's width before anything is sent, as the local command does
      expect(narrow.stderr).toMatch(
        /^backprop: .*narrow\.json has 3 feature columns but the model expects 4/,
      );
      const missing = await run(['predict', '--model', 'NOSUCHMODEL', write('in.json', rows)]);
      expect(missing.status).toBe(2);
      expect(missing.stderr).toBe('backprop: no model has id or name NOSUCHMODEL\n');
    });

    it('without --model or --server it is the local command, even with BACKPROP_SERVER set', async () => {
      const r = await run(['predict', write('only.json', rows)]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('give a model file and an inputs file');
    });
  });
});

describe('datasets', () => {
  it('datasets upload --targets prints the id of a dataset the server has; submit trains on it by id', async () => {
    const [header, ...lines] = readFileSync(irisCsv, 'utf8').trim().split('\n');
    // iris with its class as 3 one-hot target columns: a CSV of numbers
    const oneHot = lines.map((l) => {
      const cells = l.split(',');
      const k = Number(cells[4]);
      return [...cells.slice(0, 4), ...[0, 1, 2].map((c) => (c === k ? 1 : 0))].join(',');
    });
    const columns = `${header!.split(',').slice(0, 4).join(',')},c0,c1,c2`;
    const file = write('iris-one-hot.csv', `${columns}\n${oneHot.join('\n')}\n`);
    const up = await run(['datasets', 'upload', file, '--targets', 'c0,c1,c2']);
    expect(up.status).toBe(0);
    const id = up.stdout.trim();
    expect(id).toMatch(idLine);
    expect(up.stderr).toBe('150 rows, 4 features → 3 targets\n');
    const { data: meta } = await api.GET('/v1/datasets/{id}', { params: { path: { id } } });
    expect(meta).toMatchObject({ rows: 150, features: 4, outputs: 3, targetKind: 'distribution' });

    const job = { ...irisJob, dataset: { id } };
    const r = await run(['submit', write('by-id.json', job), '--follow']);
    expect(r.status).toBe(0);
    const [jobId, modelId] = r.stdout.trim().split('\n');
    const done = await getJob(jobId!);
    expect(done.spec.dataset).toEqual({ id });
    expect(done.modelId).toBe(modelId);
    expect(done.metrics!.trainRows).toBe(150);
  });

  it('datasets upload --label sends a table; submit trains on it, holding out a fifth for the evaluation', async () => {
    const up = await run(['datasets', 'upload', irisCsv, '--label', 'label']);
    expect(up.status, up.stderr).toBe(0);
    const id = up.stdout.trim();
    expect(id).toMatch(idLine);
    const { data: meta } = await api.GET('/v1/datasets/{id}', { params: { path: { id } } });
    expect(meta).toMatchObject({ format: 'table', rows: 150, features: 4, outputs: 3 });
    const r = await run([
      'submit',
      write('table.json', { ...irisJob, dataset: { id } }),
      '--follow',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const [jobId] = r.stdout.trim().split('\n');
    const done = await getJob(jobId!);
    // stratified: 10 of each class's 50 rows held out
    expect(done.metrics!.trainRows).toBe(120);
    expect(done.metrics!.test).toMatchObject({ rows: 30 });
    const status = await run(['status', jobId!]);
    expect(status.stdout).toMatch(/^evaluation\n {2}evaluation on 30 held-out rows/m);
  });

  it('datasets list shows the uploads newest first, their status and shape', async () => {
    expect((await run(['datasets', 'upload', irisCsv, '--label', 'label'])).status).toBe(0);
    const up = await run(['datasets', 'upload', irisCsv, '--label', 'label']);
    expect(up.status, up.stderr).toBe(0);
    const id = up.stdout.trim();
    const listed = await run(['datasets', 'list', '--limit', '1']);
    expect(listed.status, listed.stderr).toBe(0);
    const [header, row] = listed.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+SHAPE\s+CREATED$/);
    expect(row).toMatch(new RegExp(`^${id}\\s+ready\\s+150 rows, 4 features → 3 classes`));
    expect(listed.stderr).toMatch(/more: backprop datasets list --cursor \w+/);
    const json = await run(['datasets', 'list', '--json', '--status', 'ready']);
    expect(JSON.parse(json.stdout).datasets[0].id).toBe(id);
    const bad = await run(['datasets', 'list', '--limit', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('submit uploads a {csv: path} dataset first (relative to the job) and submits its id', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `${i / 10},${(3 * i) / 10 + 1}`);
    write('line.csv', `x,y\n${lines.join('\n')}\n`);
    const job = write('line.json', {
      network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: { csv: 'line.csv', targets: ['y'] },
      training: { epochs: 5, learningRate: 0.3, seed: 1 },
    });
    const r = await run(['submit', job]);
    expect(r.status).toBe(0);
    const uploaded = /^uploaded line\.csv as dataset (\S+): 20 rows, 1 feature → 1 target\n$/.exec(
      r.stderr,
    );
    expect(uploaded).not.toBeNull();
    const submitted = await getJob(r.stdout.trim());
    expect(submitted.spec.dataset).toEqual({ id: uploaded![1] });
  });

  it('a refused {csv} job leaves no dataset behind', async () => {
    write('line.csv', 'x,y\n1,2\n2,4\n');
    const job = write('wide-line.json', {
      network: { inputSize: 3, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: { csv: 'line.csv', targets: ['y'] },
    });
    const r = await run(['submit', job]);
    expect(r.status).toBe(2);
    const id = /as dataset (\S+):/.exec(r.stderr)![1]!;
    expect(r.stderr).toContain('backprop: network.inputSize: is 3 but the dataset has 1');
    const { response } = await api.GET('/v1/datasets/{id}', { params: { path: { id } } });
    expect(response.status).toBe(404);
  });

  it('datasets upload without --label stores a table to score; --label and --targets is exit 2', async () => {
    const r = await run(['datasets', 'upload', irisCsv]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(idLine);
    expect(r.stderr).toContain('no label: for scoring (backprop batch-predict), not training');
    const both = await run(['datasets', 'upload', irisCsv, '--label', 'species', '--targets', 'a']);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/^backprop: give one of --label COLUMN .* or --targets a,b/);
  });
});

describe('datasets upload of a table', () => {
  const cars = fileURLToPath(new URL('../fixtures/cars.csv', import.meta.url));
  const [carsHeader, ...carsLines] = readFileSync(cars, 'utf8').trim().split(/\r?\n/);
  const names = carsHeader!.split(',');
  // the cars as records: blanks as null, numbers as numbers (no quoted commas in this file)
  const records = carsLines.map((line) =>
    Object.fromEntries(
      line
        .split(',')
        .map((cell, c) => [
          names[c],
          cell === '' ? null : /^[\d.]+$/.test(cell) ? Number(cell) : cell,
        ]),
    ),
  );
  const getMeta = async (id: string) =>
    (await api.GET('/v1/datasets/{id}', { params: { path: { id } } })).data as any;

  it('prints the id, and on stderr the shape, label, dropped rows and a line per column', async () => {
    const r = await run(['datasets', 'upload', cars, '--label', 'Miles_per_Gallon']);
    expect(r.status).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(idLine);
    const meta = await getMeta(id);
    expect(meta).toMatchObject({ format: 'table', rows: 398, features: 14 });
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '398 rows, 14 features → 1 target',
      'label Miles_per_Gallon: regression (real-valued label in 398 rows: a regression target)',
      'dropped 8 rows: the label Miles_per_Gallon is missing (rows 11, 12, 13, 14, 15, 18, 40, 368)',
      'COLUMN            TYPE         MISSING  DISTINCT  STATS',
    ]);
    expect(lines).toHaveLength(4 + names.length);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))!.split(/\s{2,}/);
    const hp = meta.columns.find((c: any) => c.name === 'Horsepower');
    const four = (n: number) => String(Number(n.toPrecision(4)));
    expect(row('Horsepower')).toEqual([
      'Horsepower',
      'numeric',
      '6',
      String(hp.distinct),
      `min 46`,
      `max 230`,
      `mean ${four(hp.mean)}`,
      `std ${four(hp.std)}`,
    ]);
    expect(row('Origin')).toEqual([
      'Origin',
      'categorical',
      '0',
      '3',
      'USA 249, Japan 79, Europe 70',
    ]);
    expect(row('Year')).toEqual(['Year', 'datetime', '0', '12', '1970-01-01 … 1982-01-01']);
    expect(row('Name')[4]).toMatch(/^free text: \d+ distinct values in 398 rows$/);
  });

  it('sends .json and .ndjson (or .jsonl) as records: the same profile as the CSV', async () => {
    const profileOf = ({ id, createdAt, bytes, ...profile }: any) => profile;
    const fromCsv = profileOf(
      await getMeta((await run(['datasets', 'upload', cars, '--label', 'Origin'])).stdout.trim()),
    );
    const files = [
      write('cars.json', records),
      write('cars.ndjson', records.map((r) => JSON.stringify(r)).join('\n')),
      write('cars.jsonl', records.map((r) => JSON.stringify(r)).join('\n')),
    ];
    for (const file of files) {
      const r = await run(['datasets', 'upload', file, '--label', 'Origin']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr.split('\n')[0]).toBe(
        '406 rows, 11 features → 3 classes (Europe, Japan, USA)',
      );
      expect(profileOf(await getMeta(r.stdout.trim()))).toEqual(fromCsv);
    }
  });

  it('sends .parquet, .arrow and .arrows as typed files: the same profile as their CSV', async () => {
    const profileOf = ({ id, createdAt, bytes, ...profile }: any) => profile;
    const x = Array.from({ length: 30 }, (_, r) => (r % 7 === 3 ? null : r / 4));
    const kind = x.map((_, r) => ['a', 'b', 'c'][r % 3]!);
    const csv = write(
      'typed.csv',
      `x,kind\n${x.map((v, r) => `${v ?? ''},${kind[r]}`).join('\n')}\n`,
    );
    const table = new arrow.Table({
      x: arrow.vectorFromArray(x, new arrow.Float64()),
      kind: arrow.vectorFromArray(kind, new arrow.Utf8()),
    });
    const stream = arrow.tableToIPC(table, 'stream');
    const binary = (file: string, bytes: Uint8Array) => {
      const path = join(scratch.dir, file);
      writeFileSync(path, bytes);
      return path;
    };
    const fromCsv = profileOf(
      await getMeta((await run(['datasets', 'upload', csv, '--label', 'kind'])).stdout.trim()),
    );
    const files = [
      binary('typed.parquet', parquet.writeParquet(parquet.Table.fromIPCStream(stream))),
      binary('typed.arrow', arrow.tableToIPC(table, 'file')),
      binary('typed.arrows', stream),
    ];
    for (const file of files) {
      const r = await run(['datasets', 'upload', file, '--label', 'kind']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr.split('\n')[0]).toBe('30 rows, 1 feature → 3 classes (a, b, c)');
      expect(profileOf(await getMeta(r.stdout.trim()))).toEqual(fromCsv);
    }
  });

  it('sends a gzipped file (.csv.gz, .ndjson.gz) compressed: the same profile as the plain one', async () => {
    const profileOf = ({ id, createdAt, bytes, ...profile }: any) => profile;
    const fromCsv = profileOf(
      await getMeta((await run(['datasets', 'upload', cars, '--label', 'Origin'])).stdout.trim()),
    );
    const zipped = (file: string, text: string) => {
      const path = join(scratch.dir, file);
      writeFileSync(path, gzipSync(text));
      return path;
    };
    const ndjson = records.map((r) => JSON.stringify(r)).join('\n');
    for (const file of [
      zipped('cars.csv.gz', readFileSync(cars, 'utf8')),
      zipped('cars.ndjson.GZ', ndjson),
    ]) {
      const r = await run(['datasets', 'upload', file, '--label', 'Origin']);
      expect(r.status, r.stderr).toBe(0);
      expect(profileOf(await getMeta(r.stdout.trim()))).toEqual(fromCsv);
    }
    const unknown = await run(['datasets', 'upload', zipped('cars.txt.gz', 'a'), '--label', 'y']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('(and .gz after it when gzipped)');
  });

  it('passes --task and --missing', async () => {
    const r = await run([
      'datasets',
      'upload',
      cars,
      '--label',
      'Cylinders',
      '--task',
      'regression',
      '--missing',
      'NA,-',
    ]);
    expect(r.status).toBe(0);
    const meta = await getMeta(r.stdout.trim());
    expect(meta).toMatchObject({
      label: { task: 'regression' },
      missingTokens: ['NA', '-'],
      outputs: 1,
    });
    expect(r.stderr).toContain('label Cylinders: regression (task set to regression)');
  });

  it('is exit 2 for a refused upload (the server’s words), an unknown extension or a bad --task', async () => {
    const misspelt = await run(['datasets', 'upload', cars, '--label', 'mpg']);
    expect(misspelt.status).toBe(2);
    expect(misspelt.stderr).toBe(
      `backprop: query.label: no column named mpg; the columns are ${names.join(', ')}\n`,
    );
    const text = write('cars.txt', 'a,y\n1,2\n');
    const unknown = await run(['datasets', 'upload', text, '--label', 'y']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('cannot tell the format of');
    const task = await run(['datasets', 'upload', cars, '--label', 'Origin', '--task', 'ranking']);
    expect(task.status).not.toBe(0);
    expect(task.stderr).toContain('ranking');
    const json = write('one.json', [{ x: 1, y: 2 }]);
    const targets = await run(['datasets', 'upload', json, '--targets', 'y']);
    expect(targets.status).toBe(2);
    expect(targets.stderr).toContain('--targets reads a CSV of numbers');
  });
});

describe('errors', () => {
  it('a bad spec is exit 2 with the server’s detail, one line', async () => {
    const spec = { ...irisJob, network: { ...irisJob.network, inputSize: 5 } };
    const { error } = await api.POST('/v1/jobs', { body: spec as never });
    const r = await run(['submit', write('wide.json', spec)]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(error!.detail).toContain('network.inputSize: is 5 but the dataset has 4');
    expect(r.stderr).toBe(`backprop: ${error!.detail}\n`);
  });

  it('several fields at fault: the detail, then each on a line of its own', async () => {
    const spec = { ...irisJob, training: { epochs: 0, learningRate: -1 } };
    const r = await run(['submit', write('two.json', spec)]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')).toEqual([
      'backprop: training.epochs: must be at least 1; training.learningRate: must be greater than 0',
      '  training.epochs: must be at least 1',
      '  training.learningRate: must be greater than 0',
      '',
    ]);
  });

  it('a wrong API key is exit 2 with the 401 detail; no key likewise', async () => {
    const wrong = await run(['jobs'], { BACKPROP_API_KEY: newApiKey('alice').key });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/^backprop: the API key is not valid: .*BACKPROP_API_KEY\)\n$/);
    const none = await run(['jobs'], { BACKPROP_API_KEY: undefined });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^backprop: send your API key as Authorization: Bearer <key>/);
  });

  it('an unreachable server is exit 1 naming it', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await run(['submit', write('iris.json', irisJob)], { BACKPROP_SERVER: undefined });
    expect(r.status).toBe(2); // no server at all
    expect(r.stderr).toMatch(/pass --server URL or set BACKPROP_SERVER/);
    const down = await run(['jobs', '--server', url]);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(
      new RegExp(`^backprop: cannot reach the server at ${url}: .*ECONNREFUSED`),
    );
  });
});

describe('Ctrl-C while following', () => {
  // Starts `submit --follow` of a job that trains for seconds; interrupts at its first epoch.
  async function interrupt(seed: number, answer: string) {
    const r = start(['submit', write(`long-${seed}.json`, secondsLongJob(seed)), '--follow']);
    await until(() => /^epoch 1\/40 /m.test(r.stderr), 'the first epoch line');
    const jobId = r.stdout.trim();
    r.child.kill('SIGINT');
    await until(
      () => r.stderr.includes(`Cancel job ${jobId} on the server? [y/N] `),
      'the question',
    );
    r.child.stdin!.end(answer);
    return { jobId, status: await r.exited, stderr: r.stderr, stdout: r.stdout };
  }

  it('"y" cancels the job on the server; exit 130', async () => {
    const r = await interrupt(31, 'y\n');
    expect(r.status).toBe(130);
    expect(r.stdout).toBe(`${r.jobId}\n`);
    await until(async () => (await getJob(r.jobId)).status === 'cancelled', 'cancelled');
    expect(r.stderr).toMatch(new RegExp(`job ${r.jobId} (cancelled|still running)`));
  });

  it('"n" stops following and leaves the job running to success; exit 130', async () => {
    const r = await interrupt(32, 'n\n');
    expect(r.status).toBe(130);
    expect(r.stderr).toContain(`follow it again with: backprop status ${r.jobId} --follow`);
    expect((await getJob(r.jobId)).status).not.toBe('cancelled');
    await until(async () => (await getJob(r.jobId)).status === 'succeeded', 'succeeded');
  });
});
