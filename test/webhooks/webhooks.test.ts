// Webhook delivery against a real Redis and loopback receivers: every request verifies with a
// reference Standard Webhooks verifier written here (not src/webhooks.ts), failed attempts are
// retried under the same webhook-id, a silent receiver times out, a repeated id is one delivery,
// and a tenant without a secret fails once without retries.
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullConnection, connectRedis, deleteKeysUnder } from '../../src/store/redis.js';
import {
  createWebhookQueue,
  createWebhookWorker,
  enqueueWebhook,
  isPrivateAddress,
  newWebhookSecret,
  signWebhook,
  type WebhookDelivery,
} from '../../src/webhooks.js';
import { verify } from '../helpers/standard-webhooks.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bp:test:${randomBytes(4).toString('hex')}`;
const redis = connectRedis(redisUrl);
const secret = newWebhookSecret();
const secrets: Record<string, string> = { acme: secret };
const logged: { level: string; fields: object; message: string }[] = [];
const log = {
  info: (fields: object, message: string) => logged.push({ level: 'info', fields, message }),
  warn: (fields: object, message: string) => logged.push({ level: 'warn', fields, message }),
  error: (fields: object, message: string) => logged.push({ level: 'error', fields, message }),
};
const queue = createWebhookQueue(bullConnection(redisUrl), prefix, {
  attempts: 3,
  backoffMs: 50,
  timeoutMs: 200,
  keepSeconds: 60,
});
const worker = createWebhookWorker(
  bullConnection(redisUrl),
  prefix,
  (tenant) => secrets[tenant],
  log,
  { allowPrivate: true }, // the receivers are on 127.0.0.1
);

/** What each receiver path got, and how it answers the n-th request (0-based). */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}
const received = new Map<string, Received[]>();
const answers: Record<string, (n: number) => { status: number; location?: string } | null> = {
  '/ok': () => ({ status: 204 }),
  '/flaky': (n) => ({ status: n < 2 ? 500 : 200 }),
  '/silent': () => null,
  '/moved': () => ({ status: 302, location: '/ok' }),
};
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    body += chunk;
  });
  req.on('end', () => {
    const path = req.url ?? '/';
    const got = received.get(path) ?? [];
    got.push({ headers: req.headers, body });
    received.set(path, got);
    const answer = (answers[path] ?? answers['/ok'])(got.length - 1);
    if (!answer) return; // never answers
    res.writeHead(answer.status, answer.location ? { location: answer.location } : {});
    res.end();
  });
});
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await worker.close();
  await queue.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
});

let next = 0;
const delivery = (path: string, tenant = 'acme'): WebhookDelivery => {
  next += 1;
  const id = `msg_${randomBytes(6).toString('hex')}`;
  return {
    id,
    tenant,
    url: `${base}${path}`,
    body: JSON.stringify({ event: 'job.done', n: next }),
  };
};

/** Polls until the delivery's job has completed or failed for good, then returns it. */
async function settled(id: string) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const state = await queue.getJobState(id);
    // read the job after its state: one read before might predate the attempt that settled it
    if (state === 'completed' || state === 'failed')
      return { job: (await queue.getJob(id))!, state };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`delivery ${id} did not settle`);
}

describe('signWebhook', () => {
  it('matches the Standard Webhooks reference test vector', () => {
    const signature = signWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': `v1,bm9wZQ== ${signature}`,
    };
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(verify(secret, headers, '{"test": 2432232314}', 1614265330)).toBe(true);
    expect(verify(secret, headers, '{"test": 2432232314}', 1614265330 + 301)).toBe(false);
  });

  it('makes secrets of 24 random bytes', () => {
    const one = newWebhookSecret();
    expect(one).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(one.slice(6), 'base64')).toHaveLength(24);
    expect(newWebhookSecret()).not.toBe(one);
  });
});

