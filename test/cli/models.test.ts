// `backprop models list | show | alias | unalias | delete | download` and `predict --model REF`
// against the real service (API, a worker process, Redis, an API key): what they print is
// checked against the API's own answers, and bad input is exit 2 with one line.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { type ApiClient, createApiClient, type paths } from '../../src/client.js';
import { decodeModelFile } from '../../src/spec/index.js';
import { runCliAsync, scratchFolder } from '../helpers/cli.js';
import { follow } from '../helpers/events.js';
import { irisCsv } from '../helpers/iris.js';
import { startService, type TestService, xorNetwork, xorRows } from '../helpers/service.js';

type JobSpec = paths['/v1/jobs']['post']['requestBody']['content']['application/json'];

const scratch = scratchFolder('backprop-cli-models');
const alice = newApiKey('alice');

let service: TestService;
let api: ApiClient;
beforeAll(async () => {
  service = await startService({ workers: 1, env: { API_KEYS: alice.entry } });
  api = createApiClient(service.url, alice.key);
}, 60_000);
afterAll(async () => {
  await service?.stop();
  scratch.remove();
});

const run = (args: string[]) =>
  runCliAsync(args, { BACKPROP_SERVER: service.url, BACKPROP_API_KEY: alice.key }, scratch.dir);

async function train(job: JobSpec) {
  const { data, response } = await api.POST('/v1/jobs', { body: job });
  expect(response.status).toBe(202);
  const events = await follow(service, data!.id, { apiKey: alice.key });
  const done = events[events.length - 1]!;
  expect(done.type, JSON.stringify(done.data)).toBe('done');
  return { jobId: data!.id, modelId: done.data.modelId as string };
}

async function apiModel(ref: string) {
  return api.GET('/v1/models/{id}', { params: { path: { id: ref } } });
}

const xorJob = (seed: number): JobSpec => ({
  network: { ...xorNetwork, layers: [...xorNetwork.layers] },
  dataset: xorRows,
  training: { epochs: 20, learningRate: 0.5, seed },
  model: { name: 'xor', tags: { team: 'bio' } },
});

// The table's rows, each split on runs of two or more spaces (cells hold single spaces).
const table = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/ {2,}/));

let xor1: { jobId: string; modelId: string };
let xor2: { jobId: string; modelId: string };
let iris: { jobId: string; modelId: string };
let datasetId: string;
beforeAll(async () => {
  xor1 = await train(xorJob(1));
  xor2 = await train(xorJob(2));
  const upload = await api.POST('/v1/datasets', {
    params: { query: { label: 'label' } },
    body: irisCsv('train').csv,
    bodySerializer: (body) => (typeof body === 'string' ? body : JSON.stringify(body)),
    headers: { 'content-type': 'text/csv' },
  });
  datasetId = upload.data!.id;
  iris = await train({
    dataset: { id: datasetId },
    training: { epochs: 5, seed: 3 },
    model: { name: 'iris', description: 'iris species' },
  });
}, 120_000);

