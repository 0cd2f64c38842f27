// A Redis Cluster of a test's own: three redis-server masters (no replicas, no persistence) on
// free ports, their nodes-N.conf in a scratch folder, joined by `redis-cli --cluster create`;
// optionally with a password, and TLS only (clients and the cluster bus) with a certificate of
// the caller's. remove() stops them and removes the folder.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service.js';

export interface RedisCluster {
  ports: number[];
  /** REDIS_CLUSTER_NODES for it. */
  nodes: string;
  /** redis-cli against one node; its trimmed output. */
  cli(port: number, ...args: string[]): string;
  remove(): Promise<void>;
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting: ${what}`);
}

export interface ClusterOptions {
  /** Every node's requirepass (and masterauth). */
  password?: string;
  /** TLS only, with this certificate and key (the certificate is its own CA). */
  tls?: { cert: string; key: string };
}

export async function redisCluster({ password, tls }: ClusterOptions = {}): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-redis-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  const servers: ChildProcess[] = [];
  const cliArgs = [
    ...(password ? ['-a', password, '--no-auth-warning'] : []),
    ...(tls ? ['--tls', '--cacert', tls.cert] : []),
  ];
  const serverArgs = (port: number) => [
    ...(password ? ['--requirepass', password, '--masterauth', password] : []),
    ...(tls
      ? [
          ...['--port', '0', '--tls-port', String(port), '--tls-cluster', 'yes'],
          ...['--tls-cert-file', tls.cert, '--tls-key-file', tls.key],
          ...['--tls-ca-cert-file', tls.cert, '--tls-auth-clients', 'no'],
        ]
      : ['--port', String(port)]),
  ];
  const cli = (port: number, ...args: string[]) =>
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...cliArgs, ...args], {
      encoding: 'utf8',
    }).stdout.trim();
  const cluster: RedisCluster = {
    ports,
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    cli,
    async remove() {
      await Promise.all(
        servers.map((s) =>
          s.exitCode === null ? new Promise((r) => s.once('exit', r).kill('SIGTERM')) : null,
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const [n, port] of ports.entries()) {
      const args = [...serverArgs(port), '--bind', '127.0.0.1', '--dir', dir];
      const clustered = [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${n}.conf`),
      ];
      servers.push(
        spawn('redis-server', [...args, ...clustered, '--appendonly', 'no', '--save', ''], {
          stdio: 'ignore',
        }),
      );
      await until(`redis-server on ${port}`, () => cli(port, 'ping') === 'PONG');
    }
    const create = spawnSync(
      'redis-cli',
      [
        ...cliArgs,
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8' },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create: ${create.stdout}`);
    await until('cluster_state:ok on every node', () =>
      ports.every((port) => cli(port, 'cluster', 'info').includes('cluster_state:ok')),
    );
  } catch (error) {
    await cluster.remove();
    throw error;
  }
  return cluster;
}
