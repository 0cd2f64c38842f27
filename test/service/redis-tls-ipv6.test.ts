// The whole service over a rediss:// URL (a redis-server of this test's own with TLS only, its
// certificate self-signed here and trusted through REDIS_TLS_CA), over redis://[::1] (bound to
// IPv6 loopback only), and as an ACL user of its own in a database of its own (issue 16): /readyz,
// a job that runs to completion in a worker process and its thread, its event stream over SSE,
// and predict. Issue 12, defect 4: the queue ignored both first forms.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsAJob } from '../helpers/runs-a-job.js';
import { freePort, startService, type TestService } from '../helpers/service.js';
import { makeCertificate } from '../helpers/tls-certificate.js';

const dir = mkdtempSync(join(tmpdir(), 'backprop-redis-tls-'));
const { cert, key } = makeCertificate(dir);
const servers: ChildProcess[] = [];

// A redis-server of ours (no persistence); resolves once redis-cli gets PONG through `cliArgs`.
async function startRedis(serverArgs: string[], cliArgs: string[]): Promise<void> {
  const args = ['--save', '', '--appendonly', 'no', '--dir', dir, ...serverArgs];
  servers.push(spawn('redis-server', args, { stdio: 'ignore' }));
  for (let i = 0; i < 200; i++) {
    const ping = spawnSync('redis-cli', [...cliArgs, 'ping'], { encoding: 'utf8' });
    if (ping.stdout.trim() === 'PONG') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server ${serverArgs.join(' ')} did not answer`);
}

afterAll(async () => {
  await Promise.all(
    servers.map((s) =>
      s.exitCode === null ? new Promise((r) => s.once('exit', r).kill('SIGTERM')) : null,
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

describe('rediss:// with the CA in REDIS_TLS_CA', () => {
  let service: TestService;
  beforeAll(async () => {
    const port = await freePort();
    await startRedis(
      [
        ...['--port', '0', '--bind', '127.0.0.1', '--tls-port', String(port)],
        ...['--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert],
        ...['--tls-auth-clients', 'no'],
      ],
      ['--tls', '--cacert', cert, '-h', '127.0.0.1', '-p', String(port)],
    );
    service = await startService({
      env: { REDIS_URL: `rediss://127.0.0.1:${port}`, REDIS_TLS_CA: cert },
      workers: 1,
    });
  });
  afterAll(() => service?.stop());

  it('runs a job to completion, streams its events and predicts', () => runsAJob(service));
});

describe('redis://[::1]:port', () => {
  let service: TestService;
  beforeAll(async () => {
    const port = await freePort();
    await startRedis(['--port', String(port), '--bind', '::1'], ['-h', '::1', '-p', String(port)]);
    service = await startService({ env: { REDIS_URL: `redis://[::1]:${port}/2` }, workers: 1 });
  });
  afterAll(() => service?.stop());

  it('runs a job to completion, streams its events and predicts', () => runsAJob(service));
});

describe('redis://USER:PASSWORD@host:port/DB, an ACL user (the default user off)', () => {
  let service: TestService;
  let port: number;
  const cli = (...args: string[]) =>
    spawnSync(
      'redis-cli',
      ['-p', String(port), '--user', 'svc', '--pass', 's3cret', '--no-auth-warning', ...args],
      { encoding: 'utf8' },
    ).stdout.trim();
  beforeAll(async () => {
    port = await freePort();
    await startRedis(
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--user', 'default', 'off'],
        ...['--user', 'svc', 'on', '>s3cret', '~*', '&*', '+@all'],
      ],
      ['-p', String(port), '--user', 'svc', '--pass', 's3cret', '--no-auth-warning'],
    );
    service = await startService({
      env: { REDIS_URL: `redis://svc:s3cret@127.0.0.1:${port}/3` },
      workers: 1,
    });
  });
  afterAll(() => service?.stop());

  it('runs a job to completion as that user, every key in that database', async () => {
    // without the user nothing answers: the service could not have used the default one
    const anonymous = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    expect(anonymous.stdout.trim()).toMatch(/NOAUTH/);
    await runsAJob(service);
    expect(Number(cli('-n', '3', 'dbsize'))).toBeGreaterThan(0);
    expect(Number(cli('-n', '0', 'dbsize'))).toBe(0);
    // the API's and the worker's connections, and BullMQ's, all as svc
    const clients = cli('client', 'list').split('\n');
    expect(clients.length).toBeGreaterThan(2);
    for (const line of clients) expect(line).toMatch(/ user=svc /);
  });
});
