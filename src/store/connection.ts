// Every Redis connection of the service — the API's, the subscribers', BullMQ's queues and
// workers', the training threads', the SSE readers' (duplicates) — is made here from the one
// parsed REDIS_URL (src/redis-url.ts) and REDIS_TLS_CA; with REDIS_SENTINELS, through ioredis's
// Sentinel support to the master the sentinels name. Not the key names: redis.ts.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type SentinelAddress } from '../redis-url.js';

/** Where Redis is: the service's configuration, or a bare URL (tests, tools). */
export type RedisTarget =
  | string
  | {
      redisUrl: string;
      redisTlsCa?: string;
      /** When not empty: ask these sentinels for the master named redisSentinelName. */
      redisSentinels?: readonly SentinelAddress[];
      redisSentinelName?: string;
      redisSentinelPassword?: string;
    };

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
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: TlsOptions;
  /** Sentinel: where to ask for the master, and its name; host and port are then unused. */
  sentinels?: SentinelAddress[];
  name?: string;
  sentinelPassword?: string;
  sentinelTLS?: TlsOptions;
  enableTLSForSentinelMode?: boolean;
  failoverDetector?: boolean;
}

/**
 * The connection options of `target`: host, port, credentials, db and TLS; with sentinels, the
 * sentinels and the master's name instead of host and port, the rest applied to the master.
 */
export function redisOptions(target: RedisTarget): AddressOptions {
  const {
    redisUrl,
    redisTlsCa = '',
    redisSentinels = [],
    redisSentinelName = '',
    redisSentinelPassword = '',
  } = typeof target === 'string' ? { redisUrl: target } : target;
  const address = parseRedisUrl(redisUrl);
  if (typeof address === 'string') throw new Error(`REDIS_URL ${address}`);
  const { host, port, tls, username, password, db } = address;
  const credentials = {
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(db !== undefined ? { db } : {}),
  };
  if (redisSentinels.length > 0) {
    // rediss:// is TLS to the sentinels and to the master both; the master's name is not known
    // ahead, so no SNI
    const tlsOptions = redisTlsCa ? { ca: readCa(redisTlsCa) } : {};
    return {
      sentinels: redisSentinels.map((s) => ({ host: s.host, port: s.port })),
      name: redisSentinelName,
      ...(redisSentinelPassword ? { sentinelPassword: redisSentinelPassword } : {}),
      ...credentials,
      ...(tls ? { tls: tlsOptions, sentinelTLS: tlsOptions, enableTLSForSentinelMode: true } : {}),
      // on +switch-master, reconnect to the new master at once (not on the next error)
      failoverDetector: true,
    };
  }
  return {
    host,
    port,
    ...credentials,
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
