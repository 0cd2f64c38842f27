// A tenant's storage quota (MAX_TENANT_STORAGE_BYTES): datasets and models count from their
// write to their deletion; an upload or a job past the quota is a 413 problem naming the quota,
// the usage and the fix, and stores nothing; deleting frees room; another tenant is not
// affected. Real API, worker process and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { connectRedis, createStores } from '../../src/store/index.js';
import { http, startService, type TestService, xorNetwork } from '../helpers/service.js';

const alice = newApiKey('alice');
const bob = newApiKey('bob');
const as = (key: string) => ({ authorization: `Bearer ${key}` });

// 50 rows of 3 features and one target: 200 float32s, 800 bytes (inline with a job, in Redis),
// and a head of about a hundred more uploaded (its dataset file in the blob store)
const rows = {
  inputs: Array.from({ length: 50 }, (_, i) => [i / 50, (i % 7) / 7, (i % 3) / 3]),
  targets: Array.from({ length: 50 }, (_, i) => [(i % 2) * 1.0]),
};
const quota = 2000;

let service: TestService;
let redis: ReturnType<typeof connectRedis>;
beforeAll(async () => {
  service = await startService({
    workers: 1,
    env: {
      API_KEYS: [alice.entry, bob.entry].join(','),
      MAX_TENANT_STORAGE_BYTES: String(quota),
    },
  });
  redis = connectRedis(service.config.redisUrl);
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const usage = async (tenant: string) =>
  createStores(redis, service.config.keyPrefix, tenant).usage.used();
const upload = (key: string) => http(service, 'POST', '/v1/datasets', rows, as(key));

async function waitFor(key: string, id: string, done: (job: any) => boolean) {
  for (;;) {
    const job = (await http(service, 'GET', `/v1/jobs/${id}`, undefined, as(key))).body;
    if (done(job)) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('MAX_TENANT_STORAGE_BYTES', () => {
  it('datasets count until deleted; past the quota an upload is a 413 that stores nothing', async () => {
    const first = await upload(alice.key);
    const second = await upload(alice.key);
    expect([first.status, second.status]).toEqual([201, 201]);
    const stored = first.body.bytes as number;
    expect(stored - 800).toBeGreaterThan(0);
    expect(stored - 800).toBeLessThan(200);
    expect(second.body.bytes).toBe(stored);
    expect(await usage('alice')).toBe(2 * stored);
    const refused = await upload(alice.key);
    expect(refused.status).toBe(413);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body.type).toBe('/problems/quota-exceeded');
    expect(refused.body.detail).toContain('MAX_TENANT_STORAGE_BYTES');
    expect(refused.body.detail).toContain(`stores ${2 * stored} bytes`);
    expect(refused.body.detail).toContain(`quota is ${quota} bytes`);
    expect(refused.body.detail).toContain('DELETE /v1/datasets/:id');
    expect(await usage('alice')).toBe(2 * stored);
    const keys = createStores(redis, service.config.keyPrefix, 'alice').keys;
    expect(await redis.keys(keys.dataset('*'))).toHaveLength(2);

    // another tenant has its own room
    expect((await upload(bob.key)).status).toBe(201);
    expect(await usage('bob')).toBe(stored);

    // a job with inline rows past the quota: 413, and no record, dataset or key stays
    const job = { network: { ...xorNetwork, inputSize: 3 }, dataset: rows, training: {} };
    const before = await redis.keys(`${keys.own}:*`);
    const inline = await http(service, 'POST', '/v1/jobs', job, {
      ...as(alice.key),
      'idempotency-key': 'over',
    });
    expect(inline.status).toBe(413);
    expect(inline.body.detail).toContain('storing this dataset (800 bytes)');
    expect((await redis.keys(`${keys.own}:*`)).sort()).toEqual(before.sort());

    const deleted = await http(
      service,
      'DELETE',
      `/v1/datasets/${first.body.id}`,
      undefined,
      as(alice.key),
    );
    expect(deleted.status).toBe(204);
    expect(await usage('alice')).toBe(stored);
    expect((await upload(alice.key)).status).toBe(201);
    expect(await usage('alice')).toBe(2 * stored);
  });

  it("a worker's model counts; a job when the quota is used up is refused", async () => {
    const keys = createStores(redis, service.config.keyPrefix, 'bob').keys;
    const dataset = await usage('bob'); // the dataset bob uploaded in the test before
    expect(dataset).toBeGreaterThan(800);
    expect(dataset).toBeLessThan(1000);
    const job = {
      network: xorNetwork,
      dataset: { generator: 'xor', samples: 8, seed: 1 },
      training: { epochs: 5, seed: 1 },
    };
    const id = (await http(service, 'POST', '/v1/jobs', job, as(bob.key))).body.id;
    const done = await waitFor(bob.key, id, (j) => j.status !== 'queued' && j.status !== 'running');
    expect(done.status).toBe('succeeded');
    // its record in Redis and its model file in the blob store
    const record = (await redis.get(keys.model(done.modelId)))!;
    const fileBytes = (JSON.parse(record) as { weights: { bytes: number } }).weights.bytes;
    expect(fileBytes).toBeGreaterThan(100);
    const modelBytes = Buffer.byteLength(record) + fileBytes;
    expect(modelBytes).toBeGreaterThan(500);
    expect(await usage('bob')).toBe(dataset + modelBytes);

    // bob is now past his quota (the model was stored after his job was let in)
    const refused = await http(service, 'POST', '/v1/jobs', job, as(bob.key));
    expect(refused.status).toBe(413);
    expect(refused.body.detail).toContain('a new job (it adds a model)');
    const deleted = await http(
      service,
      'DELETE',
      `/v1/models/${done.modelId}`,
      undefined,
      as(bob.key),
    );
    expect(deleted.status).toBe(204);
    expect(await usage('bob')).toBe(dataset);
    expect((await http(service, 'POST', '/v1/jobs', job, as(bob.key))).status).toBe(202);
  });
});
