// The model registry (issue 15) through the real service: a job's `model.name` makes the name's
// next version, GET /v1/models lists and filters them, references (id, NAME, NAME@VERSION,
// NAME@ALIAS, NAME@latest) name them everywhere, aliases move and guard deletion, versions are
// never reused, import and download carry the name, warm start pins the model it named, and
// another tenant sees none of it. Real API, real Redis, a real worker process; the routes through
// the typed client (src/client.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { type ApiClient, createApiClient, type paths } from '../../src/client.js';
import type { JobSpecRecord } from '../../src/spec/index.js';
import { follow } from '../helpers/events.js';
import { irisCsv } from '../helpers/iris.js';
import { startService, type TestService, xorNetwork, xorRows } from '../helpers/service.js';

type JobSpec = paths['/v1/jobs']['post']['requestBody']['content']['application/json'];
type ListQuery = NonNullable<paths['/v1/models']['get']['parameters']['query']>;

const alice = newApiKey('alice');
const bob = newApiKey('bob');

let service: TestService;
let api: ApiClient;
let bobApi: ApiClient;
beforeAll(async () => {
  service = await startService({
    workers: 1,
    env: { API_KEYS: [alice.entry, bob.entry].join(',') },
  });
  api = createApiClient(service.url, alice.key);
  bobApi = createApiClient(service.url, bob.key);
}, 60_000);
afterAll(() => service?.stop());

const xorJob = (seed: number, model?: JobSpec['model']): JobSpec => ({
  network: { ...xorNetwork, layers: [...xorNetwork.layers] },
  dataset: xorRows,
  training: { epochs: 20, learningRate: 0.5, seed },
  ...(model ? { model } : {}),
});

/** Submits a job and follows it to its end: the job's id and its `done` event. */
async function submit(job: JobSpec, client = api) {
  const { data, response, error } = await client.POST('/v1/jobs', { body: job });
  expect(response.status, JSON.stringify(error)).toBe(202);
  return data!;
}
async function finish(jobId: string, key = alice.key) {
  const events = await follow(service, jobId, { apiKey: key });
  const done = events[events.length - 1]!;
  expect(done.type, JSON.stringify(done.data)).toBe('done');
  return done.data as { modelId: string; model?: { name: string; version: number } };
}
async function train(job: JobSpec, client = api, key = alice.key) {
  const queued = await submit(job, client);
  return { jobId: queued.id, ...(await finish(queued.id, key)) };
}

async function getModel(ref: string, client = api) {
  return client.GET('/v1/models/{id}', { params: { path: { id: ref } } });
}
async function list(query: ListQuery = {}, client = api) {
  const { data, response, error } = await client.GET('/v1/models', { params: { query } });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!;
}
async function setAlias(name: string, alias: string, version: number, client = api) {
  return client.PUT('/v1/models/{name}/aliases/{alias}', {
    params: { path: { name, alias } },
    body: { version },
  });
}
async function deleteAlias(name: string, alias: string, client = api) {
  return client.DELETE('/v1/models/{name}/aliases/{alias}', { params: { path: { name, alias } } });
}
async function deleteModel(ref: string, client = api) {
  return client.DELETE('/v1/models/{id}', { params: { path: { id: ref } } });
}

const xorNaming = {
  name: 'xor',
  tags: { team: 'bio', stage: 'dev' },
  description: 'the four xor rows',
};

// Made by the first test, used by the rest (the file's tests run in order).
const xor: { jobId: string; modelId: string }[] = [];
let unnamed: { jobId: string; modelId: string; model?: unknown };

describe('names and versions', () => {
  it('jobs naming a model make versions 1, 2, 3; the done event says which', async () => {
    for (let v = 1; v <= 3; v++) {
      const done = await train(xorJob(v, xorNaming));
      expect(done.model).toEqual({ name: 'xor', version: v });
      xor.push(done);
      const { data } = await getModel(done.modelId);
      expect(data).toMatchObject({
        id: done.modelId,
        jobId: done.jobId,
        name: 'xor',
        version: v,
        tags: xorNaming.tags,
        description: xorNaming.description,
        aliases: [],
      });
    }
    expect(new Set(xor.map((m) => m.modelId)).size).toBe(3);
  }, 60_000);

  it('a job without `model` makes an unnamed model: no name, no version in the done event', async () => {
    unnamed = await train(xorJob(9));
    expect(unnamed.model).toBeUndefined();
    const { data } = await getModel(unnamed.modelId);
    expect(data!.name).toBeUndefined();
    expect(data!.version).toBeUndefined();
    expect(data!.aliases).toBeUndefined();
  }, 30_000);

  it('two jobs finishing at once get distinct versions', async () => {
    // the worker runs two jobs at a time (WORKER_CONCURRENCY 2): submitted together, they
    // train side by side and save within moments of each other
    const queued = await Promise.all([1, 2].map((s) => submit(xorJob(s, { name: 'pair' }))));
    const done = await Promise.all(queued.map((q) => finish(q.id)));
    expect(done.map((d) => d.model!.version).sort()).toEqual([1, 2]);
    const listed = await list({ name: 'pair' });
    expect(listed.models.map((m) => [m.id, m.version]).sort()).toEqual(
      done.map((d) => [d.modelId, d.model!.version]).sort(),
    );
  }, 60_000);
});

