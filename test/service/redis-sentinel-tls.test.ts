// Sentinel over TLS (issue 16): a master, a replica and two sentinels of this test's own, every
// one TLS only (no plain port), replicating and monitoring over TLS, with passwords, their
// certificate self-signed here and trusted through REDIS_TLS_CA. The service gets a rediss://
// REDIS_URL (TLS to the sentinels and to the master both), whose host and port nothing listens
// on, and runs a job end to end on the master the sentinels name.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { keysFor } from '../../src/store/redis.js';
import { runsAJob } from '../helpers/runs-a-job.js';
import { freePort, startService, type TestService } from '../helpers/service.js';
import { makeCertificate } from '../helpers/tls-certificate.js';

const dir = mkdtempSync(join(tmpdir(), 'backprop-sentinel-tls-'));
const { cert, key } = makeCertificate(dir);
const servers: ChildProcess[] = [];
const password = 'master-secret';
const sentinelPassword = 'sentinel-secret';
const name = 'bp-tls-master';
const db = 2;

const tlsFiles = ['--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert];

/** redis-cli over TLS to a port of ours, as the given password; its trimmed output. */
function cli(port: number, auth: string, ...args: string[]): string {
  const run = spawnSync(
    'redis-cli',
    [
      ...['--tls', '--cacert', cert, '-h', '127.0.0.1', '-p', String(port)],
      ...['-a', auth, '--no-auth-warning', ...args],
    ],
    { encoding: 'utf8' },
  );
  return run.stdout.trim();
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting: ${what}`);
}

async function startRedis(port: number, args: string[], auth: string): Promise<void> {
  servers.push(spawn('redis-server', args, { stdio: 'ignore' }));
  await until(`redis-server on ${port}`, () => cli(port, auth, 'ping') === 'PONG');
}

function dataServer(port: number, extra: string[] = []): string[] {
  return [
    ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...tlsFiles,
    ...['--tls-auth-clients', 'no', '--tls-replication', 'yes'],
    ...['--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no'],
    ...['--requirepass', password, '--masterauth', password],
    ...extra,
  ];
}

function sentinelConfig(port: number, masterPort: number): string {
  const file = join(dir, `sentinel-${port}.conf`);
  writeFileSync(
    file,
    [
      'port 0',
      `tls-port ${port}`,
      `tls-cert-file ${cert}`,
      `tls-key-file ${key}`,
      `tls-ca-cert-file ${cert}`,
      'tls-auth-clients no',
      'tls-replication yes',
      'bind 127.0.0.1',
      `dir ${dir}`,
      `requirepass ${sentinelPassword}`,
      `sentinel sentinel-pass ${sentinelPassword}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel auth-pass ${name} ${password}`,
      `sentinel down-after-milliseconds ${name} 2000`,
      '',
    ].join('\n'),
  );
  return file;
}

describe('Redis Sentinel over TLS (rediss:// + REDIS_SENTINELS + REDIS_TLS_CA)', () => {
  let service: TestService;
  let masterPort: number;
  let sentinelPorts: number[];

  beforeAll(async () => {
    masterPort = await freePort();
    const replicaPort = await freePort();
    sentinelPorts = [await freePort(), await freePort()];
    const nowhere = await freePort();
    await startRedis(masterPort, dataServer(masterPort), password);
    await startRedis(
      replicaPort,
      dataServer(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]),
      password,
    );
    await until('the replica in sync over TLS', () =>
      cli(replicaPort, password, 'info', 'replication').includes('master_link_status:up'),
    );
    for (const port of sentinelPorts)
      await startRedis(port, [sentinelConfig(port, masterPort), '--sentinel'], sentinelPassword);
    await until('the sentinels to know each other and the replica', () =>
      sentinelPorts.every((port) => {
        const lines = cli(port, sentinelPassword, 'sentinel', 'master', name).split('\n');
        const field = (k: string) => Number(lines[lines.indexOf(k) + 1]);
        return field('num-slaves') === 1 && field('num-other-sentinels') === 1;
      }),
    );
    service = await startService({
      env: {
        REDIS_URL: `rediss://:${password}@127.0.0.1:${nowhere}/${db}`,
        REDIS_TLS_CA: cert,
        REDIS_SENTINELS: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
        REDIS_SENTINEL_NAME: name,
        REDIS_SENTINEL_PASSWORD: sentinelPassword,
      },
      workers: 1,
    });
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
    await Promise.all(
      servers.map((s) =>
        s.exitCode === null ? new Promise((r) => s.once('exit', r).kill('SIGTERM')) : null,
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a job on the master the sentinels name, every connection over TLS', async () => {
    const id = await runsAJob(service);
    const job = keysFor(service.config.keyPrefix, defaultTenant).job(id);
    expect(cli(masterPort, password, '-n', String(db), 'exists', job)).toBe('1');
    // no plain port anywhere: every client of the master came in over TLS
    expect(cli(masterPort, password, 'config', 'get', 'port').split('\n')[1]).toBe('0');
    expect(cli(masterPort, password, 'info', 'clients')).toMatch(/connected_clients:[1-9]/);
  });
});
