// A tenant's storage, accounted as things are stored and deleted: a hash per tenant with the
// bytes of each counted item (`dataset:<id>`, `model:<id>`) and their `total`, changed by Lua in
// the same MULTI or script as the write. Counts datasets (inline ones too) and models; a job's
// record and event stream are bounded otherwise (MAX_JOB_EVENTS, FINISHED_JOB_TTL_SECONDS).
import type { ChainableCommander, Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { Keys } from './redis.js';

/** The tenant's usage hash. */
export const usageKey = (keys: Keys) => `${keys.own}:usage`;

/** Lua: count `bytes` for `item` (replacing what it counted before) / count it no more. */
export const usageLua = `
local function charge(usage, item, bytes)
  local old = tonumber(redis.call('HGET', usage, item) or '0')
  redis.call('HSET', usage, item, bytes)
  redis.call('HINCRBY', usage, 'total', bytes - old)
end
local function release(usage, item)
  local old = tonumber(redis.call('HGET', usage, item) or '0')
  redis.call('HDEL', usage, item)
  if old ~= 0 then redis.call('HINCRBY', usage, 'total', -old) end
end
`;

const chargeScript = `${usageLua} charge(KEYS[1], ARGV[1], tonumber(ARGV[2]))`;
const releaseScript = `${usageLua} release(KEYS[1], ARGV[1])`;

/** Adds "count `bytes` for `item`" to a MULTI, beside the write it accounts for. */
export function charge(write: ChainableCommander, keys: Keys, item: string, bytes: number) {
  return write.eval(chargeScript, 1, usageKey(keys), item, bytes);
}

/** Adds "count `item` no more" to a MULTI, beside the delete it accounts for. */
export function release(write: ChainableCommander, keys: Keys, item: string) {
  return write.eval(releaseScript, 1, usageKey(keys), item);
}

const size = (bytes: number) => (bytes < 1e6 ? `${bytes} bytes` : `${(bytes / 1e6).toFixed(1)} MB`);

/** `quotaBytes`: the most a tenant may store (0: no quota). */
export function createUsage(redis: Redis, keys: Keys, quotaBytes = 0) {
  return {
    /** Bytes the tenant stores now. */
    async used(): Promise<number> {
      return Number((await redis.hget(usageKey(keys), 'total')) ?? 0);
    },

    /**
     * Refuses (413) storing `adding` more bytes for `what` when that would pass the quota, or
     * when the tenant is at its quota already (a job adds a model). Checked before the write, so
     * concurrent requests may pass it by one request's bytes.
     */
    async check(adding: number, what: string): Promise<void> {
      if (quotaBytes <= 0) return;
      const used = await this.used();
      if (used + adding <= quotaBytes && used < quotaBytes) return;
      const adds = adding > 0 ? `${what} (${size(adding)})` : what;
      throw new AppError(
        'quota_exceeded',
        `your tenant stores ${size(used)} of datasets and models, and its quota is ${size(quotaBytes)} (MAX_TENANT_STORAGE_BYTES): ${adds} would pass it. Delete datasets (DELETE /v1/datasets/:id) or models (DELETE /v1/models/:id) first`,
      );
    },
  };
}

export type Usage = ReturnType<typeof createUsage>;
