// The service as it runs on many machines (issue 16): the API and a worker process share Redis and
// an S3-compatible bucket (s3rver of this test's own, over HTTP with real signatures) and nothing
// else. A big CSV streams into the bucket, the worker reads it from there into a dataset file in
// the bucket, a job trains on it and its model file goes there; the model predicts and downloads;
// deleting the dataset and the model leaves the bucket's store empty (no orphans: it is listed).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, s3Server } from '../helpers/s3-server.js';
import { http, startService, type TestService, waitForJob } from '../helpers/service.js';

const cars = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');
const keys = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
];
const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));

let s3: S3Server;
let service: TestService;
// the objects the store holds under <prefix>sha256/ (s3rver keeps three files an object)
const stored = () => {
  try {
    const dir = join(s3.dir, s3.bucket, 'deploy', 'sha256');
    return readdirSync(dir).filter((f) => f.endsWith('._S3rver_object'));
  } catch {
    return [];
  }
};

beforeAll(async () => {
  s3 = await s3Server('backprop-deploy');
  // the SDK reads its keys from the environment: the API here and the worker process alike
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  service = await startService({
    env: {
      BLOB_URL: `s3://${s3.bucket}/deploy`,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: 'us-east-1',
      DATASET_INLINE_BYTES: '1024',
    },
    workers: 1,
  });
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await s3?.remove();
  for (const k of keys) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('API and worker sharing Redis and an S3 bucket', () => {
  it('a big upload, a job on it, its model: all bytes in the bucket, none left once deleted', async () => {
    const upload = await fetch(`${service.url}/v1/datasets?label=Miles_per_Gallon`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: cars,
    });
    expect(upload.status).toBe(202);
    const { id } = (await upload.json()) as { id: string };
    let meta: { status: string; rows?: number; bytes?: number } = { status: 'processing' };
    for (let i = 0; i < 400 && meta.status === 'processing'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      meta = (await http(service, 'GET', `/v1/datasets/${id}`)).body;
    }
    expect(meta).toMatchObject({ status: 'ready', rows: 398 });
    // the raw upload goes from the bucket just after the dataset is ready (the record switches
    // first, so a crash between the two never loses the upload of a dataset still processing)
    await expect.poll(stored, { timeout: 10_000 }).toHaveLength(1);

    const submitted = await http(service, 'POST', '/v1/jobs', {
      dataset: { id },
      training: { epochs: 5, seed: 1 },
    });
    expect(submitted.status).toBe(202);
    const done = await waitForJob(
      service,
      submitted.body.id,
      (j) => j.status !== 'queued' && j.status !== 'running',
    );
    expect(done.status).toBe('succeeded');
    expect(stored()).toHaveLength(2); // the dataset file and the model file

    const predicted = await http(service, 'POST', `/v1/models/${done.modelId}/predict`, {
      records: [
        { Cylinders: 4, Horsepower: 90, Weight_in_lbs: 2200, Year: '1980-01-01', Origin: 'Japan' },
      ],
    });
    expect(predicted.status).toBe(200);
    expect(Number.isFinite(predicted.body.outputs[0][0])).toBe(true);
    const download = await fetch(`${service.url}/v1/models/${done.modelId}/download`);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(100);

    expect((await http(service, 'DELETE', `/v1/datasets/${id}`)).status).toBe(204);
    expect(stored()).toHaveLength(1);
    expect((await http(service, 'DELETE', `/v1/models/${done.modelId}`)).status).toBe(204);
    expect(stored()).toEqual([]);
  });
});
