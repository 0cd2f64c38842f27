// The whole service over a rediss:// URL (a redis-server of this test's own with TLS only, its
// certificate self-signed here and trusted through REDIS_TLS_CA) and over redis://[::1] (bound to
// IPv6 loopback only): /readyz, a job that runs to completion in a worker process and its thread,
// its event stream over SSE, and predict. Issue 12, defect 4: the queue ignored both forms.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow } from '../helpers/events.js';
import {
  freePort,
  http,
  startService,
  type TestService,
  waitForJob,
  xorNetwork,
} from '../helpers/service.js';

const dir = mkdtempSync(join(tmpdir(), 'backprop-redis-tls-'));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
const servers: ChildProcess[] = [];

// A throwaway certificate for 127.0.0.1, its own CA.
function makeCertificate(): void {
  const made = spawnSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=backprop-test'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1'],
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
}

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

const job = {
  network: xorNetwork,
  dataset: { generator: 'xor', samples: 4 },
  training: { epochs: 30, learningRate: 0.5, seed: 7 },
};

// What each URL form must carry: readiness, a job through queue, worker and thread, SSE, predict.
async function runsAJob(service: TestService): Promise<void> {
  expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  const submitted = await http(service, 'POST', '/v1/jobs', job);
  expect(submitted.status).toBe(202);
  const done = await waitForJob(
    service,
    submitted.body.id,
    (j) => j.status !== 'queued' && j.status !== 'running',
  );
  expect(done.status).toBe('succeeded');
  expect(done.progress.epoch).toBe(30);
  const events = await follow(service, submitted.body.id);
  expect(events.filter((e) => e.type === 'epoch').map((e) => e.data.epoch)).toEqual(
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  expect(events.at(-1)?.data.modelId).toBe(done.modelId);
  const predicted = await http(service, 'POST', `/v1/models/${done.modelId}/predict`, {
    inputs: [[0, 1]],
  });
  expect(predicted.status).toBe(200);
  expect(predicted.body.outputs).toHaveLength(1);
}

describe('rediss:// with the CA in REDIS_TLS_CA', () => {
  let service: TestService;
  beforeAll(async () => {
    makeCertificate();
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
