// Every Redis connection of the service — the API's, the subscribers', BullMQ's queues and
// workers', the training threads', the SSE readers' (duplicates) — is made here from the one
// parsed REDIS_URL (src/redis-url.ts) and REDIS_TLS_CA. Not the key names: redis.ts.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from '../redis-url.js';

/** Where Redis is: the service's configuration, or a bare URL (tests, tools). */
export type RedisTarget = string | { redisUrl: string; redisTlsCa?: string };

const caFiles = new Map<string, string>();

// Read once per process: every connection (and each reconnection) uses the same bytes.
function readCa(path: string): string {
  let pem = caFiles.get(path);
  if (pem === undefined) {
    try {
      pem = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(
        `REDIS_TLS_CA: cannot read ${path} (${(err as NodeJS.ErrnoException).code}): give the path of a PEM file`,
      );
    }
    caFiles.set(path, pem);
  }
  return pem;
}

/** Where and as whom to connect: the options both ioredis and BullMQ take. */
export interface AddressOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: TlsOptions;
}

/** The connection options of `target`: host, port, credentials, db and TLS. */
export function redisOptions(target: RedisTarget): AddressOptions {
  const { redisUrl, redisTlsCa = '' } = typeof target === 'string' ? { redisUrl: target } : target;
  const address = parseRedisUrl(redisUrl);
  if (typeof address === 'string') throw new Error(`REDIS_URL ${address}`);
  const { host, port, tls, username, password, db } = address;
  return {
    host,
    port,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(db !== undefined ? { db } : {}),
    ...(tls
      ? {
          tls: {
            // SNI is for names only (Node refuses an IP address as servername)
            ...(isIP(host) === 0 ? { servername: host } : {}),
            ...(redisTlsCa ? { ca: readCa(redisTlsCa) } : {}),
          },
        }
      : {}),
  };
}

export function connectRedis(target: RedisTarget, options: RedisOptions = {}): Redis {
  return new Redis({
    ...redisOptions(target),
    lazyConnect: false,
    enableAutoPipelining: true,
    ...options,
  });
}

/** The options BullMQ's own connections need (blocking commands may wait forever). */
export function bullConnection(target: RedisTarget): ConnectionOptions {
  return { ...redisOptions(target), maxRetriesPerRequest: null };
}
