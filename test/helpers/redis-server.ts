// A redis-server of a test's own (AOF on, in a scratch folder, on a free port), for tests that
// stop and restart Redis under the service. stop() waits for it to write its AOF and exit.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service.js';

export interface RedisServer {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

export async function redisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
      child = spawn('redis-server', [...args, '--appendonly', 'yes', '--save', ''], {
        stdio: 'ignore',
      });
      for (let i = 0; i < 200; i++) {
        const ping = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
        if (ping.stdout.trim() === 'PONG') return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('redis-server did not answer');
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      await new Promise((done) => c.once('exit', done).kill('SIGTERM'));
    },
    async remove() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
