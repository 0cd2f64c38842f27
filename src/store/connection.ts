// Every Redis connection of the service — the API's, the subscribers', BullMQ's queues and
// workers', the training threads', the SSE readers' (duplicates) — is made here from the one
// parsed REDIS_URL (src/redis-url.ts) and REDIS_TLS_CA; with REDIS_SENTINELS, through ioredis's
// Sentinel support to the master the sentinels name; with REDIS_CLUSTER_NODES, as ioredis
// Clusters over those nodes. Not the key names: redis.ts.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { type ConnectionOptions, createIORedisClient, RedisConnection } from 'bullmq';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type ServerAddress } from '../redis-url.js';

/** Where Redis is: the service's configuration, or a bare URL (tests, tools). */
export type RedisTarget =
  | string
  | {
      redisUrl: string;
      redisTlsCa?: string;
      /** When not empty: ask these sentinels for the master named redisSentinelName. */
      redisSentinels?: readonly ServerAddress[];
      redisSentinelName?: string;
      redisSentinelPassword?: string;
      /** When not empty: a Redis Cluster, found from these nodes. */
      redisClusterNodes?: readonly ServerAddress[];
    };

/** The cluster's nodes `target` names; none: not a cluster. */
function clusterNodesOf(target: RedisTarget): ServerAddress[] {
  return typeof target === 'string' ? [] : [...(target.redisClusterNodes ?? [])];
}

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
  sentinels?: ServerAddress[];
  name?: string;
  sentinelPassword?: string;
  sentinelTLS?: TlsOptions;
  enableTLSForSentinelMode?: boolean;
  failoverDetector?: boolean;
}

/**
 * The connection options of `target`: host, port, credentials, db and TLS; with sentinels, the
 * sentinels and the master's name instead of host and port, the rest applied to the master; in a
 * cluster, the credentials and TLS each node is connected with (the nodes are the cluster's).
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
  if (clusterNodesOf(target).length > 0)
    // a node's name is known only once the cluster names it, so no SNI (as for Sentinel)
    return {
      ...credentials,
      ...(tls ? { tls: redisTlsCa ? { ca: readCa(redisTlsCa) } : {} } : {}),
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

/**
 * A connection to `target`. In a cluster it is an ioredis `Cluster`, typed as `Redis`: the stores
 * use only commands both have (a Cluster routes each by its key; one hash tag puts every key of
 * ours in one slot, so scripts, MULTI and multi-key XREAD work), and the two calls that differ,
 * duplicate and SCAN, go through duplicateRedis and scanTargets below.
 */
export function connectRedis(target: RedisTarget, options: RedisOptions = {}): Redis {
  const base = redisOptions(target);
  const nodes = clusterNodesOf(target);
  if (nodes.length > 0)
    return new Cluster(nodes, clusterOptions(base, options)) as unknown as Redis;
  return new Redis({ ...base, lazyConnect: false, enableAutoPipelining: true, ...options });
}

/** A Cluster's options: `options` split into the cluster's own and each node's. */
function clusterOptions(base: RedisOptions, options: RedisOptions): ClusterOptions {
  const { lazyConnect, enableOfflineQueue, retryStrategy, enableAutoPipelining, ...perNode } =
    options;
  return {
    redisOptions: { ...base, ...perNode },
    enableAutoPipelining: enableAutoPipelining ?? true,
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    // a node lost is found again from the others; retryStrategy governs the cluster as a whole
    ...(retryStrategy !== undefined ? { clusterRetryStrategy: retryStrategy } : {}),
  };
}

/** Another connection like `redis` (ioredis's Cluster.duplicate takes other arguments). */
export function duplicateRedis(redis: Redis, options: RedisOptions = {}): Redis {
  const cluster: unknown = redis;
  if (!(cluster instanceof Cluster)) return redis.duplicate(options);
  const base = cluster.options.redisOptions ?? {};
  return cluster.duplicate([], clusterOptions(base, options)) as unknown as Redis;
}

/**
 * The servers a SCAN must visit to see every key: the one server, or each master of a cluster
 * (ioredis's Cluster has no cluster-wide SCAN; with one hash tag our keys are all on one master).
 * A cluster's masters are known once it has read the slots, so this waits for that.
 */
export async function scanTargets(redis: Redis): Promise<Redis[]> {
  const cluster: unknown = redis;
  if (!(cluster instanceof Cluster)) return [redis];
  await cluster.ping(); // queued until the cluster is ready; throws if it cannot be reached
  return cluster.nodes('master');
}

// BullMQ makes (and closes) its own connections from options, always as a plain `Redis`; a
// Cluster it takes only as a made instance, which a Queue then shares and never closes. So options
// for a cluster carry its nodes under this key, and BullMQ's client factory (process-wide, set
// once the first cluster's options are made) makes a Cluster of them, and of other options what
// BullMQ itself would make.
const clusterNodesKey = Symbol('backprop.clusterNodes');

function bullClient(options: RedisOptions & { [clusterNodesKey]?: ServerAddress[] }) {
  const { [clusterNodesKey]: nodes, host: _host, port: _port, ...rest } = options;
  if (nodes === undefined) return createIORedisClient(new Redis(options));
  return createIORedisClient(new Cluster(nodes, clusterOptions(rest, {})));
}

/** The options BullMQ's own connections need (blocking commands may wait forever). */
export function bullConnection(target: RedisTarget): ConnectionOptions {
  const options = { ...redisOptions(target), maxRetriesPerRequest: null };
  const nodes = clusterNodesOf(target);
  if (nodes.length === 0) return options;
  RedisConnection.clientFactory ??= bullClient;
  return { ...options, [clusterNodesKey]: nodes } as ConnectionOptions;
}
