// A Redis Sentinel set-up of a test's own: a master and a replica with a password, and two
// sentinels with a password of their own, all redis-servers in a scratch folder on free ports;
// with `tls`, every one TLS only (no plain port), replicating and monitoring over TLS. Resolves
// once the replica is in sync and each sentinel knows the replica and the other sentinel. `env`
// is what the service is given: REDIS_SENTINELS + REDIS_SENTINEL_NAME and a REDIS_URL whose host
// and port nothing listens on (only its password, database and scheme are used), so a connection
// that bypassed Sentinel would fail.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service.js';
import { makeCertificate } from './tls-certificate.js';

export const password = 'master-secret';
export const sentinelPassword = 'sentinel-secret';

export interface SentinelSetup {
  name: string;
  db: number;
  masterPort: number;
  replicaPort: number;
  sentinelPorts: number[];
  /** The service's Redis settings. */
  env: Record<string, string>;
  /** redis-cli against a port of ours (over TLS when the set-up is), as `auth`; trimmed output. */
  cli(port: number, auth: string, ...args: string[]): string;
  /** The master's port as the sentinel at `port` names it. */
  masterPortSeenBy(port: number): number;
  stop(): Promise<void>;
}

export async function until(what: string, check: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting: ${what}`);
}

export async function sentinelSetup(options: {
  name: string;
  db: number;
  tls?: boolean;
}): Promise<SentinelSetup> {
  const { name, db } = options;
  const dir = mkdtempSync(join(tmpdir(), 'backprop-sentinel-'));
  const tls = options.tls ? makeCertificate(dir) : undefined;
  const servers: ChildProcess[] = [];
  const cli = (port: number, auth: string, ...args: string[]) =>
    spawnSync(
      'redis-cli',
      [
        ...(tls ? ['--tls', '--cacert', tls.cert] : []),
        ...['-h', '127.0.0.1', '-p', String(port), '-a', auth, '--no-auth-warning', ...args],
      ],
      { encoding: 'utf8' },
    ).stdout.trim();
  const start = async (port: number, args: string[], auth: string) => {
    servers.push(spawn('redis-server', args, { stdio: 'ignore' }));
    await until(`redis-server on ${port}`, () => cli(port, auth, 'ping') === 'PONG');
  };
  // the listening part of a server's or a sentinel's settings, as command-line arguments
  const listen = (port: number) =>
    tls
      ? [
          ...['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert],
          ...['--tls-key-file', tls.key, '--tls-ca-cert-file', tls.cert],
          ...['--tls-auth-clients', 'no', '--tls-replication', 'yes'],
        ]
      : ['--port', String(port)];
  const dataServer = (port: number, extra: string[] = []) => [
    ...listen(port),
    ...['--bind', '127.0.0.1', '--dir', dir],
    ...['--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no'],
    ...['--requirepass', password, '--masterauth', password],
    ...extra,
  ];
  // a sentinel's own config file (sentinels rewrite theirs, so each has one)
  const sentinelConfig = (port: number, masterPort: number) => {
    const file = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        'bind 127.0.0.1',
        `dir ${dir}`,
        `requirepass ${sentinelPassword}`,
        `sentinel sentinel-pass ${sentinelPassword}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
        `sentinel auth-pass ${name} ${password}`,
        `sentinel down-after-milliseconds ${name} 2000`,
        `sentinel failover-timeout ${name} 10000`,
        '',
      ].join('\n'),
    );
    return [file, '--sentinel', ...listen(port)];
  };

  const masterPort = await freePort();
  const replicaPort = await freePort();
  const sentinelPorts = [await freePort(), await freePort()];
  const nowhere = await freePort(); // REDIS_URL's port: nothing listens there
  await start(masterPort, dataServer(masterPort), password);
  await start(
    replicaPort,
    dataServer(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]),
    password,
  );
  await until('the replica in sync', () =>
    cli(replicaPort, password, 'info', 'replication').includes('master_link_status:up'),
  );
  for (const port of sentinelPorts)
    await start(port, sentinelConfig(port, masterPort), sentinelPassword);
  // each sentinel knows the replica and the other sentinel before anything fails over
  await until('the sentinels to know each other and the replica', () =>
    sentinelPorts.every((port) => {
      const lines = cli(port, sentinelPassword, 'sentinel', 'master', name).split('\n');
      const field = (key: string) => Number(lines[lines.indexOf(key) + 1]);
      return field('num-slaves') === 1 && field('num-other-sentinels') === 1;
    }),
  );
  return {
    name,
    db,
    masterPort,
    replicaPort,
    sentinelPorts,
    env: {
      REDIS_URL: `${tls ? 'rediss' : 'redis'}://:${password}@127.0.0.1:${nowhere}/${db}`,
      ...(tls ? { REDIS_TLS_CA: tls.cert } : {}),
      REDIS_SENTINELS: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      REDIS_SENTINEL_NAME: name,
      REDIS_SENTINEL_PASSWORD: sentinelPassword,
    },
    cli,
    masterPortSeenBy(port) {
      const reply = cli(port, sentinelPassword, 'sentinel', 'get-master-addr-by-name', name);
      return Number(reply.split('\n')[1]);
    },
    async stop() {
      await Promise.all(
        servers.map((s) =>
          s.exitCode === null ? new Promise((r) => s.once('exit', r).kill('SIGTERM')) : null,
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
