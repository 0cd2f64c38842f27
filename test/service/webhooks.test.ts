// Jobs' webhooks end to end: the API and a worker process send a job's news to a loopback
// receiver, signed with the tenant's secret (checked with the reference verifier), retried until
// a receiver that fails twice takes it, epochs throttled, and never in training's way.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { newWebhookSecret } from '../../src/webhooks.js';
import {
  http,
  secondsLongJob,
  startService,
  type TestService,
  xorNetwork,
} from '../helpers/service.js';
import { verify } from '../helpers/standard-webhooks.js';

const alice = newApiKey('alice');
const bob = newApiKey('bob'); // has no webhook secret
const secret = newWebhookSecret();
const as = (key: string) => ({ authorization: `Bearer ${key}` });

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  payload: any;
}
const received = new Map<string, Received[]>(); // by path
let failDone = 2; // the first deliveries of job.done that the receiver answers 500
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    body += chunk;
  });
  req.on('end', () => {
    const path = req.url ?? '/';
    const payload = JSON.parse(body);
    received.set(path, [...(received.get(path) ?? []), { headers: req.headers, body, payload }]);
    if (path === '/hang') return; // never answers
    if (payload.type === 'job.done' && failDone > 0) {
      failDone -= 1;
      res.writeHead(500).end();
      return;
    }
    res.writeHead(204).end();
  });
});
let base = '';
let service: TestService;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = await startService({
    workers: 1,
    env: {
      API_KEYS: `${alice.entry},${bob.entry}`,
      WEBHOOK_SECRETS: `alice:${secret}`,
      WEBHOOK_BACKOFF_MS: '50',
      WEBHOOK_TIMEOUT_MS: '300',
      WEBHOOK_ALLOW_PRIVATE: '1', // the receiver is on 127.0.0.1
      WEBHOOK_EPOCH_INTERVAL_MS: '1000',
    },
  });
});

