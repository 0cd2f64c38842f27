// Who still needs a blob: one reference count per blob in `keys.blobRefs` (a hash for the whole
// prefix: models, checkpoints and datasets share blobs), changed only inside the Lua script that
// writes or deletes the record naming the blob, so a count and its records never disagree. A
// script that takes a count to zero marks the blob in `keys.blobDeleting` and answers its key;
// its caller deletes the blob, then the mark. Not the records (models.ts, checkpoints.ts, …) nor
// the bytes (blobs/).
import type { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { BlobStore, PutBlob } from './blobs/index.js';
import type { Keys } from './redis.js';

// Lua: the blob reference count. unref counts one record fewer and, at none, marks the blob as
// being deleted (for a minute at most) and answers its key, for the caller to delete the blob.
export const blobRefsLua = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function beingDeleted(deleting, sha)
  return tonumber(redis.call('HGET', deleting, sha) or '0') > nowMs()
end
local function unref(refs, deleting, sha)
  if redis.call('HINCRBY', refs, sha, -1) > 0 then return '' end
  redis.call('HDEL', refs, sha)
  redis.call('HSET', deleting, sha, nowMs() + 60000)
  return sha
end
`;

// KEYS: the blob refs, the blobs being deleted. ARGV: the blob. 1 (marked: delete it) when no
// record names it and no delete is under way; else 0.
export const dropScript = `${blobRefsLua}
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or beingDeleted(KEYS[2], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], nowMs() + 60000)
return 1
`;

/** The caller's half of the protocol, for a store that names blobs in its records. */
export function blobRefs(redis: Redis, keys: Keys, blobs: BlobStore | undefined) {
  /** Deletes a blob a script answered as named by no record (and marked); '' is none. */
  async function deleteBlob(sha256: string): Promise<void> {
    if (!blobs || sha256 === '') return;
    await blobs.delete(sha256);
    await redis.hdel(keys.blobDeleting, sha256);
  }
  /**
   * After a put whose record was not written (fenced out, failed): the blob goes unless a
   * record names it. True when it was deleted.
   */
  async function dropIfUnreferenced(sha256: string): Promise<boolean> {
    const marked = await redis.eval(dropScript, 2, keys.blobRefs, keys.blobDeleting, sha256);
    if (marked !== 1) return false;
    await deleteBlob(sha256);
    return true;
  }
  return {
    deleteBlob,
    /**
     * Puts `content()` and writes the record naming it with `record`, whose script answers
     * 'deleting' while a delete of this very content is under way: then, once it is done, puts
     * it again. A record not written (the write threw, or it answered 'fenced': a try that lost
     * its job) leaves no blob behind. What `record` answered.
     */
    async putAndRecord<T>(
      store: BlobStore,
      content: () => Readable,
      record: (put: PutBlob) => Promise<T | 'deleting'>,
    ): Promise<T> {
      for (;;) {
        const put = await store.put(content());
        let answer: T | 'deleting';
        try {
          answer = await record(put);
        } catch (error) {
          await dropIfUnreferenced(put.sha256).catch(() => {});
          throw error;
        }
        if (answer === 'deleting') {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        if (answer === 'fenced') await dropIfUnreferenced(put.sha256);
        return answer;
      }
    },
    /**
     * After a put whose record was not written (fenced out, failed): the blob goes unless a
     * record names it. True when it was deleted.
     */
    dropIfUnreferenced,
  };
}