describe('backprop models list', () => {
  it('a table, newest first: name@version, id, created, headline metric, aliases', async () => {
    const r = await run(['models', 'list']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const [header, ...rows] = table(r.stdout);
    expect(header).toEqual(['MODEL', 'ID', 'CREATED', 'METRIC', 'ALIASES']);
    const { data } = await api.GET('/v1/models', { params: { query: {} } });
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.slice(0, 3))).toEqual(
      data!.models.map((m) => [`${m.name}@${m.version}`, m.id, m.createdAt]),
    );
    expect(rows.map((row) => row[0])).toEqual(['iris@1', 'xor@2', 'xor@1']);
    const irisTest = data!.models[0]!.metrics.test!;
    expect(rows[0]![3]).toBe(`held-out accuracy ${(100 * irisTest.accuracy!).toFixed(1)}%`);
    // xor keeps no rows back: its training accuracy
    expect(rows[1]![3]).toBe(`accuracy ${(100 * data!.models[1]!.metrics.accuracy!).toFixed(1)}%`);
    expect(rows.map((row) => row[4])).toEqual(['-', '-', '-']);
  });

  it('passes --name, --tag, --dataset, --job and --limit; says how to get the next page', async () => {
    const models = async (...args: string[]) => {
      const r = await run(['models', 'list', ...args]);
      expect(r.status, r.stderr).toBe(0);
      return table(r.stdout)
        .slice(1)
        .map((row) => row[0]);
    };
    expect(await models('--name', 'xor')).toEqual(['xor@2', 'xor@1']);
    expect(await models('--tag', 'team:bio')).toEqual(['xor@2', 'xor@1']);
    expect(await models('--tag', 'team')).toEqual(['xor@2', 'xor@1']);
    expect(await models('--tag', 'team:chem')).toEqual([]);
    expect(await models('--dataset', datasetId)).toEqual(['iris@1']);
    expect(await models('--job', xor1.jobId)).toEqual(['xor@1']);
    const first = await run(['models', 'list', '--name', 'xor', '--limit', '1']);
    expect(table(first.stdout).slice(1)).toHaveLength(1);
    expect(first.stderr).toBe(`more: backprop models list --cursor ${xor2.modelId}\n`);
    expect(await models('--name', 'xor', '--limit', '1', '--cursor', xor2.modelId)).toEqual([
      'xor@1',
    ]);
    const none = await run(['models', 'list', '--name', 'nothing']);
    expect(table(none.stdout)).toHaveLength(1);
    expect(none.stderr).toBe('no models\n');
  });

  it('--json prints the API answer', async () => {
    const r = await run(['models', 'list', '--json']);
    const { data } = await api.GET('/v1/models', { params: { query: {} } });
    expect(JSON.parse(r.stdout)).toEqual(data);
  });

  it('bad filters are exit 2 with one line, before any request', async () => {
    for (const [args, words] of [
      [['--limit', '0'], '--limit 0 must be a whole number from 1 to 100'],
      [['--limit', 'ten'], '--limit ten must be a whole number from 1 to 100'],
      [['--name', 'no name'], '--name no name must be 1–64 letters'],
      [['--tag', 'a b:c'], '--tag a b:c must be KEY:VALUE or KEY'],
    ] as const) {
      const r = await run(['models', 'list', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')).toEqual([expect.stringContaining(words), '']);
      expect(r.stderr.startsWith('backprop: ')).toBe(true);
    }
  });
});

describe('backprop models alias, unalias, show', () => {
  it('alias points a name at a version: the id on stdout, the API agrees; the list shows it', async () => {
    const r = await run(['models', 'alias', 'xor', 'production', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${xor1.modelId}\n`);
    expect(r.stderr).toBe('xor@production is version 1\n');
    expect((await apiModel('xor@production')).data!.id).toBe(xor1.modelId);
    const moved = await run(['models', 'alias', 'xor', 'production', '2']);
    expect(moved.stdout).toBe(`${xor2.modelId}\n`);
    expect((await apiModel('xor@production')).data!.id).toBe(xor2.modelId);
    const list = await run(['models', 'list', '--name', 'xor']);
    expect(
      table(list.stdout)
        .slice(1)
        .map((row) => [row[0], row[4]]),
    ).toEqual([
      ['xor@2', 'production'],
      ['xor@1', '-'],
    ]);
  });

  it('show REF: the model and its lineage, field by field; --json is the API document', async () => {
    const r = await run(['models', 'show', 'xor@production']);
    expect(r.status, r.stderr).toBe(0);
    const { data: doc } = await apiModel(xor2.modelId);
    const field = (name: string) =>
      r.stdout
        .split('\n')
        .find((l) => l.startsWith(`${name} `))
        ?.slice(12);
    expect(field('model')).toBe('xor@2');
    expect(field('id')).toBe(xor2.modelId);
    expect(field('aliases')).toBe('production');
    expect(field('tags')).toBe('team:bio');
    expect(field('job')).toBe(xor2.jobId);
    expect(field('network')).toBe('2-3-1 (sigmoid, sigmoid), binary_cross_entropy');
    expect(field('seed')).toBe('2');
    expect(field('dataset')).toBe(
      `${doc!.lineage.dataset!.id}, sha256 ${doc!.receipt!.datasetSha256}`, // inline rows, stored
    );
    expect(field('weights')).toBe(`sha256 ${doc!.receipt!.weightsSha256}`);

    const table = await run(['models', 'show', 'iris']);
    expect(table.status, table.stderr).toBe(0);
    const { data: irisDoc } = await apiModel(iris.modelId);
    expect(table.stdout).toContain(
      `dataset     ${datasetId}, sha256 ${irisDoc!.lineage.dataset!.sha256}\n`,
    );
    expect(table.stdout).toContain('description iris species\n');
    expect(table.stdout).toContain('evaluation\n  evaluation on ');
    const json = await run(['models', 'show', 'iris@1', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(irisDoc);
  });

  it('bad input is exit 2 with one line: a bad version, alias or name locally; the server’s refusals', async () => {
    for (const [args, words] of [
      [['alias', 'xor', 'prod', 'two'], 'version two is not a version number'],
      [['alias', 'xor', 'prod', '0'], 'version 0 is not a version number'],
      [['alias', 'xor', 'latest', '1'], 'always means the newest version'],
      [['alias', 'xor', '7', '1'], 'alias 7 must be 1–64 letters'],
      [['alias', 'no name', 'prod', '1'], 'name no name must be'],
      [['alias', 'xor', 'prod', '9'], 'xor has no version 9: its versions are 2, 1'],
      [['alias', 'nobody', 'prod', '1'], 'no model of yours is named nobody'],
      [['unalias', 'xor', 'staging'], 'xor has no alias staging'],
      [['show', 'xor@9'], 'xor has no version 9'],
      [['show', 'bad ref'], 'model bad ref must be a model id, NAME'],
    ] as const) {
      const r = await run(['models', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.startsWith(`backprop: `), r.stderr).toBe(true);
      expect(r.stderr, args.join(' ')).toContain(words);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});

describe('backprop predict --model REF, models download REF', () => {
  it('predict --model NAME@ALIAS answers as the API does for the version the alias names', async () => {
    const inputs = scratch.write('xor.json', xorRows.inputs);
    const r = await run(['predict', '--model', 'xor@production', inputs]);
    expect(r.status, r.stderr).toBe(0);
    const { data } = await api.POST('/v1/models/{id}/predict', {
      params: { path: { id: xor2.modelId } },
      body: { inputs: xorRows.inputs },
    });
    expect(JSON.parse(r.stdout)).toEqual(data);
    const bad = await run(['predict', '--model', 'xor@nope', inputs]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('backprop: xor has no alias nope\n');
  });

  it('download NAME@ALIAS writes NAME-VERSION.bpmodel, the model the alias names', async () => {
    const r = await run(['models', 'download', 'xor@production']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('xor-2.bpmodel\n');
    const doc = decodeModelFile(readFileSync(join(scratch.dir, 'xor-2.bpmodel')));
    const { data } = await apiModel(xor2.modelId);
    expect(doc.receipt!.weightsSha256).toBe(data!.receipt!.weightsSha256);
    const named = await run(['models', 'download', 'xor@1', '--out', 'first.bpmodel']);
    expect(named.stdout).toBe('first.bpmodel\n');
    expect(existsSync(join(scratch.dir, 'first.bpmodel'))).toBe(true);
  });
});

describe('backprop models delete', () => {
  it('refused (exit 2, the 409 naming the alias) while an alias points at the version; nothing deleted', async () => {
    const r = await run(['models', 'delete', 'xor@2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('backprop: the alias production points at xor@2');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect((await apiModel(xor2.modelId)).response.status).toBe(200);
  });

  it('after unalias: deleted, its id on stdout; the other version stays', async () => {
    const un = await run(['models', 'unalias', 'xor', 'production']);
    expect(un.status, un.stderr).toBe(0);
    expect(un.stderr).toBe('removed xor@production\n');
    expect((await apiModel('xor@production')).response.status).toBe(404);
    const r = await run(['models', 'delete', 'xor@2']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${xor2.modelId}\n`);
    expect(r.stderr).toBe(`deleted xor@2 (${xor2.modelId})\n`);
    expect((await apiModel(xor2.modelId)).response.status).toBe(404);
    expect((await apiModel('xor')).data!.id).toBe(xor1.modelId);
    const again = await run(['models', 'delete', 'xor@2']);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe('backprop: xor has no version 2\n');
  });
});
