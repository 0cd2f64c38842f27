// The bench's processes: spawning a server and waiting until it is ready, and reading the CPU
// time a process has used. Not here: what is measured (bench/service.ts).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { loadConfig } from '../src/config.js';
import { connectRedis, deleteKeysUnder } from '../src/store/index.js';

/**
 * Pins every thread of `pid` to one core with util-linux's taskset, so a server under test and
 * the load generator do not take turns on the same core (the figures of a 2-core machine swung
 * 2× without it). False where there is no taskset or only one core: the figures are then unpinned.
 */
export function pinToCore(pid: number | undefined, core: number): boolean {
  if (pid === undefined || availableParallelism() < 2) return false;
  const pinned = spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], {
    stdio: 'ignore',
  });
  return pinned.status === 0;
}

export function start(
  args: string[],
  env: Record<string, string | undefined>,
  ready: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  if (!ready) return Promise.resolve(child); // the caller polls it over HTTP instead
  return new Promise((resolve, reject) => {
    const look = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(ready)) resolve(child);
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${seen}`)));
  });
}

export async function waitForHttp(url: string) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

// CPU seconds process `pid` has used (Linux's /proc/<pid>/stat, in clock ticks of 10 ms).
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Stops the bench's processes (every one gone before the keys go, so none writes one back), then deletes its Redis keys. */
export async function stopAndClean(
  children: ChildProcess[],
  env: NodeJS.ProcessEnv,
  prefix: string,
): Promise<void> {
  await Promise.all(
    children.map((c) =>
      c.exitCode === null ? new Promise((r) => c.once('exit', r).kill('SIGTERM')) : null,
    ),
  );
  const redis = connectRedis(loadConfig(env).redisUrl);
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
}
