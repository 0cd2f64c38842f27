// Download and import of the native model file over real HTTP with real Redis: a downloaded
// file imported again predicts exactly as the original (the answers' JSON text equal), a damaged
// file is a 400 that stores nothing, and a tenant reaches only its own models.
import type { Redis } from 'ioredis';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { fromLabels } from '../../src/data/index.js';
import { decodeModelFile, modelFileType } from '../../src/spec/index.js';
import { connectRedis } from '../../src/store/index.js';
import { irisCsv } from '../helpers/iris.js';
import { startService, storeTrainedModel, type TestService } from '../helpers/service.js';
import { classifierDocument, storeDocument } from '../helpers/table-model.js';

const alice = newApiKey('alice');
const bob = newApiKey('bob');
const as = (key: string) => ({ authorization: `Bearer ${key}` });

let service: TestService;
let redis: Redis;
let matrixId: string;
let tableId: string;
const iris = { train: irisCsv('train'), test: irisCsv('test') };

beforeAll(async () => {
  service = await startService({
    env: { API_KEYS: [alice.entry, bob.entry].join(','), MAX_DATASET_BYTES: '20000' },
  });
  redis = connectRedis(service.config.redisUrl);
  const species = ['setosa', 'versicolor', 'virginica'];
  const data = fromLabels(
    iris.train.rows,
    iris.train.labels.map((l) => species[l]!),
  );
  const network = {
    inputSize: 4,
    layers: [
      { units: 8, activation: 'tanh' as const },
      { units: 3, activation: 'softmax' as const },
    ],
    divergence: 'cross_entropy' as const,
  };
  matrixId = (await storeTrainedModel(service, network, data, { epochs: 30, seed: 7 }, 'alice')).id;
  tableId = await storeDocument(service, classifierDocument(), 'alice');
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

async function download(id: string, key = alice.key, query = '') {
  const response = await fetch(`${service.url}/v1/models/${id}/download${query}`, {
    headers: as(key),
  });
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function upload(bytes: Uint8Array, key = alice.key, type = modelFileType, query = '') {
  const response = await fetch(`${service.url}/v1/models${query}`, {
    method: 'POST',
    headers: { ...as(key), 'content-type': type },
    body: bytes,
  });
  return { response, body: (await response.json()) as any };
}

// The answer's text, so that equal means equal to the last digit of every number.
async function predictText(id: string, body: unknown, key = alice.key) {
  const response = await fetch(`${service.url}/v1/models/${id}/predict`, {
    method: 'POST',
    headers: { ...as(key), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.text();
}

const keysNow = async () => (await redis.keys(`${service.config.keyPrefix}:*`)).sort();
const usageNow = () => redis.hgetall(`${service.config.keyPrefix}:t:alice:usage`);

describe('GET /v1/models/:id/download', () => {
  it('answers the model file, as an attachment with a file name', async () => {
    const { response, bytes } = await download(matrixId);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(modelFileType);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="${matrixId}.bpmodel"`,
    );
    const original = (await (
      await fetch(`${service.url}/v1/models/${matrixId}`, { headers: as(alice.key) })
    ).json()) as Record<string, unknown>;
    const { id: _id, jobId: _job, lineage: _lineage, ...expected } = original;
    const { format, ...doc } = decodeModelFile(bytes);
    expect(format).toBe('backprop-model/1');
    expect(doc).toEqual(expected);
  });

  it('accepts format=backprop or onnx and refuses any other format or query key, naming it', async () => {
    expect((await download(matrixId, alice.key, '?format=backprop')).response.status).toBe(200);
    for (const query of ['?format=pmml', '?format=', '?as=file']) {
      const { response, bytes } = await download(matrixId, alice.key, query);
      expect(response.status, query).toBe(400);
      const problem = JSON.parse(new TextDecoder().decode(bytes));
      expect(problem.errors[0].path, query).toBe(
        query.startsWith('?format') ? 'query.format' : 'query.as',
      );
    }
    const { bytes } = await download(matrixId, alice.key, '?format=pmml');
    expect(JSON.parse(new TextDecoder().decode(bytes)).detail).toBe(
      'query.format: must be backprop or onnx',
    );
  });

  it("answers ONNX that onnxruntime runs to the service's own probabilities", async () => {
    const { response, bytes } = await download(matrixId, alice.key, '?format=onnx');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/onnx');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="${matrixId}.onnx"`,
    );
    const session = await InferenceSession.create(bytes);
    const rows = iris.test.rows;
    const input = new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4]);
    const onnx = await session.run({ input });
    const answer = JSON.parse(await predictText(matrixId, { inputs: rows }));
    const probabilities = onnx.probabilities!.data as Float32Array;
    answer.outputs.flat().forEach((p: number, i: number) => {
      expect(Math.abs(probabilities[i]! - p)).toBeLessThan(1e-5);
    });
    expect(Array.from(onnx.label!.data as string[])).toEqual(answer.classes);
  });

  it('is a 422 naming the column ONNX cannot express, never a wrong file', async () => {
    const { response, bytes } = await download(tableId, alice.key, '?format=onnx');
    expect(response.status).toBe(422);
    const problem = JSON.parse(new TextDecoder().decode(bytes));
    expect(problem.detail).toMatch(/column "Year" is a datetime/);
  });

  it("is a 404 for a model that is not there, and for another tenant's model", async () => {
    expect((await download('nosuchmodel')).response.status).toBe(404);
    const { response, bytes } = await download(matrixId, bob.key);
    expect(response.status).toBe(404);
    expect(JSON.parse(new TextDecoder().decode(bytes)).detail).toBe(
      `no model has id or name ${matrixId}`,
    );
  });
});

describe('POST /v1/models (import)', () => {
  it('imports a downloaded matrix model that predicts exactly as the original', async () => {
    const { bytes } = await download(matrixId);
    const { response, body } = await upload(bytes, alice.key, modelFileType, '?name=iris');
    expect(response.status).toBe(201);
    expect(body.id).not.toBe(matrixId);
    expect(response.headers.get('location')).toBe(`/v1/models/${body.id}`);
    expect(body.jobId).toBeUndefined();
    expect(Date.parse(body.importedAt)).toBeGreaterThan(Date.now() - 60_000);
    const inputs = { inputs: iris.test.rows };
    const original = await predictText(matrixId, inputs);
    expect(await predictText(body.id, inputs)).toBe(original);
    expect(JSON.parse(original).classes).toHaveLength(iris.test.rows.length);
    // and it downloads again to the same file
    expect((await download(body.id)).bytes).toEqual(bytes);
  });

  it('imports a table model (as application/octet-stream) that answers records exactly', async () => {
    const { bytes } = await download(tableId);
    const { response, body } = await upload(bytes, alice.key, 'application/octet-stream');
    expect(response.status).toBe(201);
    expect(body.columns.map((c: { name: string }) => c.name)).toEqual([
      'Horsepower',
      'Origin',
      'Year',
    ]);
    const records = {
      records: [
        { Horsepower: 130, Origin: 'USA', Year: '1970-01-01' },
        { Horsepower: 'NA', Origin: 'Japan', Year: '1982-06-15' },
        { Origin: 'Germany' },
      ],
    };
    const original = await predictText(tableId, records);
    expect(await predictText(body.id, records)).toBe(original);
  });

  it('refuses a truncated or corrupt file with a 400 naming it, and stores nothing', async () => {
    const { bytes } = await download(matrixId);
    const keys = await keysNow();
    const usage = await usageNow();
    const flipped = bytes.slice();
    flipped[bytes.length - 60]! ^= 0x10;
    const cases: [Uint8Array, RegExp][] = [
      [bytes.subarray(0, 100), /^is truncated: 100 bytes where its preamble promises/],
      [bytes.subarray(0, bytes.length - 1), /^is truncated/],
      [flipped, /^is corrupt: its SHA-256 checksum does not match/],
      [new TextEncoder().encode('{"format": "backprop-model/1"}'), /looks like JSON/],
      [new Uint8Array(0), /^is not a backprop model file/],
    ];
    for (const [file, message] of cases) {
      const { response, body } = await upload(file);
      expect(response.status).toBe(400);
      expect(body.errors).toEqual([{ path: '', message: expect.stringMatching(message) }]);
    }
    expect(await keysNow()).toEqual(keys);
    expect(await usageNow()).toEqual(usage);
  });

  it('refuses a JSON body (415), a bad name and unknown query keys (400)', async () => {
    const json = await upload(new TextEncoder().encode('{}'), alice.key, 'application/json');
    expect(json.response.status).toBe(415);
    expect(json.body.detail).toMatch(/send the downloaded file as application\/vnd.backprop.model/);
    const text = await upload(new Uint8Array(4), alice.key, 'text/plain');
    expect(text.response.status).toBe(415);
    const { bytes } = await download(matrixId);
    const unknown = await upload(bytes, alice.key, modelFileType, '?label=x');
    expect(unknown.response.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('query.label');
    const badName = await upload(bytes, alice.key, modelFileType, '?name=a%20b');
    expect(badName.response.status).toBe(400);
    expect(badName.body.errors[0].path).toBe('query.name');
  });

  it('refuses a body past MAX_DATASET_BYTES with a 413 naming the limit, and stores nothing', async () => {
    const keys = await keysNow();
    const { response, body } = await upload(new Uint8Array(20_001));
    expect(response.status).toBe(413);
    expect(body.detail).toBe('the body is larger than the limit of 20000 bytes');
    expect(await keysNow()).toEqual(keys);
  });

  it("imports into the importer's tenant only", async () => {
    const { bytes } = await download(matrixId);
    const { response, body } = await upload(bytes, bob.key);
    expect(response.status).toBe(201);
    expect((await download(body.id, bob.key)).response.status).toBe(200);
    expect((await download(body.id, alice.key)).response.status).toBe(404);
  });
});

describe('POST /v1/models past the tenant storage quota', () => {
  it('is a 413 naming the quota, and stores nothing', async () => {
    const small = await startService({ env: { MAX_TENANT_STORAGE_BYTES: '1000' } });
    try {
      const { bytes } = await download(matrixId);
      // the tenant's keys (the queues write their own meta keys whenever they connect)
      const tenantKeys = async () =>
        (await redis.keys(`${small.config.keyPrefix}:tenant:*`)).sort();
      const keys = await tenantKeys();
      const response = await fetch(`${small.url}/v1/models`, {
        method: 'POST',
        headers: { 'content-type': modelFileType },
        body: bytes,
      });
      expect(response.status).toBe(413);
      const body = (await response.json()) as { detail: string };
      expect(body.detail).toMatch(/importing this model \(\d+ bytes\) would pass it/);
      expect(body.detail).toContain('MAX_TENANT_STORAGE_BYTES');
      expect(await tenantKeys()).toEqual(keys);
    } finally {
      await small.stop();
    }
  });
});
