// Runs the `backprop` command from source in a child process, as a user would run it.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { irisNetwork } from './examples.js';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// tsx's loader by absolute URL, so the command can run from any working folder
const tsx = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd?: string, env?: Record<string, string>): CliRun {
  const r = spawnSync(process.execPath, ['--import', tsx, main, ...args], {
    cwd,
    ...(env ? { env: { ...process.env, ...env } } : {}),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * runCli without blocking: for a test whose API runs in its own process (spawnSync would hold
 * the API's event loop up while the command waits on it). `env` adds to this process's.
 */
export function runCliAsync(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', tsx, main, ...args], {
    env: { ...process.env, ...env },
    ...(cwd ? { cwd } : {}),
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
}

/** A scratch folder for a test file's job specs and inputs: write() returns the file's path. */
export function scratchFolder(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  return {
    dir,
    write(file: string, value: unknown): string {
      const path = join(dir, file);
      writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A small iris classifier (4-8-3, tanh then softmax) on the built-in training split. */
export function irisJob(training: { epochs: number; seed: number }) {
  return {
    network: structuredClone(irisNetwork),
    dataset: { builtin: 'iris', subset: 'train' },
    training: { batchSize: 16, optimizer: 'adam', learningRate: 0.02, ...training },
  };
}
