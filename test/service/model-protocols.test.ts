// Model references in the standard protocols (issue 15), against the real service: two versions
// of a name trained by a real worker (iris, different seeds, so their outputs differ), then every
// protocol path by version, by label and by reference answers exactly that version's outputs;
// a version or alias that does not exist is a 404 in the protocol's error form; another tenant
// sees the name as missing, word for word. And the must-show: an alias moved back and
// forth under a load of predict requests, every answer 200 and exactly one version's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { type ApiClient, createApiClient } from '../../src/client.js';
import { follow } from '../helpers/events.js';
import { http, startService, type TestService } from '../helpers/service.js';

const alice = newApiKey('alice');
const bob = newApiKey('bob');
const as = (key: string) => ({ authorization: `Bearer ${key}` });

let service: TestService;
let api: ApiClient;
beforeAll(async () => {
  service = await startService({
    workers: 1,
    env: { API_KEYS: [alice.entry, bob.entry].join(',') },
  });
  api = createApiClient(service.url, alice.key);
}, 60_000);
afterAll(() => service?.stop());

const name = 'flowers';
const rows = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
  [5.9, 3.0, 4.2, 1.5],
];

const irisJob = (seed: number) => ({
  network: {
    inputSize: 4,
    layers: [
      { units: 6, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    divergence: 'cross_entropy',
  },
  dataset: { builtin: 'iris' },
  training: { epochs: 3, learningRate: 0.1, seed },
  model: { name },
});

/** Trains one version of `name`; its model id and version, from the done event. */
async function trainVersion(seed: number) {
  const submitted = await http(service, 'POST', '/v1/jobs', irisJob(seed), as(alice.key));
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  const events = await follow(service, submitted.body.id, { apiKey: alice.key });
  const done = events[events.length - 1]!;
  expect(done.type, JSON.stringify(done.data)).toBe('done');
  return { id: done.data.modelId as string, version: done.data.model.version as number };
}

const post = (path: string, body: unknown, key = alice.key) =>
  http(service, 'POST', path, body, as(key));
const get = (path: string, key = alice.key) => http(service, 'GET', path, undefined, as(key));
const moveAlias = (alias: string, version: number) =>
  http(service, 'PUT', `/v1/models/${name}/aliases/${alias}`, { version }, as(alice.key));

// Each version's answers by id, in each protocol's form, for the same rows.
interface Expected {
  id: string;
  predict: unknown; // POST /v1/models/<id>/predict
  tf: unknown; // POST /v1/models/<id>:predict
  oip: number[]; // the output tensor's data, row-major
}
const versions: Record<number, Expected> = {};

beforeAll(async () => {
  for (const seed of [1, 2]) {
    const { id, version } = await trainVersion(seed);
    const predict = await post(`/v1/models/${id}/predict`, { inputs: rows });
    const tf = await post(`/v1/models/${id}:predict`, { instances: rows });
    expect([predict.status, tf.status]).toEqual([200, 200]);
    versions[version] = {
      id,
      predict: predict.body,
      tf: tf.body,
      oip: predict.body.outputs.flat(),
    };
  }
  expect((await moveAlias('production', 1)).status).toBe(200);
  expect((await moveAlias('staging', 2)).status).toBe(200);
}, 120_000);

const oipBody = { inputs: [{ name: 'input', shape: [3, 4], datatype: 'FP32', data: rows.flat() }] };

describe('model references in TF Serving and OIP v2', () => {
  it('the two versions are 1 and 2 of the name, and answer differently', () => {
    expect(Object.keys(versions).sort()).toEqual(['1', '2']);
    expect(versions[1]!.oip).not.toEqual(versions[2]!.oip);
  });

  it("TF Serving by version, by label and by reference answers that version's predictions", async () => {
    for (const [version, alias] of [
      [1, 'production'],
      [2, 'staging'],
    ] as const) {
      const { tf } = versions[version]!;
      const byVersion = await api.POST('/v1/models/{name}/versions/{version}:predict', {
        params: { path: { name, version: String(version) } },
        body: { instances: rows },
      });
      expect(byVersion.response.status).toBe(200);
      expect(byVersion.data).toEqual(tf);
      const byLabel = await api.POST('/v1/models/{name}/labels/{label}:predict', {
        params: { path: { name, label: alias } },
        body: { instances: rows },
      });
      expect(byLabel.data).toEqual(tf);
      for (const ref of [`${name}@${version}`, `${name}@${alias}`]) {
        const answer = await post(`/v1/models/${ref}:predict`, { instances: rows });
        expect(answer.status, ref).toBe(200);
        expect(answer.body, ref).toEqual(tf);
      }
    }
    // the columnar form too, and the name alone (or its label latest) is the newest version
    const columnar = await post(`/v1/models/${name}/versions/1:predict`, { inputs: rows });
    expect(columnar.body).toEqual({ outputs: (versions[1]!.tf as any).predictions });
    for (const path of [`/v1/models/${name}:predict`, `/v1/models/${name}/labels/latest:predict`])
      expect((await post(path, { instances: rows })).body, path).toEqual(versions[2]!.tf);
  });

  it("OIP v2 by version and by reference infers that version's outputs, and names the version", async () => {
    for (const [version, alias] of [
      [1, 'production'],
      [2, 'staging'],
    ] as const) {
      const byVersion = await api.POST('/v2/models/{name}/versions/{version}/infer', {
        params: { path: { name, version: String(version) } },
        body: { ...oipBody, id: 'r1' },
      });
      expect(byVersion.response.status).toBe(200);
      expect(byVersion.data).toMatchObject({
        model_name: name,
        model_version: String(version),
        id: 'r1',
      });
      expect(byVersion.data!.outputs[0]!.data).toEqual(versions[version]!.oip);
      for (const ref of [`${name}@${version}`, `${name}@${alias}`, versions[version]!.id]) {
        const answer = await post(`/v2/models/${ref}/infer`, oipBody);
        expect(answer.status, ref).toBe(200);
        expect(answer.body.model_name, ref).toBe(ref);
        expect(answer.body.model_version, ref).toBe(String(version));
        expect(answer.body.outputs[0].data, ref).toEqual(versions[version]!.oip);
      }
    }
    const latest = await post(`/v2/models/${name}/infer`, oipBody);
    expect(latest.body.model_version).toBe('2');
    expect(latest.body.outputs[0].data).toEqual(versions[2]!.oip);
  });

  it("OIP metadata and readiness by version and by reference list the name's versions", async () => {
    const meta = await api.GET('/v2/models/{name}/versions/{version}', {
      params: { path: { name, version: '1' } },
    });
    expect(meta.data).toMatchObject({
      name,
      versions: ['1', '2'],
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'output', shape: [-1, 3] }, { name: 'class' }],
    });
    for (const ref of [name, `${name}@production`, versions[1]!.id]) {
      const answer = await get(`/v2/models/${ref}`);
      expect(answer.body, ref).toMatchObject({ name: ref, versions: ['1', '2'] });
    }
    const ready = await api.GET('/v2/models/{name}/versions/{version}/ready', {
      params: { path: { name, version: '2' } },
    });
    expect(ready.data).toEqual({ name, ready: true });
    expect((await get(`/v2/models/${name}@staging/ready`)).body).toEqual({
      name: `${name}@staging`,
      ready: true,
    });
  });

  // each path with a model the tenant lacks, and the words of its 404
  const missing = (n: string): [string, string, unknown, string][] => [
    ['POST', `/v1/models/${n}/versions/3:predict`, { instances: rows }, `${n} has no version 3`],
    [
      'POST',
      `/v1/models/${n}/labels/canary:predict`,
      { instances: rows },
      `${n} has no alias canary`,
    ],
    ['POST', `/v1/models/${n}@3:predict`, { instances: rows }, `${n} has no version 3`],
    ['POST', `/v1/models/${n}:predict`, { instances: rows }, `no model has id or name ${n}`],
    ['POST', `/v1/models/${n}@canary/predict`, { inputs: rows }, `${n} has no alias canary`],
    ['POST', `/v2/models/${n}/versions/3/infer`, oipBody, `${n} has no version 3`],
    ['POST', `/v2/models/${n}@canary/infer`, oipBody, `${n} has no alias canary`],
    ['GET', `/v2/models/${n}/versions/3`, undefined, `${n} has no version 3`],
    ['GET', `/v2/models/${n}/versions/3/ready`, undefined, `${n} has no version 3`],
    ['GET', `/v2/models/${n}`, undefined, `no model has id or name ${n}`],
  ];

  it('a version or alias that does not exist is a 404 whose error names it', async () => {
    for (const [method, path, body, words] of missing(name)) {
      if (path.endsWith(`/${name}:predict`) || path === `/v2/models/${name}`) continue; // they exist
      const answer = await http(service, method, path, body, as(alice.key));
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).toMatchObject({ detail: words });
      // the protocols' clients read `error`; our own /v1 predict answers plain problem+json
      if (!path.endsWith('/predict')) expect(answer.body.error, path).toBe(words);
    }
  });

  it('a malformed version or label is a 400 naming it', async () => {
    for (const [path, field] of [
      [`/v1/models/${name}/versions/two:predict`, 'version'],
      [`/v1/models/${name}/versions/0:predict`, 'version'],
      [`/v1/models/${name}/labels/2:predict`, 'label'],
      [`/v1/models/${name}@:predict`, 'id'],
    ]) {
      const answer = await post(path!, { instances: rows });
      expect(answer.status, path).toBe(400);
      expect(answer.body.errors[0].path, path).toContain(field);
      expect(answer.body.error, path).toBe(answer.body.detail);
    }
    const oip = await post(`/v2/models/${name}/versions/x1/infer`, oipBody);
    expect(oip.status).toBe(400);
    expect(oip.body.errors[0].path).toContain('version');
  });

  it("another tenant cannot see the name: every path is a 404, exactly as a name that doesn't exist", async () => {
    const ghost = 'ghost';
    const ghostPaths = missing(ghost);
    for (const [i, [method, path, body]] of missing(name).entries()) {
      const bobs = await http(service, method, path, body, as(bob.key));
      const absent = await http(service, method, ghostPaths[i]![1], body, as(alice.key));
      expect(bobs.status, path).toBe(404);
      expect(JSON.stringify(bobs.body).replaceAll(name, ghost), path).toBe(
        JSON.stringify(absent.body),
      );
    }
    for (const path of [
      `/v1/models/${name}/versions/1:predict`,
      `/v1/models/${name}/labels/production:predict`,
      `/v2/models/${name}/versions/1/infer`,
    ]) {
      const answer = await post(
        path,
        path.includes('/v2/') ? oipBody : { instances: rows },
        bob.key,
      );
      expect(answer.status, path).toBe(404);
    }
  });
});