describe('GET /v1/models', () => {
  it('lists every model newest first', async () => {
    const { models, nextCursor } = await list();
    const ids = models.map((m) => m.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(nextCursor).toBeNull();
    // the xor versions and the unnamed model, in the order they were made
    const ours = ids.filter((id) => [...xor.map((m) => m.modelId), unnamed.modelId].includes(id));
    expect(ours).toEqual([unnamed.modelId, xor[2]!.modelId, xor[1]!.modelId, xor[0]!.modelId]);
    expect(models).toHaveLength(6); // 3 xor, 1 unnamed, 2 pair
    const v2 = models.find((m) => m.id === xor[1]!.modelId)!;
    expect(v2).toMatchObject({
      name: 'xor',
      version: 2,
      tags: xorNaming.tags,
      jobId: xor[1]!.jobId,
      aliases: [],
    });
    expect(v2.metrics.error).toEqual(expect.any(Number));
  });

  it('pages by cursor: limit at a time, the pages together the whole list', async () => {
    const whole = (await list()).models.map((m) => m.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await list({ limit: 4, ...(cursor ? { cursor } : {}) });
      pages++;
      expect(page.models.length).toBeLessThanOrEqual(4);
      seen.push(...page.models.map((m) => m.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(whole);
    // a name's versions page too
    const first = await list({ name: 'xor', limit: 2 });
    expect(first.models.map((m) => m.version)).toEqual([3, 2]);
    const second = await list({ name: 'xor', limit: 2, cursor: first.nextCursor! });
    expect(second.models.map((m) => m.version)).toEqual([1]);
    expect(second.nextCursor).toBeNull();
  });

  it('filters by name, tag (KEY:VALUE and KEY) and job', async () => {
    const versions = async (query: ListQuery) =>
      (await list(query)).models.map((m) => `${m.name ?? '-'}@${m.version ?? '-'}`);
    expect(await versions({ name: 'xor' })).toEqual(['xor@3', 'xor@2', 'xor@1']);
    expect(await versions({ name: 'pair' })).toHaveLength(2);
    expect(await versions({ name: 'nothing-by-this-name' })).toEqual([]);
    expect(await versions({ tag: 'team:bio' })).toEqual(['xor@3', 'xor@2', 'xor@1']);
    expect(await versions({ tag: 'team' })).toEqual(['xor@3', 'xor@2', 'xor@1']);
    expect(await versions({ tag: 'team:chem' })).toEqual([]);
    expect(await versions({ tag: 'owner' })).toEqual([]);
    expect(await versions({ job: xor[1]!.jobId })).toEqual(['xor@2']);
    expect((await list({ job: unnamed.jobId })).models.map((m) => m.id)).toEqual([unnamed.modelId]);
  });

  it('a bad query is a 400 naming the field', async () => {
    for (const [query, field] of [
      ['limit=0', 'query.limit'],
      ['limit=101', 'query.limit'],
      ['limit=two', 'query.limit'],
      ['name=bad%20name', 'query.name'],
      ['colour=red', 'query.colour'],
    ] as const) {
      const res = await fetch(`${service.url}/v1/models?${query}`, {
        headers: { authorization: `Bearer ${alice.key}` },
      });
      const body = (await res.json()) as { errors: unknown; detail: string };
      expect(res.status, query).toBe(400);
      expect(body.errors, query).toEqual([{ path: field, message: expect.any(String) }]);
      expect(body.detail, query).toContain(field);
    }
  });
});

describe('references', () => {
  it('id, NAME (the latest), NAME@VERSION, NAME@latest', async () => {
    const idOf = async (ref: string) => {
      const { data, response } = await getModel(ref);
      expect(response.status, ref).toBe(200);
      return data!.id;
    };
    expect(await idOf(xor[0]!.modelId)).toBe(xor[0]!.modelId);
    expect(await idOf('xor')).toBe(xor[2]!.modelId);
    expect(await idOf('xor@latest')).toBe(xor[2]!.modelId);
    expect(await idOf('xor@1')).toBe(xor[0]!.modelId);
    expect(await idOf('xor@2')).toBe(xor[1]!.modelId);
  });

  it('a version or alias the name lacks, or an unknown name, is a 404 saying so', async () => {
    for (const [ref, detail] of [
      ['xor@4', 'xor has no version 4'],
      ['xor@production', 'xor has no alias production'],
      ['nobody', 'no model has id or name nobody'],
      ['nobody@1', 'no model of yours is named nobody'],
      ['nobody@production', 'no model of yours is named nobody'],
    ]) {
      const { response, error } = await getModel(ref!);
      expect(response.status, ref).toBe(404);
      expect(error!.detail).toBe(detail);
    }
  });
});

describe('aliases', () => {
  it('PUT points an alias at a version: answered, resolved, listed on the model and in the list', async () => {
    const put = await setAlias('xor', 'production', 2);
    expect(put.response.status).toBe(200);
    expect(put.data).toEqual({
      name: 'xor',
      alias: 'production',
      version: 2,
      id: xor[1]!.modelId,
    });
    expect((await getModel('xor@production')).data!.id).toBe(xor[1]!.modelId);
    expect((await getModel('xor@2')).data!.aliases).toEqual(['production']);
    await setAlias('xor', 'staging', 2);
    expect((await getModel('xor@2')).data!.aliases).toEqual(['production', 'staging']);
    const listed = (await list({ name: 'xor' })).models;
    expect(listed.map((m) => [m.version, m.aliases])).toEqual([
      [3, []],
      [2, ['production', 'staging']],
      [1, []],
    ]);
  });

  it('moving an alias: the reference follows, the old version loses it', async () => {
    const put = await setAlias('xor', 'production', 3);
    expect(put.data).toMatchObject({ version: 3, id: xor[2]!.modelId });
    expect((await getModel('xor@production')).data!.id).toBe(xor[2]!.modelId);
    expect((await getModel('xor@2')).data!.aliases).toEqual(['staging']);
    expect((await getModel('xor@3')).data!.aliases).toEqual(['production']);
  });

  it('DELETE removes it (204), then it is gone (404)', async () => {
    expect((await deleteAlias('xor', 'staging')).response.status).toBe(204);
    expect((await getModel('xor@staging')).response.status).toBe(404);
    expect((await getModel('xor@2')).data!.aliases).toEqual([]);
    const again = await deleteAlias('xor', 'staging');
    expect(again.response.status).toBe(404);
    expect(again.error!.detail).toBe('xor has no alias staging');
  });

  it('to a version the name lacks: 400 at version listing the versions; an unknown name: 404', async () => {
    const missing = await setAlias('xor', 'production', 7);
    expect(missing.response.status).toBe(400);
    expect(missing.error!.errors).toEqual([
      { path: 'version', message: 'xor has no version 7: its versions are 3, 2, 1' },
    ]);
    expect((await getModel('xor@production')).data!.id).toBe(xor[2]!.modelId); // unmoved
    const unknown = await setAlias('nobody', 'production', 1);
    expect(unknown.response.status).toBe(404);
    expect(unknown.error!.detail).toBe('no model of yours is named nobody');
  });

  it('an alias named latest, or all digits, is a 400 at params.alias', async () => {
    for (const alias of ['latest', '7']) {
      const res = await setAlias('xor', alias, 1);
      expect(res.response.status, alias).toBe(400);
      expect(res.error!.errors!.map((e) => e.path)).toEqual(['params.alias']);
    }
    expect((await getModel('xor@latest')).data!.version).toBe(3); // still the newest
  });
});

describe('deleting a version', () => {
  it('an alias pointing at it: 409 naming the alias, nothing deleted', async () => {
    const res = await deleteModel('xor@3');
    expect(res.response.status).toBe(409);
    expect(res.error!.detail).toContain('the alias production points at xor@3');
    expect((await getModel(xor[2]!.modelId)).response.status).toBe(200);
    expect((await list({ name: 'xor' })).models).toHaveLength(3);
    // by the alias itself likewise
    expect((await deleteModel('xor@production')).response.status).toBe(409);
  });

  it('after the alias is removed: 204; the other versions remain; the name points at the newest left', async () => {
    expect((await deleteAlias('xor', 'production')).response.status).toBe(204);
    expect((await deleteModel('xor@3')).response.status).toBe(204);
    expect((await getModel('xor@3')).response.status).toBe(404);
    expect((await getModel(xor[2]!.modelId)).response.status).toBe(404);
    expect((await list({ name: 'xor' })).models.map((m) => m.version)).toEqual([2, 1]);
    expect((await getModel('xor')).data!.id).toBe(xor[1]!.modelId);
    const missing = await setAlias('xor', 'production', 3);
    expect(missing.error!.errors![0]!.message).toBe('xor has no version 3: its versions are 2, 1');
  });

  it('versions are never reused: the next job after deleting version 3 makes version 4', async () => {
    const done = await train(xorJob(4, xorNaming));
    expect(done.model).toEqual({ name: 'xor', version: 4 });
    xor.push(done);
    expect((await list({ name: 'xor' })).models.map((m) => m.version)).toEqual([4, 2, 1]);
    expect((await getModel('xor')).data!.id).toBe(done.modelId);
  }, 30_000);
});

describe('import and download by reference', () => {
  it('downloads NAME@ALIAS as NAME-VERSION.bpmodel; importing it with ?name= makes the next version', async () => {
    await setAlias('xor', 'production', 2);
    const download = await fetch(`${service.url}/v1/models/xor@production/download`, {
      headers: { authorization: `Bearer ${alice.key}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(
      'attachment; filename="xor-2.bpmodel"',
    );
    const file = new Uint8Array(await download.arrayBuffer());
    const imported = await fetch(`${service.url}/v1/models?name=xor`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${alice.key}`,
        'content-type': 'application/vnd.backprop.model',
      },
      body: file,
    });
    const body = (await imported.json()) as {
      id: string;
      jobId?: string;
      lineage: { job: string | null };
    };
    expect(imported.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ name: 'xor', version: 5, aliases: [] });
    expect(body.jobId).toBeUndefined();
    expect(body.lineage.job).toBeNull();
    const original = (await getModel('xor@2')).data!;
    expect((await getModel('xor@5')).data!.weights).toEqual(original.weights);
    expect((await getModel('xor')).data!.id).toBe(body.id);
    // a new name starts at 1
    const fresh = await fetch(`${service.url}/v1/models?name=xor-copy`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${alice.key}`,
        'content-type': 'application/vnd.backprop.model',
      },
      body: file,
    });
    expect(await fresh.json()).toMatchObject({ name: 'xor-copy', version: 1 });
    // an unnamed model downloads under its id
    const plain = await fetch(`${service.url}/v1/models/${unnamed.modelId}/download`, {
      headers: { authorization: `Bearer ${alice.key}` },
    });
    expect(plain.headers.get('content-disposition')).toBe(
      `attachment; filename="${unnamed.modelId}.bpmodel"`,
    );
  });
});

describe('a table model: lineage, the dataset filter, warm start by reference', () => {
  let datasetId: string;
  let first: Awaited<ReturnType<typeof train>>;

  beforeAll(async () => {
    const upload = await api.POST('/v1/datasets', {
      params: { query: { label: 'label' } },
      body: irisCsv('train').csv,
      bodySerializer: (body) => (typeof body === 'string' ? body : JSON.stringify(body)),
      headers: { 'content-type': 'text/csv' },
    });
    expect(upload.response.status).toBe(201);
    datasetId = upload.data!.id;
    first = await train({
      dataset: { id: datasetId },
      training: { epochs: 5, seed: 3 },
      model: { name: 'iris' },
    });
  }, 60_000);

  it("the lineage: job, dataset id and checksum (the receipt's), resolved spec, seed, metrics, evaluation", async () => {
    const { data: model } = await getModel('iris@1');
    const { data: job } = await api.GET('/v1/jobs/{id}', {
      params: { path: { id: first.jobId } },
    });
    const { lineage, receipt } = model!;
    expect(receipt).toBeDefined();
    expect(lineage.job).toBe(first.jobId);
    expect(lineage.dataset).toEqual({
      ref: { id: datasetId },
      id: datasetId,
      sha256: receipt!.datasetSha256,
    });
    expect(lineage.dataset!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(lineage.spec).toEqual(receipt!.spec);
    expect(lineage.spec!.network).toEqual((job!.spec as JobSpecRecord).network);
    expect(lineage.spec!.training).toMatchObject({ epochs: 5, seed: 3 });
    expect(lineage.seed).toBe(3);
    expect(lineage.seed).toBe(job!.seed);
    expect(lineage.metrics).toEqual(model!.metrics);
    expect(lineage.evaluation).toEqual(model!.metrics.test);
    expect(lineage.evaluation!.accuracy).toEqual(expect.any(Number)); // held-out rows (testSplit)
    expect(lineage.initFrom).toBeUndefined();
  });

  it('GET /v1/models?dataset= lists the models trained on that stored dataset', async () => {
    const listed = await list({ dataset: datasetId });
    expect(listed.models.map((m) => m.id)).toEqual([first.modelId]);
    expect(listed.models[0]!.datasetId).toBe(datasetId);
    expect((await list({ dataset: 'NOSUCHDATASET' })).models).toEqual([]);
  });

  it('training.initFrom.model NAME@ALIAS starts from that model; the recorded spec pins its id', async () => {
    await setAlias('iris', 'prod', 1);
    const warm = await train({
      dataset: { id: datasetId },
      training: { epochs: 2, seed: 4, initFrom: { model: 'iris@prod' } },
      model: { name: 'iris' },
    });
    expect(warm.model).toEqual({ name: 'iris', version: 2 });
    const { data: job } = await api.GET('/v1/jobs/{id}', { params: { path: { id: warm.jobId } } });
    expect((job!.spec as JobSpecRecord).training.initFrom).toEqual({ model: first.modelId });
    const { data: model } = await getModel('iris@2');
    expect(model!.lineage.initFrom).toBe(first.modelId);
    expect(model!.preprocessing).toEqual((await getModel('iris@1')).data!.preprocessing);
    // moving the alias afterwards changes nothing recorded
    await setAlias('iris', 'prod', 2);
    expect((await getModel('iris@2')).data!.lineage.initFrom).toBe(first.modelId);
    // both trained on the same data: the same checksum
    expect(model!.lineage.dataset!.sha256).toBe(
      (await getModel('iris@1')).data!.lineage.dataset!.sha256,
    );
  }, 60_000);

  it('an unknown reference is a 400 naming training.initFrom.model', async () => {
    for (const ref of ['iris@staging', 'iris@9', 'nobody', 'nobody@prod']) {
      const { response, error } = await api.POST('/v1/jobs', {
        body: { dataset: { id: datasetId }, training: { initFrom: { model: ref } } },
      });
      expect(response.status, ref).toBe(400);
      expect(error!.errors).toEqual([
        { path: 'training.initFrom.model', message: expect.stringContaining(ref) },
      ]);
    }
  });
});

describe('tenants', () => {
  it("another tenant's names, versions and aliases are not there to find", async () => {
    await setAlias('xor', 'production', 2);
    for (const ref of ['xor', 'xor@1', 'xor@latest', 'xor@production', xor[0]!.modelId]) {
      expect((await getModel(ref, bobApi)).response.status, ref).toBe(404);
      expect((await deleteModel(ref, bobApi)).response.status, ref).toBe(404);
    }
    expect((await list({}, bobApi)).models).toEqual([]);
    expect((await list({ name: 'xor' }, bobApi)).models).toEqual([]);
    expect((await list({ tag: 'team' }, bobApi)).models).toEqual([]);
    expect((await setAlias('xor', 'production', 1, bobApi)).response.status).toBe(404);
    expect((await deleteAlias('xor', 'production', bobApi)).response.status).toBe(404);
    const download = await fetch(`${service.url}/v1/models/xor@production/download`, {
      headers: { authorization: `Bearer ${bob.key}` },
    });
    expect(download.status).toBe(404);
    // alice's alias survived bob's attempts
    expect((await getModel('xor@production')).data!.id).toBe(xor[1]!.modelId);
  });

  it('the same name in another tenant is its own: versions from 1, its own aliases', async () => {
    const done = await train(xorJob(5, { name: 'xor' }), bobApi, bob.key);
    expect(done.model).toEqual({ name: 'xor', version: 1 });
    expect((await getModel('xor', bobApi)).data!.id).toBe(done.modelId);
    expect((await list({ name: 'xor' }, bobApi)).models.map((m) => m.id)).toEqual([done.modelId]);
    expect((await setAlias('xor', 'production', 1, bobApi)).data!.id).toBe(done.modelId);
    // alice's are as they were
    expect((await getModel('xor@production')).data!.id).toBe(xor[1]!.modelId);
    expect((await list({ name: 'xor' })).models.map((m) => m.version)).toEqual([5, 4, 2, 1]);
    expect((await getModel('xor@1', bobApi)).data!.id).toBe(done.modelId);
    expect((await getModel('xor@1')).data!.id).toBe(xor[0]!.modelId);
  }, 30_000);
});