describe('webhook delivery', () => {
  it('signs what it sends so the reference verifier accepts it, and only it', async () => {
    const sent = delivery('/ok');
    await enqueueWebhook(queue, sent);
    const { job, state } = await settled(sent.id);
    expect(state).toBe('completed');
    expect(job.attemptsMade).toBe(1);
    const [got] = received.get('/ok') ?? [];
    expect(got.body).toBe(sent.body);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-id']).toBe(sent.id);
    expect(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    expect(verify(secret, got.headers, got.body)).toBe(true);
    expect(verify(secret, got.headers, got.body.replace('job.done', 'job.gone'))).toBe(false);
    expect(verify(newWebhookSecret(), got.headers, got.body)).toBe(false);
    expect(verify(secret, { ...got.headers, 'webhook-id': 'msg_other' }, got.body)).toBe(false);
  });

  it('retries a failing receiver under the same webhook-id, signed afresh each time', async () => {
    const sent = delivery('/flaky');
    await enqueueWebhook(queue, sent);
    const { job, state } = await settled(sent.id);
    expect(state).toBe('completed');
    expect(job.attemptsMade).toBe(3);
    const got = received.get('/flaky') ?? [];
    expect(got).toHaveLength(3);
    for (const request of got) {
      expect(request.headers['webhook-id']).toBe(sent.id);
      expect(request.body).toBe(sent.body);
      expect(verify(secret, request.headers, request.body)).toBe(true);
    }
    const warned = logged.filter((entry) => entry.level === 'warn');
    expect(warned.filter((entry) => JSON.stringify(entry.fields).includes(sent.id))).toHaveLength(
      2,
    );
  });

  it('gives up on a receiver that never answers after the timeout, attempt by attempt', async () => {
    const started = Date.now();
    const sent = delivery('/silent');
    await enqueueWebhook(queue, sent);
    const { job, state } = await settled(sent.id);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(3);
    expect(job.failedReason).toMatch(/timeout|abort/i);
    expect(received.get('/silent')).toHaveLength(3);
    // three 200 ms timeouts and two short backoffs, not a hang
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const before = received.get('/ok')?.length ?? 0;
    const sent = delivery('/moved');
    await enqueueWebhook(queue, sent);
    const { job, state } = await settled(sent.id);
    expect(state).toBe('failed');
    expect(job.failedReason).toMatch(/302/);
    expect(received.get('/moved')).toHaveLength(3);
    expect(received.get('/ok')?.length ?? 0).toBe(before);
  });

  it('delivers an id enqueued twice once, with the first body', async () => {
    const sent = delivery('/once');
    await Promise.all([
      enqueueWebhook(queue, sent),
      enqueueWebhook(queue, { ...sent, body: '{"second":true}' }),
    ]);
    expect((await settled(sent.id)).state).toBe('completed');
    // re-sent after it was delivered (a producer that crashed before noting it)
    await enqueueWebhook(queue, { ...sent, body: '{"third":true}' });
    expect(await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')).toBe(0);
    const got = received.get('/once') ?? [];
    expect(got).toHaveLength(1);
    expect(got[0].body).toBe(sent.body);
  });

  it('fails a delivery for a tenant without a secret once, without retries', async () => {
    const sent = delivery('/nobody', 'nobody');
    await enqueueWebhook(queue, sent);
    const { job, state } = await settled(sent.id);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/no webhook secret/);
    expect(received.get('/nobody')).toBeUndefined();
    expect(logged).toContainEqual({
      level: 'error',
      fields: { webhookId: sent.id, tenant: 'nobody' },
      message: 'webhook not sent: tenant has no secret',
    });
  });

  it("refuses an id with ':' (BullMQ lets 'a:b:c' through)", async () => {
    for (const id of ['a:b', 'a:b:c', ''])
      await expect(enqueueWebhook(queue, { ...delivery('/ok'), id })).rejects.toThrow(/':'/);
    expect(await queue.getJob('a:b:c')).toBeUndefined();
  });
});

describe('private addresses', () => {
  it('knows loopback, private, link-local and reserved ranges, IPv4 and IPv6', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.0.9',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect(isPrivateAddress(address), address).toBe(false);
  });

  it('reaches none unless allowed: by address, or by a name that resolves to one', async () => {
    // this machine's own name resolves to a private address (a precondition, checked here)
    const name = hostname();
    const resolved = await lookup(name);
    expect(isPrivateAddress(resolved.address)).toBe(true);
    const strictPrefix = `${prefix}:strict`;
    const strictQueue = createWebhookQueue(bullConnection(redisUrl), strictPrefix, {
      attempts: 3,
      backoffMs: 50,
      timeoutMs: 500,
      keepSeconds: 60,
    });
    const strict = createWebhookWorker(bullConnection(redisUrl), strictPrefix, () => secret, log);
    try {
      const port = new URL(base).port;
      for (const url of [
        `http://127.0.0.1:${port}/private`,
        `http://[::1]:${port}/private`,
        `http://localhost:${port}/private`,
        `http://${name}:${port}/private`,
      ]) {
        const sent = { ...delivery('/private'), url };
        await enqueueWebhook(strictQueue, sent);
        const deadline = Date.now() + 10_000;
        while ((await strictQueue.getJobState(sent.id)) !== 'failed' && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        // read after the state, so the job's record is the one that failed
        const job = await strictQueue.getJob(sent.id);
        expect(await job!.getState(), url).toBe('failed');
        expect(job!.attemptsMade, url).toBe(1); // refused for good, not retried
        expect(job!.failedReason).toMatch(/private address/);
      }
      expect(received.get('/private')).toBeUndefined();
    } finally {
      await strict.close();
      await strictQueue.close();
    }
  });
});