afterAll(async () => {
  await service?.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function until<T>(what: string, check: () => T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not seen after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const xorJob = (path: string, events?: string[]) => ({
  network: xorNetwork,
  dataset: { generator: 'xor' },
  training: { epochs: 3000, learningRate: 2, seed: 3 },
  webhook: { url: `${base}${path}`, ...(events ? { events } : {}) },
});

describe('a job with a webhook', () => {
  it('sends status, epoch and done events, signed, and a receiver that fails twice still gets done', async () => {
    const submitted = await http(
      service,
      'POST',
      '/v1/jobs',
      xorJob('/all', ['status', 'epoch', 'done', 'failed', 'cancelled']),
      as(alice.key),
    );
    expect(submitted.status).toBe(202);
    const jobId = submitted.body.id;
    const dones = await until('three tries of job.done', () => {
      const got = (received.get('/all') ?? []).filter((r) => r.payload.type === 'job.done');
      return got.length === 3 ? got : undefined;
    });
    const all = received.get('/all')!;
    // every request verifies with the reference verifier under alice's secret, and no other
    for (const r of all) {
      expect(verify(secret, r.headers, r.body)).toBe(true);
      expect(verify(newWebhookSecret(), r.headers, r.body)).toBe(false);
      expect(verify(secret, r.headers, r.body.replace('}', ',"x":1}'))).toBe(false);
      expect(r.headers['content-type']).toBe('application/json');
    }
    // the retried delivery kept its id: one message, three tries
    expect(new Set(dones.map((d) => d.headers['webhook-id'])).size).toBe(1);
    expect(dones[0]!.body).toBe(dones[2]!.body);
    const job = await http(service, 'GET', `/v1/jobs/${jobId}`, undefined, as(alice.key));
    expect(dones[2]!.payload).toMatchObject({
      type: 'job.done',
      data: { jobId, type: 'done', modelId: job.body.modelId },
    });
    expect(job.body.modelId).toEqual(expect.any(String));
    // status changes, each once and in order
    const statuses = all
      .filter((r) => r.payload.type === 'job.status')
      .map((r) => r.payload.data.status);
    expect(statuses).toEqual(['queued', 'running', 'succeeded']);
    // epochs: throttled to at most one a second, never all 3000
    const epochs = all.filter((r) => r.payload.type === 'job.epoch');
    expect(epochs.length).toBeGreaterThanOrEqual(1);
    expect(epochs.length).toBeLessThan(100);
    expect(epochs[0]!.payload.data).toMatchObject({ jobId, epoch: 1, error: expect.any(Number) });
    // distinct messages have distinct ids
    const ids = all
      .filter((r) => r.payload.type !== 'job.done')
      .map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
  }, 60_000);

  it('sends only the events asked for: a cancelled job tells "cancelled"', async () => {
    const job = secondsLongJob(5);
    const submitted = await http(
      service,
      'POST',
      '/v1/jobs',
      { ...job, webhook: { url: `${base}/cancel`, events: ['cancelled'] } },
      as(alice.key),
    );
    const jobId = submitted.body.id;
    for (;;) {
      const { body } = await http(service, 'GET', `/v1/jobs/${jobId}`, undefined, as(alice.key));
      if (body.progress.epoch >= 1) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const cancelled = await http(
      service,
      'POST',
      `/v1/jobs/${jobId}/cancel`,
      undefined,
      as(alice.key),
    );
    expect(cancelled.body.status).toBe('cancelled');
    const got = await until('job.cancelled', () => received.get('/cancel'));
    await new Promise((r) => setTimeout(r, 300)); // anything else would have come by now
    expect(received.get('/cancel')!.map((r) => r.payload.type)).toEqual(['job.cancelled']);
    expect(got[0]!.payload.data).toMatchObject({ jobId, type: 'cancelled' });
    expect(verify(secret, got[0]!.headers, got[0]!.body)).toBe(true);
  }, 60_000);

  it('never holds training up: a receiver that never answers does not keep the job from finishing', async () => {
    const submitted = await http(service, 'POST', '/v1/jobs', xorJob('/hang'), as(alice.key));
    const jobId = submitted.body.id;
    for (;;) {
      const { body } = await http(service, 'GET', `/v1/jobs/${jobId}`, undefined, as(alice.key));
      if (body.status === 'succeeded') break;
      expect(['queued', 'running']).toContain(body.status);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((received.get('/hang') ?? []).length).toBeGreaterThan(0); // it was asked, and hung
  }, 60_000);
});

describe('a webhook the service refuses', () => {
  it('needs a signing secret for the tenant', async () => {
    const res = await http(service, 'POST', '/v1/jobs', xorJob('/x'), as(bob.key));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'webhook', message: expect.stringContaining('WEBHOOK_SECRETS') },
    ]);
  });

  it('needs an http(s) URL and known events', async () => {
    for (const [webhook, path] of [
      [{ url: 'ftp://example.com/x' }, 'webhook.url'],
      [{ url: 'http://user:pw@127.0.0.1/x' }, 'webhook.url'],
      [{ url: '/relative' }, 'webhook.url'],
      [{ url: `${base}/x`, events: ['finished'] }, 'webhook.events.0'],
      [{ url: `${base}/x`, events: [] }, 'webhook.events'],
      [{ url: `${base}/x`, events: ['done', 'done'] }, 'webhook.events'],
      [{ url: `${base}/x`, secret: 'mine' }, 'webhook.secret'],
    ] as const) {
      const res = await http(
        service,
        'POST',
        '/v1/jobs',
        { ...xorJob('/x'), webhook },
        as(alice.key),
      );
      expect(res.status, JSON.stringify(webhook)).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });
});

describe('webhooks to private addresses (WEBHOOK_ALLOW_PRIVATE=0, the default)', () => {
  it('are refused at submission, naming webhook.url; a public address is taken', async () => {
    const strict = await startService({
      env: { API_KEYS: alice.entry, WEBHOOK_SECRETS: `alice:${secret}` },
    });
    try {
      for (const url of [
        'http://127.0.0.1:8080/hook',
        'http://[::1]/hook',
        'http://localhost/hook',
        'http://169.254.169.254/latest/meta-data',
        'https://10.0.0.7/hook',
        'http://[::ffff:192.168.0.1]/hook',
        // IPv6 forms that carry a private IPv4 address, and site-local (issue 12, defect 9)
        'http://[64:ff9b::127.0.0.1]/hook',
        'http://[2002:a9fe:a9fe::1]/latest/meta-data',
        'http://[::10.0.0.7]/hook',
        'http://[fec0::1]/hook',
      ]) {
        const res = await http(
          strict,
          'POST',
          '/v1/jobs',
          { ...xorJob('/x'), webhook: { url } },
          as(alice.key),
        );
        expect(res.status, url).toBe(400);
        expect(res.body.errors).toEqual([
          { path: 'webhook.url', message: expect.stringContaining('WEBHOOK_ALLOW_PRIVATE') },
        ]);
      }
      // no worker serves this service: nothing is ever sent to the address
      const ok = await http(
        strict,
        'POST',
        '/v1/jobs',
        { ...xorJob('/x'), webhook: { url: 'https://hooks.example.com/backprop' } },
        as(alice.key),
      );
      expect(ok.status).toBe(202);
      expect(ok.body.spec.webhook).toEqual({
        url: 'https://hooks.example.com/backprop',
        events: ['status', 'done', 'failed', 'cancelled'],
      });
    } finally {
      await strict.stop();
    }
  });
});
