// A job's output (issue 15, batch predictions): its CSV as a Redis list of text chunks under the
// job's keys (`…:job:<id>:output`), appended by the worker a chunk at a time and read back one
// chunk at a time, so neither side holds the whole file. Counted in the tenant's usage as
// `output:<id>`; it expires with the job's record (job-scripts.ts finishLua) and goes with it
// when the job is deleted. Until a blob store exists (issue 16), Redis holds these bytes.
import type { Redis } from 'ioredis';
import { type Fence, fencedOutLua } from './fence.js';
import { luaScript } from './lua.js';
import type { Keys } from './redis.js';
import { usageKey, usageLua } from './usage.js';

/** The key of a job's output list: its record's key and `:output` (the Lua steps derive it so). */
export const outputKey = (keys: Keys, jobId: string) => `${keys.job(jobId)}:output`;

// KEYS: job hash, output list, usage hash. ARGV: fence, item, chunk. Appends and counts it.
const appendScript = luaScript(`${fencedOutLua}${usageLua}
if fencedOut(KEYS[1], ARGV[1]) then return 'fenced' end
redis.call('RPUSH', KEYS[2], ARGV[3])
local bytes = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0') + string.len(ARGV[3])
charge(KEYS[3], ARGV[2], bytes)
return 'ok'
`);

// KEYS: job hash, output list, usage hash. ARGV: fence, item. A try starting over empties it.
const clearScript = luaScript(`${fencedOutLua}${usageLua}
if fencedOut(KEYS[1], ARGV[1]) then return 'fenced' end
redis.call('DEL', KEYS[2])
release(KEYS[3], ARGV[2])
return 'ok'
`);

export function createOutputStore(redis: Redis, keys: Keys) {
  const item = (jobId: string) => `output:${jobId}`;
  return {
    /** Appends a chunk of the job's output; 'fenced' (nothing written) when not this try's. */
    async append(jobId: string, chunk: string, fence: Fence): Promise<'ok' | 'fenced'> {
      const args = [keys.job(jobId), outputKey(keys, jobId), usageKey(keys)];
      return (await appendScript(redis, 3, ...args, fence, item(jobId), chunk)) as 'ok' | 'fenced';
    },

    /** Empties the job's output (a try that starts over); 'fenced' when not this try's. */
    async clear(jobId: string, fence: Fence): Promise<'ok' | 'fenced'> {
      const args = [keys.job(jobId), outputKey(keys, jobId), usageKey(keys)];
      return (await clearScript(redis, 3, ...args, fence, item(jobId))) as 'ok' | 'fenced';
    },

    /** How many chunks the output has (0 when none, or expired). */
    chunks(jobId: string): Promise<number> {
      return redis.llen(outputKey(keys, jobId));
    },

    /**
     * The output's chunks in order, read one at a time as the caller asks for them. Throws when
     * one is gone meanwhile (the job expired or was deleted): a reader must not take a cut file
     * for a whole one.
     */
    async *read(jobId: string): AsyncGenerator<string> {
      const key = outputKey(keys, jobId);
      const n = await redis.llen(key);
      for (let i = 0; i < n; i++) {
        const chunk = await redis.lindex(key, i);
        if (chunk === null) throw new Error(`the output of job ${jobId} went while it was read`);
        yield chunk;
      }
    },
  };
}

export type OutputStore = ReturnType<typeof createOutputStore>;
