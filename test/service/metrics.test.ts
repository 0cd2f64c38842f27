// /metrics: a real job trained by a real worker process, predictions, and the exposition text
// parsed and checked number by number — epochs counted once each by the worker, histograms
// cumulative, routes by pattern. Admin tenants only. Real API, worker and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { http, startService, type TestService, xorNetwork } from '../helpers/service.js';

const ops = newApiKey('ops'); // an admin tenant
const alice = newApiKey('alice');
const as = (key: string) => ({ authorization: `Bearer ${key}` });

const epochs = 50;
const xorJob = {
  network: xorNetwork,
  dataset: { generator: 'xor' },
  training: { epochs, learningRate: 2, seed: 3, tolerance: 0 }, // never converges early
};

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (0.0.4); comments and blank lines skipped. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[name!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value =
      match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : Number(match[3]);
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** The samples named `name` whose labels include `labels`. */
function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/** The one sample named `name` with `labels`' values (its value; fails if not exactly one). */
function valueIn(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = find(samples, name, labels);
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0]!.value;
}

let service: TestService;

async function scrape(key = ops.key): Promise<Sample[]> {
  const response = await fetch(`${service.url}/metrics`, { headers: as(key) });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

beforeAll(async () => {
  service = await startService({
    workers: 1,
    env: { API_KEYS: [ops.entry, alice.entry].join(','), ADMIN_TENANTS: 'ops' },
  });
}, 60_000);

afterAll(async () => {
  await service?.stop();
});

describe('/metrics access', () => {
  it('refuses a request without a key: 401 problem+json with WWW-Authenticate', async () => {
    const response = await fetch(`${service.url}/metrics`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('refuses a tenant that is not an admin: 403 problem+json naming ADMIN_TENANTS', async () => {
    const { status, body, headers } = await http(
      service,
      'GET',
      '/metrics',
      undefined,
      as(alice.key),
    );
    expect(status).toBe(403);
    expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(body.detail).toMatch(/ADMIN_TENANTS/);
  });

  it('does not take the key from ?access_token= (that is for browsers, on their routes)', async () => {
    const response = await fetch(`${service.url}/metrics?access_token=${ops.key}`);
    expect(response.status).toBe(401);
  });
});

describe('/metrics after a job and some predictions', () => {
  let before: Sample[];
  let after: Sample[];
  let jobId = '';
  const predictions = 3;

  beforeAll(async () => {
    before = await scrape();
    const submitted = await http(service, 'POST', '/v1/jobs', xorJob, as(alice.key));
    expect(submitted.status).toBe(202);
    jobId = submitted.body.id;
    const deadline = Date.now() + 30_000;
    let job: any;
    for (;;) {
      job = (await http(service, 'GET', `/v1/jobs/${jobId}`, undefined, as(alice.key))).body;
      if (job.status === 'succeeded') break;
      if (job.status === 'failed' || Date.now() > deadline) throw new Error(`job ${job.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job.progress.epoch).toBe(epochs);
    const predict = (inputs: number[][]) =>
      http(service, 'POST', `/v1/models/${job.modelId}/predict`, { inputs }, as(alice.key));
    for (let i = 0; i < predictions; i++) expect((await predict([[0, 1]])).status).toBe(200);
    expect((await predict([[0, 1, 2]])).status).toBe(400); // a refused one is not a prediction
    expect((await http(service, 'GET', '/v1/no-such-route', undefined, as(alice.key))).status).toBe(
      404,
    );
    after = await scrape();
  }, 60_000);

  it('counts every epoch the worker trained, once: backprop_epochs_total', () => {
    expect(valueIn(after, 'backprop_epochs_total') - valueIn(before, 'backprop_epochs_total')).toBe(
      epochs,
    );
  });

  it('has each epoch in the duration histogram: cumulative buckets, +Inf = _count', () => {
    const name = 'backprop_epoch_duration_seconds';
    const count = valueIn(after, `${name}_count`) - valueIn(before, `${name}_count`);
    expect(count).toBe(epochs);
    const buckets = find(after, `${name}_bucket`);
    expect(buckets.length).toBeGreaterThan(5);
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    expect(buckets.at(-1)!.value).toBe(valueIn(after, `${name}_count`));
    const bounds = buckets.map((b) => Number(b.labels.le));
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b));
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    // xor's 4 rows: every epoch well under a second, and all of them took some time
    expect(valueIn(after, `${name}_bucket`, { le: '1' })).toBe(epochs);
    const sum = valueIn(after, `${name}_sum`);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(epochs);
  });

  it('reports jobs by state over every tenant, with no tenant label', () => {
    expect(valueIn(after, 'backprop_jobs', { state: 'succeeded' })).toBeGreaterThanOrEqual(1);
    for (const state of ['queued', 'running', 'failed', 'cancelled'])
      expect(valueIn(after, 'backprop_jobs', { state })).toBe(0);
    expect(find(after, 'backprop_jobs').every((s) => !('tenant' in s.labels))).toBe(true);
  });

  it('reports both BullMQ queues by state', () => {
    for (const queue of ['training', 'webhooks'])
      for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed'])
        expect(valueIn(after, 'backprop_queue_jobs', { queue, state })).toBeGreaterThanOrEqual(0);
    // our record says succeeded a moment before BullMQ moves the job to completed
    const training = (state: string) =>
      valueIn(after, 'backprop_queue_jobs', { queue: 'training', state });
    expect(training('completed') + training('active')).toBe(1);
    expect(valueIn(after, 'backprop_queue_jobs', { queue: 'training', state: 'waiting' })).toBe(0);
  });

  it('times requests by route pattern, never by URL; an unknown path is "unmatched"', () => {
    const name = 'backprop_http_request_duration_seconds';
    const polls = { method: 'GET', route: '/v1/jobs/:id', status_code: '200' };
    expect(valueIn(after, `${name}_count`, polls)).toBeGreaterThanOrEqual(1);
    expect(valueIn(after, `${name}_bucket`, { ...polls, le: '+Inf' })).toBe(
      valueIn(after, `${name}_count`, polls),
    );
    const predict = { method: 'POST', route: '/v1/models/:id/predict' };
    expect(valueIn(after, `${name}_count`, { ...predict, status_code: '200' })).toBe(predictions);
    expect(valueIn(after, `${name}_count`, { ...predict, status_code: '400' })).toBe(1);
    expect(valueIn(after, `${name}_count`, { route: 'unmatched', status_code: '404' })).toBe(1);
    const routes = new Set(find(after, `${name}_count`).map((s) => s.labels.route));
    expect([...routes].some((route) => route!.includes(jobId))).toBe(false);
  });

  it('times each successful prediction: backprop_predict_duration_seconds', () => {
    const name = 'backprop_predict_duration_seconds';
    expect(valueIn(after, `${name}_count`) - valueIn(before, `${name}_count`)).toBe(predictions);
    expect(valueIn(after, `${name}_sum`)).toBeGreaterThan(0);
  });

  it("includes the process's default metrics", () => {
    expect(find(after, 'process_cpu_user_seconds_total')).toHaveLength(1);
    expect(find(after, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
  });
});
