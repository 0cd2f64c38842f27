// The orphan sweep (issue 16): deletes the blobs no record names. Records that go by a Redis TTL
// (a checkpoint hash, a finished job) cannot run the script that would drop their blob's count,
// and a process killed between its put and its record's script leaves a blob no count names.
// It trusts only the reference counts (`blobRefs`), the marks of deletes under way
// (`blobDeleting`) and the blob's age, never a list of models or datasets: whatever kind of
// record names a blob counts it. Each deletion goes through dropScript, so a save of the same
// content racing the sweep either counts its blob first (kept) or waits for the delete and puts
// the blob again (blob-refs.ts). Not how often it runs: startBlobSweeps.
import type { Redis } from 'ioredis';
import { dropScript } from './blob-refs.js';
import type { BlobStore } from './blobs/index.js';
import type { blobKeysFor } from './redis.js';

/** A put in flight has no count yet: a blob younger than this is never swept. */
export const defaultSweepGraceMs = 3600 * 1000;

export interface SweepResult {
  /** The blobs it deleted. */
  deleted: string[];
  /** How many it kept: named by a record, being deleted by another, or too young. */
  kept: number;
}

type BlobKeys = Pick<ReturnType<typeof blobKeysFor>, 'blobRefs' | 'blobDeleting'>;

/** Lists the store once, deleting every blob no record names and older than `olderThanMs`. */
export async function sweepBlobs(
  blobs: BlobStore,
  redis: Redis,
  keys: BlobKeys,
  { olderThanMs = defaultSweepGraceMs }: { olderThanMs?: number } = {},
): Promise<SweepResult> {
  const result: SweepResult = { deleted: [], kept: 0 };
  for await (const sha256 of blobs.list()) {
    if (await orphan(sha256)) result.deleted.push(sha256);
    else result.kept++;
  }
  return result;

  async function orphan(sha256: string): Promise<boolean> {
    // cheap checks first; dropScript checks the count and the mark again, atomically
    const [named, mark] = await Promise.all([
      redis.hexists(keys.blobRefs, sha256),
      redis.hget(keys.blobDeleting, sha256),
    ]);
    if (named === 1 || Number(mark ?? 0) > Date.now()) return false;
    const stat = await blobs.stat(sha256);
    if (!stat || Date.now() - stat.modifiedAt.getTime() < olderThanMs) return false;
    if ((await redis.eval(dropScript, 2, keys.blobRefs, keys.blobDeleting, sha256)) !== 1)
      return false;
    await blobs.delete(sha256);
    await redis.hdel(keys.blobDeleting, sha256);
    return true;
  }
}

interface SweepLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * Runs sweepBlobs every `everySeconds` (0: never), the first one round after the start; of all the
 * processes of a prefix that run this, one a round sweeps (the one that takes the round's key).
 * Answers a stop, which waits for a sweep under way.
 */
export function startBlobSweeps(options: {
  blobs: BlobStore;
  redis: Redis;
  keys: ReturnType<typeof blobKeysFor>;
  everySeconds: number;
  log: SweepLog;
}): () => Promise<void> {
  const { blobs, redis, keys, everySeconds, log } = options;
  if (everySeconds <= 0) return async () => {};
  let running: Promise<void> = Promise.resolve();
  const round = async () => {
    // held a little less than a round, so the next round's taker is not refused
    const taken = await redis.set(
      keys.blobSweep,
      String(process.pid),
      'PX',
      everySeconds * 900,
      'NX',
    );
    if (taken !== 'OK') return;
    const { deleted, kept } = await sweepBlobs(blobs, redis, keys);
    if (deleted.length > 0) log.info({ deleted: deleted.length, kept }, 'swept orphaned blobs');
  };
  const timer = setInterval(() => {
    running = running
      .then(round)
      .catch((err: unknown) => log.warn({ err }, 'the orphaned-blob sweep failed'));
  }, everySeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
