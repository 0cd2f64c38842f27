// The BullMQ board at /admin/queues: every route of it (the page, its API, its static files)
// for admin tenants only, by header, by ?access_token= once (which becomes a cookie scoped to
// the board) or by that cookie; read-only. Real API and Redis; no worker, so a job waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { newApiKey } from '../../src/api/auth.js';
import { loadConfig } from '../../src/config.js';
import { connectRedis, deleteKeysUnder } from '../../src/store/index.js';
import { startService, type TestService } from '../helpers/service.js';

const ops = newApiKey('ops'); // an admin tenant
const alice = newApiKey('alice');
const as = (key: string) => ({ authorization: `Bearer ${key}` });

const page = '/admin/queues';
const routes = [
  page,
  `${page}/`,
  `${page}/queue/training`,
  `${page}/api/queues`,
  `${page}/static/favicon-32x32.png`,
];

const tinyJob = {
  network: {
    inputSize: 2,
    layers: [{ units: 1, activation: 'sigmoid' }],
    divergence: 'binary_cross_entropy',
  },
  dataset: { generator: 'xor' },
  training: { epochs: 1, seed: 1 },
};

let service: TestService;

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(service.url + path, { headers, redirect: 'manual' });

beforeAll(async () => {
  service = await startService({
    env: { API_KEYS: [ops.entry, alice.entry].join(','), ADMIN_TENANTS: 'ops' },
  });
  const job = await fetch(`${service.url}/v1/jobs`, {
    method: 'POST',
    headers: { ...as(alice.key), 'content-type': 'application/json' },
    body: JSON.stringify(tinyJob),
  });
  expect(job.status).toBe(202);
});

afterAll(async () => {
  await service?.stop();
});

describe('who may see the board', () => {
  it('refuses every route without a key: 401 problem+json with WWW-Authenticate', async () => {
    for (const route of routes) {
      const response = await get(route);
      expect(response.status, route).toBe(401);
      expect(response.headers.get('content-type'), route).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('www-authenticate'), route).toMatch(/^Bearer/);
    }
  });

  it('refuses every route to a tenant that is not an admin: 403 problem+json', async () => {
    for (const route of routes) {
      const response = await get(route, as(alice.key));
      expect(response.status, route).toBe(403);
      const body = (await response.json()) as { detail: string };
      expect(body.detail, route).toMatch(/alice is not one \(ADMIN_TENANTS\)/);
    }
  });

  it('serves an admin the page, its API and its files', async () => {
    for (const route of routes) expect((await get(route, as(ops.key))).status, route).toBe(200);
    const html = await get(page, as(ops.key));
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain(`<base href="${page}/"`);
  });

  it('shows both queues, read-only, with the waiting job', async () => {
    const response = await get(`${page}/api/queues`, as(ops.key));
    type BoardQueue = { name: string; readOnlyMode: boolean; counts: Record<string, number> };
    const { queues } = (await response.json()) as { queues: BoardQueue[] };
    const byName = new Map(queues.map((q) => [q.name, q]));
    expect([...byName.keys()].sort()).toEqual(['training', 'webhooks']);
    const training = byName.get('training')!;
    expect(training.readOnlyMode).toBe(true);
    expect(training.counts.waiting).toBe(1);
    expect(byName.get('webhooks')!.readOnlyMode).toBe(true);
  });

  it('changes nothing: pausing a queue is refused and the queue runs on', async () => {
    const response = await fetch(`${service.url}${page}/api/queues/training/pause`, {
      method: 'PUT',
      headers: as(ops.key),
    });
    expect(response.status).toBe(405);
    expect(await service.app.services.queue.isPaused()).toBe(false);
  });
});

