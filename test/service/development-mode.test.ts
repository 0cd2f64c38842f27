// The API process without API keys (development mode) listens on 127.0.0.1 only, whatever HOST
// says, says so loudly, and answers only requests addressed to a loopback name (DNS rebinding);
// with keys it listens where HOST says and asks every request for one.
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, newApiKey } from '../../src/api/auth.js';
import { freePort } from '../helpers/service.js';

const serverFile = fileURLToPath(new URL('../../dist/src/api/server.js', import.meta.url));
const prefix = `bp:test:devmode${process.pid}`;
const running: ChildProcess[] = [];
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

/** Starts an API process; resolves with its log once it listens. */
async function startApi(env: Record<string, string>): Promise<string> {
  const api = spawn(process.execPath, [serverFile], {
    env: { ...process.env, KEY_PREFIX: prefix, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(api);
  let log = '';
  return new Promise((resolve, reject) => {
    api.stdout!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server listening')) resolve(log);
    });
    api.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    api.once('exit', (code) => reject(new Error(`api exited ${code}: ${log}`)));
  });
}

/** GET 127.0.0.1:port/path with the Host header a browser would send for another name. */
function getAs(port: number, path: string, host: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { ...headers, host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode!, type: res.headers['content-type'] ?? '', body }),
      );
    });
    req.on('error', reject).end();
  });
}

const listening = (log: string) =>
  [...log.matchAll(/Server listening at (http:\/\/[^"]+)/g)].map((m) => m[1]);

describe('an API process', () => {
  it('without API_KEYS: warns, and listens on 127.0.0.1 only even when HOST asks for all', async () => {
    const port = await freePort();
    const log = await startApi({ HOST: '0.0.0.0', PORT: String(port), API_KEYS: '' });
    expect(log).toContain('DEVELOPMENT MODE');
    expect(log).toContain('(not HOST=0.0.0.0)');
    expect(log).toMatch(/"level":40/); // a warning
    expect(listening(log)).toEqual([`http://127.0.0.1:${port}`]);
    const res = await fetch(`http://127.0.0.1:${port}/v1/jobs`);
    expect(res.status).toBe(200); // no key needed
  });

  it('keeps a key sent as ?access_token= out of its request log', async () => {
    const port = await freePort();
    const secret = 'bpk_do-not-log-me';
    const api = spawn(process.execPath, [serverFile], {
      env: {
        ...process.env,
        KEY_PREFIX: prefix,
        LOG_LEVEL: 'info',
        PORT: String(port),
        API_KEYS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(api);
    let log = '';
    api.stdout!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    while (!log.includes('Server listening')) await new Promise((r) => setTimeout(r, 20));
    const res = await fetch(
      `http://127.0.0.1:${port}/v1/jobs/A0000000000000000000000000/events?access_token=${secret}`,
    );
    expect(res.status).toBe(404);
    while (!log.includes('request completed')) await new Promise((r) => setTimeout(r, 20));
    expect(log).toContain('access_token=REDACTED');
    expect(log).not.toContain(secret);
  });

  it('keeps a key sent under a percent-encoded name (access%5Ftoken) out of its log and problems', async () => {
    const port = await freePort();
    const alice = newApiKey('alice');
    let log = await startApi({ PORT: String(port), API_KEYS: alice.entry });
    running.at(-1)!.stdout!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const path = '/v1/jobs/A0000000000000000000000000/events';
    for (const name of ['access%5Ftoken', 'access_tok%65n', 'ACCESS%5FTOKEN']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}?${name}=${alice.key}`);
      const body = (await res.json()) as { instance: string };
      expect(body.instance).toBe(`${path}?${name}=REDACTED`);
    }
    // the first is the key, read as access_token: the job is looked for, so not found (not 401)
    const found = await fetch(`http://127.0.0.1:${port}${path}?access%5Ftoken=${alice.key}`);
    expect(found.status).toBe(404);
    while ((log.match(/request completed/g) ?? []).length < 4)
      await new Promise((r) => setTimeout(r, 20));
    expect(log).toContain(`${path}?access%5Ftoken=REDACTED`);
    expect(log).toContain(`${path}?ACCESS%5FTOKEN=REDACTED`);
    expect(log).not.toContain(alice.key.slice(4));
  });

  it('with API_KEYS: no warning, and a key is needed', async () => {
    const port = await freePort();
    const log = await startApi({
      HOST: '127.0.0.1',
      PORT: String(port),
      API_KEYS: newApiKey('alice').entry,
    });
    expect(log).not.toContain('DEVELOPMENT MODE');
    expect((await fetch(`http://127.0.0.1:${port}/v1/jobs`)).status).toBe(401);
  });
});

describe('development mode and the Host header (DNS rebinding)', () => {
  it('answers loopback names only, on every route, public ones too', async () => {
    const port = await freePort();
    await startApi({ PORT: String(port), API_KEYS: '' });
    for (const host of ['localhost', `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])
      expect((await getAs(port, '/v1/jobs', host)).status, host).toBe(200);
    for (const host of [`evil.example:${port}`, 'evil.example', `localhost.evil.example:${port}`])
      for (const path of ['/v1/jobs', '/healthz', '/', '/openapi.json']) {
        const { status, type, body } = await getAs(port, path, host);
        expect(status, `${host} ${path}`).toBe(403);
        expect(type).toMatch(/^application\/problem\+json/);
        const { detail } = JSON.parse(body) as { detail: string };
        expect(detail).toContain(`Host ${JSON.stringify(host)}`);
        expect(detail).toMatch(/localhost, 127\.0\.0\.1 or \[::1\].*set API_KEYS/);
      }
  });

  it('with API_KEYS, leaves the names to the operator: a key is what counts', async () => {
    const port = await freePort();
    const alice = newApiKey('alice');
    await startApi({ HOST: '127.0.0.1', PORT: String(port), API_KEYS: alice.entry });
    const as = { authorization: `Bearer ${alice.key}` };
    expect((await getAs(port, '/v1/jobs', 'api.example.com', as)).status).toBe(200);
    expect((await getAs(port, '/v1/jobs', 'api.example.com')).status).toBe(401);
  });

  it('counts as loopback: localhost, 127.x.x.x and [::1], with a port or without', () => {
    const loopback = ['localhost', 'LocalHost:3000', '127.0.0.1', '127.0.0.1:80', '127.1.2.3:9'];
    for (const host of [...loopback, '[::1]', '[::1]:3000'])
      expect(isLoopbackHost(host), host).toBe(true);
    const others = ['evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', 'a.localhost'];
    const odd = ['', 'localhost:', 'localhost:x', '127.0.0.1:80:80', '[::ffff:127.0.0.1]', '127.1'];
    for (const host of [...others, ...odd, undefined])
      expect(isLoopbackHost(host), host).toBe(false);
  });
});
