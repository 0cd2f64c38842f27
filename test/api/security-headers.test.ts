// The headers that tell a browser how far to trust a response: the dashboard's page and files
// carry its Content-Security-Policy, no framing and no Referer; every response, the API's JSON
// and problem+json included, is nosniff. (That the dashboard works under its policy, with no
// violation reported, is the browser test's: test/service/dashboard.test.ts.) Real API and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { startService, type TestService } from '../helpers/service.js';

const alice = newApiKey('alice');
let service: TestService;

beforeAll(async () => {
  service = await startService({ env: { API_KEYS: alice.entry } });
});
afterAll(() => service?.stop());

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(service.url + path, { headers });

describe('the dashboard', () => {
  it('is served with a policy that allows only its own origin, and no framing or Referer', async () => {
    for (const path of [
      '/',
      '/index.html',
      '/app.js',
      '/style.css',
      '/assets/uplot/uPlot.min.css',
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(Object.fromEntries(policy.split('; ').map((d) => d.split(/ (.*)/s, 2))), path).toEqual(
        {
          'default-src': "'none'",
          'script-src': "'self'",
          'style-src': "'self'",
          'img-src': "'self' data:",
          'connect-src': "'self'",
          'base-uri': "'none'",
          'form-action': "'self'",
          'frame-ancestors': "'none'",
        },
      );
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});

describe('the API', () => {
  it('sends nosniff with JSON, problem+json and health answers, and no dashboard policy', async () => {
    const cases: [string, Record<string, string>, number, RegExp][] = [
      ['/v1/jobs', { authorization: `Bearer ${alice.key}` }, 200, /^application\/json/],
      ['/v1/jobs', {}, 401, /^application\/problem\+json/],
      ['/v1/nope', { authorization: `Bearer ${alice.key}` }, 404, /^application\/problem\+json/],
      ['/healthz', {}, 200, /^application\/json/],
      ['/openapi.json', {}, 200, /^application\/json/],
    ];
    for (const [path, headers, status, type] of cases) {
      const response = await get(path, headers);
      expect(response.status, path).toBe(status);
      expect(response.headers.get('content-type'), path).toMatch(type);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('content-security-policy'), path).toBeNull();
    }
  });
});
