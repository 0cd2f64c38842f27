// Liveness, readiness (against the real Redis, and against a port nobody listens on), the OpenAPI
// 3.1 document listing every /v1 route, and the docs page.
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { startService, type TestService } from '../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service?.stop());

/** A local port that was free a moment ago: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

// Every route under /v1, as OpenAPI writes it.
const v1Routes = [
  'post /v1/datasets',
  'get /v1/datasets',
  'get /v1/datasets/{id}',
  'delete /v1/datasets/{id}',
  'post /v1/jobs',
  'get /v1/jobs',
  'get /v1/jobs/{id}',
  'delete /v1/jobs/{id}',
  'post /v1/jobs/{id}/cancel',
  'get /v1/jobs/{id}/events',
  'get /v1/jobs/{id}/output',
  'post /v1/sweeps',
  'get /v1/sweeps',
  'get /v1/sweeps/{id}',
  'delete /v1/sweeps/{id}',
  'post /v1/sweeps/{id}/cancel',
  'get /v1/sweeps/{id}/events',
  'get /v1/models',
  'post /v1/models', // import a model file (routes/model-file.ts)
  'put /v1/models/{name}/aliases/{alias}',
  'delete /v1/models/{name}/aliases/{alias}',
  'get /v1/models/{id}',
  'delete /v1/models/{id}',
  'get /v1/models/{id}/download',
  'post /v1/models/{id}/predict',
  'post /v1/models/{id}/batch-predictions',
  'post /v1/models/{id}/reproduce', // retrain from the receipt (routes/reproduce.ts)
  'post /v1/models/{id}:predict', // TensorFlow Serving's form (routes/tf-serving.ts)
  'post /v1/models/{name}/labels/{label}:predict',
  'post /v1/models/{name}/versions/{version}:predict',
];

describe('health', () => {
  it('GET /healthz is 200 {status: ok}', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 {status: ready} while Redis answers', async () => {
    const res = await fetch(`${service.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready' });
  });
});

describe('with Redis unreachable', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const port = await closedPort();
    const config = loadConfig({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      KEY_PREFIX: 'bp:test:unreachable',
      LOG_LEVEL: 'silent',
    });
    app = await buildApp({ config });
  });
  afterAll(() => app?.close());

  it('/healthz is still 200: the process is up', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('/readyz is 503 naming Redis, within its one-second budget', async () => {
    const started = Date.now();
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body.status).toBe('unavailable');
    expect(body.detail).toMatch(/^Redis: \w+/);
  });

  it('data routes are 503 problem+json (not 500), reads and writes alike', async () => {
    const requests = [
      { method: 'GET' as const, url: '/v1/jobs' },
      { method: 'GET' as const, url: '/v1/datasets/01ANY' },
      { method: 'GET' as const, url: '/v1/datasets' },
      { method: 'GET' as const, url: '/v1/sweeps' },
      { method: 'GET' as const, url: '/v1/sweeps/01ANY' },
      {
        method: 'POST' as const,
        url: '/v1/jobs',
        payload: {
          network: {
            inputSize: 2,
            layers: [{ units: 1, activation: 'sigmoid' }],
            divergence: 'l2',
          },
          dataset: { generator: 'xor' },
        },
      },
    ];
    const answers = await Promise.all(requests.map((request) => app.inject(request)));
    for (const [i, res] of answers.entries()) {
      const request = requests[i]!;
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        type: '/problems/unavailable',
        status: 503,
        detail: 'the job store (Redis) is not reachable: try again shortly',
        instance: request.url,
      });
    }
  });

  it('bad input is still 400, not 503: validation needs no Redis', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/jobs?limit=0' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ path: 'query.limit', message: 'must be at least 1' }]);
  });
});

describe('documentation', () => {
  it('/openapi.json is OpenAPI 3.1 listing every /v1 route with its problem answers', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'backprop-service' });
    const operations = Object.entries<Record<string, { responses: object }>>(doc.paths).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`),
    );
    expect(operations.filter((o) => o.includes(' /v1/')).sort()).toEqual([...v1Routes].sort());
    expect(operations).toEqual(expect.arrayContaining(['get /healthz', 'get /readyz']));
    expect(operations.some((o) => o.includes('openapi') || o.includes('/docs'))).toBe(false);
    for (const route of v1Routes) {
      const [method, path] = route.split(' ') as [string, string];
      const responses = Object.keys(doc.paths[path][method].responses);
      expect(responses, route).toContain('503');
      expect(
        responses.some((s) => s === '400' || s === '404'),
        route,
      ).toBe(true);
    }
    const submit = doc.paths['/v1/jobs'].post;
    expect(Object.keys(submit.requestBody.content)).toEqual(['application/json']);
    expect(submit.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'idempotency-key' }),
    );
  });

  it('/docs serves an HTML page', async () => {
    const res = await fetch(`${service.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/<!DOCTYPE html>/i);
  });
});
