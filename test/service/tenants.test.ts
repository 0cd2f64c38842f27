// Tenants: API keys (hashed in the configuration, one tenant each), and isolation — tenant B
// can neither read, list, stream, cancel, predict with nor delete anything of tenant A's, and
// every such attempt answers exactly as a missing id does. Real API, worker process and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey, tenantOfKey } from '../../src/api/auth.js';
import { loadConfig } from '../../src/config.js';
import { connectRedis, keysUnder } from '../../src/store/index.js';
import { http, startService, type TestService, xorNetwork, xorRows } from '../helpers/service.js';

const alice = newApiKey('alice');
const alice2 = newApiKey('alice'); // a second key of the same tenant (rotation)
const bob = newApiKey('bob');
const as = (key: string) => ({ authorization: `Bearer ${key}` });

const xorJob = {
  network: xorNetwork,
  dataset: { id: '' },
  training: { epochs: 200, learningRate: 2, seed: 3 },
};

let service: TestService;
const ids = { dataset: '', job: '', model: '', queued: '' };

beforeAll(async () => {
  service = await startService({
    workers: 1,
    env: { API_KEYS: [alice.entry, bob.entry, alice2.entry].join(',') },
  });
  const dataset = await http(service, 'POST', '/v1/datasets', xorRows, as(alice.key));
  expect(dataset.status).toBe(201);
  ids.dataset = dataset.body.id;
  const job = await http(
    service,
    'POST',
    '/v1/jobs',
    { ...xorJob, dataset: { id: ids.dataset } },
    as(alice.key),
  );
  expect(job.status).toBe(202);
  ids.job = job.body.id;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { body } = await http(service, 'GET', `/v1/jobs/${ids.job}`, undefined, as(alice.key));
    if (body.status === 'succeeded') {
      ids.model = body.modelId;
      break;
    }
    if (Date.now() > deadline || body.status === 'failed') throw new Error(`job ${body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}, 60_000);

afterAll(async () => {
  await service?.stop();
});

describe('API keys', () => {
  it('refuses a request without a key or with a wrong one: 401 problem+json, WWW-Authenticate', async () => {
    for (const headers of <Record<string, string>[]>[
      {},
      { authorization: 'Bearer bpk_not-a-key' },
      { authorization: `Basic ${Buffer.from('alice:x').toString('base64')}` },
      { authorization: `Bearer ${alice.key}x` },
      { authorization: 'Bearer' },
      { authorization: 'Bearer   ' },
      { authorization: `Bearer ${'x'.repeat(5000)}` },
      { authorization: `Bearer ${alice.key} ${bob.key}` },
      { authorization: `${alice.key}` },
    ]) {
      const res = await http(service, 'GET', '/v1/jobs', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="backprop"');
      expect(res.body.detail).toMatch(/Authorization: Bearer <key>|API key is not valid/);
    }
  });

  it('takes the scheme in any case (RFC 9110): bearer, BEARER', async () => {
    for (const scheme of ['bearer', 'BEARER'])
      expect(
        (
          await http(service, 'GET', '/v1/jobs', undefined, {
            authorization: `${scheme} ${alice.key}`,
          })
        ).status,
      ).toBe(200);
  });

  it('answers health checks and the API document without a key', async () => {
    expect((await http(service, 'GET', '/healthz')).status).toBe(200);
    expect((await http(service, 'GET', '/readyz')).status).toBe(200);
    const doc = await http(service, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.components.securitySchemes.apiKey).toMatchObject({ scheme: 'bearer' });
    expect(doc.body.security).toEqual([{ apiKey: [] }]);
    expect(doc.body.paths['/healthz'].get.security).toEqual([]);
    for (const [path, method] of [
      ['/v1/jobs', 'post'],
      ['/v1/jobs/{id}', 'get'],
      ['/v1/models/{id}/predict', 'post'],
      ['/v1/datasets', 'post'],
    ] as const) {
      expect(Object.keys(doc.body.paths[path][method].responses)).toEqual(
        expect.arrayContaining(['401', '429']),
      );
    }
  });

  it('keeps only hashes: the configuration and Redis never hold a key', async () => {
    expect(alice.entry).toMatch(/^alice:[0-9a-f]{64}$/);
    expect(alice.entry).not.toContain(alice.key.slice(4));
    const redis = connectRedis(service.config.redisUrl);
    const keys = await keysUnder(redis, service.config.keyPrefix);
    await redis.quit();
    expect(keys.join('\n')).not.toContain(alice.key);
  });

  it('finds the tenant of each configured key, and none for others', () => {
    const { apiKeys } = loadConfig({ API_KEYS: `${alice.entry},${bob.entry},${alice2.entry}` });
    expect(tenantOfKey(apiKeys, alice.key)).toBe('alice');
    expect(tenantOfKey(apiKeys, alice2.key)).toBe('alice');
    expect(tenantOfKey(apiKeys, bob.key)).toBe('bob');
    expect(tenantOfKey(apiKeys, 'bpk_guess')).toBeNull();
    expect(() => loadConfig({ API_KEYS: 'alice:secret' })).toThrow(/API_KEYS.*tenant:sha256-hex/);
  });

  it('takes the key from ?access_token= on the event stream only (browsers cannot send headers)', async () => {
    const stream = await fetch(
      `${service.url}/v1/jobs/${ids.job}/events?access_token=${encodeURIComponent(alice.key)}`,
    );
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expect(await stream.text()).toContain('event: done');
    const wrong = await fetch(`${service.url}/v1/jobs/${ids.job}/events?access_token=bpk_x`);
    expect(wrong.status).toBe(401);
    // the key in the query is not echoed back in the problem
    expect(((await wrong.json()) as { instance: string }).instance).toBe(
      `/v1/jobs/${ids.job}/events?access_token=REDACTED`,
    );
    const bobs = await fetch(
      `${service.url}/v1/jobs/${ids.job}/events?access_token=${encodeURIComponent(bob.key)}`,
    );
    expect(bobs.status).toBe(404);
    const elsewhere = await fetch(
      `${service.url}/v1/jobs/${ids.job}?access_token=${encodeURIComponent(alice.key)}`,
    );
    expect(elsewhere.status).toBe(401);
  });

  it("lets a tenant's second key see the same things", async () => {
    const res = await http(service, 'GET', `/v1/models/${ids.model}`, undefined, as(alice2.key));
    expect(res.status).toBe(200);
  });
});

describe("tenant B and tenant A's things", () => {
  // each of A's ids, asked for by B, must answer as an id that exists nowhere
  const missing = 'A0000000000000000000000000';
  const attempts = () => [
    ['GET', `/v1/datasets/${ids.dataset}`, `/v1/datasets/${missing}`],
    ['DELETE', `/v1/datasets/${ids.dataset}`, `/v1/datasets/${missing}`],
    ['GET', `/v1/jobs/${ids.job}`, `/v1/jobs/${missing}`],
    ['GET', `/v1/jobs/${ids.job}/events`, `/v1/jobs/${missing}/events`],
    ['POST', `/v1/jobs/${ids.job}/cancel`, `/v1/jobs/${missing}/cancel`],
    ['GET', `/v1/models/${ids.model}`, `/v1/models/${missing}`],
    ['DELETE', `/v1/models/${ids.model}`, `/v1/models/${missing}`],
  ];

  it('cannot read, stream, cancel or delete them: 404, as for a missing id', async () => {
    for (const [method, path, missingPath] of attempts()) {
      const theirs = await http(service, method!, path!, undefined, as(bob.key));
      const none = await http(service, method!, missingPath!, undefined, as(bob.key));
      expect(theirs.status, `${method} ${path}`).toBe(404);
      expect(none.status).toBe(404);
      // the same answer but for the id itself
      const strip = (b: any, id: string) =>
        JSON.stringify(b).replaceAll(id, 'ID').replaceAll(missing, 'ID');
      const id = path!.split('/')[3]!;
      expect(strip(theirs.body, id)).toBe(strip(none.body, id));
    }
  });

  it('cannot predict with their model', async () => {
    const res = await http(
      service,
      'POST',
      `/v1/models/${ids.model}/predict`,
      { inputs: [[0, 1]] },
      as(bob.key),
    );
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe(`no model has id or name ${ids.model}`);
  });

  it('cannot train on their dataset', async () => {
    const res = await http(
      service,
      'POST',
      '/v1/jobs',
      { ...xorJob, dataset: { id: ids.dataset } },
      as(bob.key),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'dataset.id', message: expect.stringContaining('no dataset has this id') },
    ]);
  });

  it('does not see them in job lists, of any status', async () => {
    for (const query of ['', '?status=succeeded', '?status=queued']) {
      const theirs = await http(service, 'GET', `/v1/jobs${query}`, undefined, as(bob.key));
      expect(theirs.status).toBe(200);
      expect(theirs.body.jobs).toEqual([]);
    }
    const own = await http(service, 'GET', '/v1/jobs', undefined, as(alice.key));
    expect(own.body.jobs.map((j: { id: string }) => j.id)).toEqual([ids.job]);
  });

  it("has Idempotency-Keys of its own: the same key as A's makes B's own job", async () => {
    const key = 'shared-key-1';
    const spec = { ...xorJob, dataset: { generator: 'xor' }, training: { epochs: 1, seed: 1 } };
    const a = await http(service, 'POST', '/v1/jobs', spec, {
      ...as(alice.key),
      'idempotency-key': key,
    });
    const other = { ...spec, training: { epochs: 2, seed: 2 } };
    const b = await http(service, 'POST', '/v1/jobs', other, {
      ...as(bob.key),
      'idempotency-key': key,
    });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202); // not 422 (another body) nor A's job
    expect(b.body.id).not.toBe(a.body.id);
    const again = await http(service, 'POST', '/v1/jobs', spec, {
      ...as(alice.key),
      'idempotency-key': key,
    });
    expect(again.status).toBe(200); // A's key still names A's job
    expect(again.body.id).toBe(a.body.id);
  });

  it('left everything of A as it was', async () => {
    const dataset = await http(
      service,
      'GET',
      `/v1/datasets/${ids.dataset}`,
      undefined,
      as(alice.key),
    );
    expect(dataset.status).toBe(200);
    expect(dataset.body.rows).toBe(4);
    const job = await http(service, 'GET', `/v1/jobs/${ids.job}`, undefined, as(alice.key));
    expect(job.body).toMatchObject({ status: 'succeeded', modelId: ids.model });
    expect(job.body.cancelRequested).toBeUndefined();
    const predicted = await http(
      service,
      'POST',
      `/v1/models/${ids.model}/predict`,
      {
        inputs: [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ],
      },
      as(alice.key),
    );
    expect(predicted.status).toBe(200);
    const outputs = predicted.body.outputs.map((o: number[]) => Math.round(o[0]!));
    expect(outputs).toEqual([0, 1, 1, 0]);
  });
});
