// File input and output for the CLI: JSON reading with errors a person can act on, and atomic
// writes (temp file, then rename) so that a model file is never left half-written.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { maxThreads } from '../engine/index.js';
import { describeIssues, ValidationError } from '../errors.js';
import { type FileBody, openFile, whyNot } from './file-upload.js';

/** Bad input to the CLI: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function readText(path: string, what: string): string {
  return readBytes(path, what).toString('utf8');
}

/** The file's bytes as they are (the server checks their encoding). */
export function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${whyNot(error)}`);
  }
}

/** `path` opened to be sent as it is read (a big dataset is never held whole). */
export function openFileBody(path: string, what: string): FileBody {
  const file = openFile(path);
  if (typeof file === 'string') throw new UsageError(`cannot read ${what} ${path}: ${file}`);
  return file;
}

export function readJson(path: string, what: string): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Writes via a temporary file in the same folder and a rename, so readers never see half. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temp, content);
  renameSync(temp, path);
}

/** The one line printed for bad input, naming the file it came from. */
export function describeBadInput(error: unknown, source?: string): string | undefined {
  if (error instanceof ValidationError) {
    return `${source ? `${source}: ` : ''}${describeIssues(error.issues)}`;
  }
  if (error instanceof UsageError) return error.message;
  return undefined;
}

/** A --threads value: a whole number from 1 to the engine's most, or "auto" (every core here). */
export function parseThreads(value: string): number {
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > maxThreads)
    throw new InvalidArgumentError(`must be a whole number from 1 to ${maxThreads}, or "auto"`);
  return n;
}
