// A Lua script sent once and run by its SHA-1 after that (EVALSHA, falling back to EVAL when
// the server has not seen it, e.g. after a restart): for the scripts run once per epoch.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

type Arg = string | number | Buffer;

export function luaScript(source: string) {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis: Redis, numKeys: number, ...args: Arg[]): Promise<unknown> => {
    try {
      return await redis.evalsha(sha, numKeys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return redis.eval(source, numKeys, ...args);
    }
  };
}
