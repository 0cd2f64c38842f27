// `npm start`: the quick start on one machine — the API in this process and one worker process
// beside it. If no Redis answers and redis-server is on PATH, one is started for the session
// with its data under .data/; otherwise one line says how to get one.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig } from './config.js';
import { packageRoot } from './paths.js';

const config = loadConfig();
const children: ChildProcess[] = [];

async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
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
  if (await redisAnswers(config.redisUrl)) return;
  const url = new URL(config.redisUrl);
  const local = ['127.0.0.1', 'localhost', '::1'].includes(url.hostname);
  const found = spawnSync('redis-server', ['--version']).status === 0;
  if (!local || !found) {
    process.stderr.write(
      `backprop: no Redis answers at ${config.redisUrl}: start one (apt-get install redis-server, or docker compose up redis) or set REDIS_URL\n`,
    );
    process.exit(1);
  }
  const dir = join(packageRoot(), '.data');
  mkdirSync(dir, { recursive: true });
  const port = url.port || '6379';
  const redis = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes'],
    { stdio: 'ignore' },
  );
  children.push(redis);
  for (let i = 0; i < 50 && !(await redisAnswers(config.redisUrl)); i++)
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