describe("the board's own errors", () => {
  type Answer = { status: number; detail: string; errors?: unknown; error: { key: string } };
  async function refused(method: string, path: string): Promise<Answer> {
    const response = await fetch(service.url + path, { method, headers: as(ops.key) });
    expect(response.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
    const body = (await response.json()) as Answer;
    expect(body.status, path).toBe(response.status);
    return body;
  }

  it('are problem+json naming what is wrong, its key kept for the board page', async () => {
    const noQueue = await refused('GET', `${page}/api/queues/nope/1`);
    expect(noQueue).toMatchObject({ status: 404, error: { key: 'ERRORS.QUEUE_NOT_FOUND' } });
    expect(noQueue.detail).toBe(
      'the queue board has no queue named "nope": its queues are training and webhooks',
    );
    const noJob = await refused('GET', `${page}/api/queues/training/no-such-job`);
    expect(noJob).toMatchObject({ status: 404, error: { key: 'ERRORS.JOB_NOT_FOUND' } });
    expect(noJob.detail).toBe(
      'the queue training has no job "no-such-job": the board lists its jobs',
    );
    const readOnly = await refused('PUT', `${page}/api/queues/training/pause`);
    expect(readOnly).toMatchObject({ status: 405, title: 'Method not allowed' });
    expect(readOnly.detail).toMatch(/^the queue board is read-only: cancel a job with POST/);
  });

  it('name the field of a query it refuses', async () => {
    const badPage = await refused('GET', `${page}/api/queues?page=abc`);
    expect(badPage).toMatchObject({ status: 400, title: 'Invalid request' });
    expect(badPage.errors).toEqual([
      { path: 'query.page', message: 'is not a value the queue board takes' },
    ]);
  });
});

describe('the key from a browser: ?access_token= once, then a cookie', () => {
  it('takes an admin key from the query, keeps it in an HttpOnly cookie and drops it from the URL', async () => {
    const response = await get(`${page}/queue/training?access_token=${ops.key}`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${page}/queue/training`);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie.split('; ').sort()).toEqual(
      ['HttpOnly', `Path=${page}`, 'SameSite=Strict', `bp_token=${ops.key}`].sort(),
    );
    const headers = { cookie: `other=1; bp_token=${ops.key}` };
    for (const route of routes) {
      const followed = await get(route, headers);
      expect(followed.status, route).toBe(200);
      expect(followed.headers.get('set-cookie'), route).toBeNull();
    }
  });

  it("sets no cookie for a non-admin's key or a wrong one", async () => {
    for (const [key, status] of [
      [alice.key, 403],
      [`${ops.key}x`, 401],
    ] as const) {
      const response = await get(`${page}?access_token=${key}`);
      expect(response.status).toBe(status);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
  });

  it("refuses a non-admin's cookie (403) and a wrong one (401)", async () => {
    expect((await get(`${page}/api/queues`, { cookie: `bp_token=${alice.key}` })).status).toBe(403);
    expect((await get(`${page}/api/queues`, { cookie: `bp_token=${ops.key}x` })).status).toBe(401);
    expect((await get(`${page}/api/queues`, { cookie: `bp_token2=${ops.key}` })).status).toBe(401);
  });

  it('is a key for the board only: the rest of the API does not take the cookie', async () => {
    expect((await get('/v1/jobs', { cookie: `bp_token=${ops.key}` })).status).toBe(401);
    expect((await get('/metrics', { cookie: `bp_token=${ops.key}` })).status).toBe(401);
  });
});

describe('in development mode (no API_KEYS)', () => {
  it('shows the board to anyone on the loopback, and sets no cookie', async () => {
    const config = loadConfig({
      ...process.env,
      KEY_PREFIX: `${service.config.keyPrefix}:dev`,
      API_KEYS: '',
      LOG_LEVEL: 'silent',
    });
    const app = await buildApp({ config });
    try {
      const response = await app.inject({ url: `${page}?access_token=anything` });
      expect(response.statusCode).toBe(200);
      expect(response.headers['set-cookie']).toBeUndefined();
      expect((await app.inject({ url: `${page}/api/queues` })).statusCode).toBe(200);
    } finally {
      await app.close();
      const redis = connectRedis(config.redisUrl);
      await deleteKeysUnder(redis, config.keyPrefix);
      await redis.quit();
    }
  });
});
