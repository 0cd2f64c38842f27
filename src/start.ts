// `npm start`: the quick start on one machine — the API in this process and one worker process
// beside it. If no Redis answers and redis-server is on PATH, one is started for the session
// with its data under .data/; otherwise one line says how to get one.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit } from './config.js';
import { packageRoot } from './paths.js';
import { parseRedisUrl, type RedisAddress } from './redis-url.js';
import { connectRedis } from './store/connection.js';

const config = loadConfigOrExit();
const children: ChildProcess[] = [];

async function redisAnswers(): Promise<boolean> {
  const probe = connectRedis(config, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function ensureRedis(): Promise<void> {
  if (await redisAnswers()) return;
  const address = parseRedisUrl(config.redisUrl) as RedisAddress; // loadConfig checked it
  // a redis-server of our own only where it can stand in: plain, on this machine
  const local = ['127.0.0.1', 'localhost', '::1'].includes(address.host) && !address.tls;
  const found = spawnSync('redis-server', ['--version']).status === 0;
  if (config.redisClusterNodes.length > 0) {
    const nodes = config.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(', ');
    process.stderr.write(
      `backprop: no Redis Cluster answers at ${nodes}: check REDIS_CLUSTER_NODES (nodes of a cluster whose cluster_state is ok) and REDIS_URL's password\n`,
    );
    process.exit(1);
  }
  if (config.redisSentinels.length > 0) {
    const sentinels = config.redisSentinels.map((s) => `${s.host}:${s.port}`).join(', ');
    process.stderr.write(
      `backprop: no master named ${config.redisSentinelName} answers through the sentinels at ${sentinels}: check REDIS_SENTINELS, REDIS_SENTINEL_NAME and REDIS_URL's password\n`,
    );
    process.exit(1);
  }
  if (!local || !found) {
    process.stderr.write(
      `backprop: no Redis answers at ${config.redisUrl}: start one (apt-get install redis-server, or docker compose up redis) or set REDIS_URL\n`,
    );
    process.exit(1);
  }
  const dir = join(packageRoot(), '.data');
  mkdirSync(dir, { recursive: true });
  const port = String(address.port);
  const bind = address.host === 'localhost' ? '127.0.0.1' : address.host;
  const redis = spawn(
    'redis-server',
    ['--port', port, '--bind', bind, '--dir', dir, '--appendonly', 'yes'],
    { stdio: 'ignore' },
  );
  children.push(redis);
  for (let i = 0; i < 50 && !(await redisAnswers()); i++)
    await new Promise((r) => setTimeout(r, 100));
  process.stdout.write(`started redis-server on port ${port} with its data in ${dir}\n`);
}

await ensureRedis();
const worker = spawn(
  process.execPath,
  [fileURLToPath(new URL('../workers/worker.js', import.meta.url))],
  { stdio: 'inherit' },
);
children.push(worker);
worker.on('exit', (code) => {
  if (!stopping) {
    process.stderr.write(`backprop: the worker exited (${code}); stopping\n`);
    process.kill(process.pid, 'SIGTERM');
  }
});

let stopping = false;
function stopChildren() {
  stopping = true;
  for (const child of children.reverse()) child.kill('SIGTERM');
}
process.on('SIGTERM', stopChildren);
process.on('SIGINT', stopChildren);
await import('./api/server.js');
