// Idempotency-Keys: the job a key names and the hash of the body it came with, kept for
// IDEMPOTENCY_TTL_SECONDS. The job store's scripts shorten or delete a key with its job
// (job-scripts.ts); nothing else writes these keys.
import type { Redis } from 'ioredis';
import type { Keys } from './redis.js';

export interface IdempotencyEntry {
  hash: string;
  jobId: string;
}

export function createIdempotencyStore(redis: Redis, keys: Keys) {
  return {
    /**
     * Reserves `key` for `jobId` for `ttlSeconds` unless taken: null when reserved, else the
     * entry that holds it (read again if it expired in between).
     */
    async reserve(
      key: string,
      entry: IdempotencyEntry,
      ttlSeconds: number,
    ): Promise<IdempotencyEntry | null> {
      const redisKey = keys.idempotency(key);
      for (;;) {
        const set = await redis.set(redisKey, JSON.stringify(entry), 'EX', ttlSeconds, 'NX');
        if (set === 'OK') return null;
        const existing = await redis.get(redisKey);
        if (existing) return JSON.parse(existing) as IdempotencyEntry;
      }
    },

    /** Gives a key back (its job was refused): best effort. */
    async release(key: string): Promise<void> {
      await redis.del(keys.idempotency(key)).catch(() => 0);
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