describe('an alias moved under a load of predict requests', () => {
  it('every answer is 200 and exactly one version’s; after each move, new requests get the new version', async () => {
    expect((await moveAlias('production', 1)).status).toBe(200);
    // what each path answers, for each version
    const paths = [
      { path: `/v1/models/${name}@production/predict`, body: { inputs: rows }, form: 'predict' },
      {
        path: `/v1/models/${name}/labels/production:predict`,
        body: { instances: rows },
        form: 'tf',
      },
      { path: `/v2/models/${name}@production/infer`, body: oipBody, form: 'oip' },
    ] as const;
    const versionOf = (form: (typeof paths)[number]['form'], status: number, body: any) => {
      if (status !== 200) return `status ${status}: ${JSON.stringify(body)}`;
      for (const v of [1, 2]) {
        const answer = form === 'oip' ? body.outputs[0].data : body;
        if (JSON.stringify(answer) === JSON.stringify(versions[v]![form])) return v;
      }
      return `neither version: ${JSON.stringify(body)}`;
    };

    // the version production settled on, and a count of moves begun (a request whose answer
    // comes with no move begun since it was sent, and none under way then, is the settled one's)
    let settled = 1;
    let movesBegun = 0;
    let moving = false;
    let stop = false;
    let answered = 0;
    const wrong: string[] = [];
    const seen = { 1: 0, 2: 0, acrossMoves: 0 };
    const lane = service.app.predictLane!;
    const laneBefore = { ...lane.counts };

    async function client(c: number) {
      for (let i = c; !stop; i++) {
        const { path, body, form } = paths[i % paths.length]!;
        const sent = { settled, movesBegun, moving };
        const answer = await post(path, body);
        const got = versionOf(form, answer.status, answer.body);
        answered++;
        if (typeof got === 'string') wrong.push(`${path}: ${got}`);
        else {
          seen[got as 1 | 2]++;
          const quiet = !sent.moving && sent.movesBegun === movesBegun;
          if (quiet && got !== sent.settled)
            wrong.push(
              `${path}: version ${got} answered after production moved to ${sent.settled}`,
            );
          if (!quiet) seen.acrossMoves++;
        }
      }
    }

    const untilAnswered = async (more: number) => {
      const target = answered + more;
      while (answered < target && wrong.length === 0) await new Promise((r) => setTimeout(r, 5));
    };

    const clients = [0, 1, 2, 3].map(client);
    await untilAnswered(30);
    const moves = [2, 1, 2, 1, 2, 1, 2];
    for (const version of moves) {
      movesBegun++;
      moving = true;
      const moved = await moveAlias('production', version);
      expect(moved.status).toBe(200);
      settled = version;
      moving = false;
      // a request sent now gets the new version
      const fresh = await post(paths[1].path, paths[1].body);
      expect(versionOf('tf', fresh.status, fresh.body)).toBe(version);
      await untilAnswered(30);
    }
    stop = true;
    await Promise.all(clients);

    expect(wrong).toEqual([]);
    expect(answered).toBeGreaterThanOrEqual(30 * (moves.length + 1));
    expect(seen[1]).toBeGreaterThan(0);
    expect(seen[2]).toBeGreaterThan(0);
    // requests were in flight while the alias moved
    expect(seen.acrossMoves).toBeGreaterThan(0);
    // requests by reference never go through the fast lane: it answers only by cached id
    expect(lane.counts).toEqual(laneBefore);
  }, 120_000);
});
