// Redis settings: where the service keeps everything and how every process reaches it.
import { z } from 'zod';
import {
  parseClusterNodes,
  parseRedisUrl,
  parseSentinels,
  type ServerAddress,
} from '../redis-url.js';
import { custom, int, matching, type Setting, text } from './kinds.js';

// the sentence parseRedisUrl returns is the refusal
const redisUrl = z.string().superRefine((url, ctx) => {
  const parsed = parseRedisUrl(url);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

// the addresses, or the sentence the parser returns as the refusal
const addressList = (parse: (text: string) => ServerAddress[] | string) =>
  z.string().transform((text, ctx): ServerAddress[] => {
    const parsed = parse(text);
    if (typeof parsed !== 'string') return parsed;
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  });

/**
 * What the Redis settings cannot say one by one: Sentinel needs both its addresses and the
 * master's name; a cluster is neither Sentinel nor more than database 0. Each refusal is a line
 * naming the variables and the fix.
 */
export function redisRefusals(config: {
  redisUrl: string;
  redisSentinels: readonly ServerAddress[];
  redisSentinelName: string;
  redisSentinelPassword: string;
  redisClusterNodes: readonly ServerAddress[];
}): string[] {
  const sentinels = config.redisSentinels.length > 0;
  const named = config.redisSentinelName !== '';
  if (config.redisClusterNodes.length > 0) {
    if (sentinels || named)
      return [
        'REDIS_CLUSTER_NODES: a Redis Cluster fails over by itself, without sentinels: unset REDIS_SENTINELS and REDIS_SENTINEL_NAME, or unset REDIS_CLUSTER_NODES to use Sentinel',
      ];
    const db = (parseRedisUrl(config.redisUrl) as { db?: number }).db ?? 0;
    if (db !== 0)
      return [
        `REDIS_URL: a Redis Cluster has only database 0, not /${db}: drop the /${db} from REDIS_URL (KEY_PREFIX keeps services apart) or unset REDIS_CLUSTER_NODES`,
      ];
  }
  if (sentinels && !named)
    return [
      'REDIS_SENTINEL_NAME: must name the master group the sentinels watch (their `sentinel monitor <name> …`) when REDIS_SENTINELS is set',
    ];
  if (named && !sentinels)
    return [
      'REDIS_SENTINELS: must list the sentinels (host:port,…) when REDIS_SENTINEL_NAME is set; or unset REDIS_SENTINEL_NAME to connect to REDIS_URL',
    ];
  if (config.redisSentinelPassword !== '' && !sentinels)
    return [
      'REDIS_SENTINEL_PASSWORD: is for sentinels: set REDIS_SENTINELS and REDIS_SENTINEL_NAME too, or unset it',
    ];
  return [];
}

export const redisSettings = {
  redisUrl: {
    env: 'REDIS_URL',
    ...custom(redisUrl, '`redis://` or `rediss://` URL'),
    default: 'redis://127.0.0.1:6379',
    doc: 'Where Redis is; `rediss://` is TLS, `user:password@` percent-encoded, an IPv6 host in brackets, `/db` kept. Every connection of the API, workers and their threads is made from it.',
  },
  redisSentinels: {
    env: 'REDIS_SENTINELS',
    ...custom(addressList(parseSentinels), '`host:port,…`'),
    default: '',
    doc: "Redis Sentinel: the sentinels to ask where the master is (an IPv6 host in brackets). With REDIS_SENTINEL_NAME, every connection goes to the master they name, with REDIS_URL's username, password, database and TLS (its host and port are then unused), and follows a failover. Empty: no Sentinel.",
  },
  redisSentinelName: {
    env: 'REDIS_SENTINEL_NAME',
    ...matching(/^[^\s]*$/, 'must be the master group name, without spaces', 'a name'),
    default: '',
    doc: 'The master group the sentinels watch (`sentinel monitor <name> …`); set with REDIS_SENTINELS.',
  },
  redisSentinelPassword: {
    env: 'REDIS_SENTINEL_PASSWORD',
    ...text('a password'),
    default: '',
    secret: true,
    doc: "The sentinels' own password (their `requirepass`), when they have one; the master's is REDIS_URL's.",
  },
  redisClusterNodes: {
    env: 'REDIS_CLUSTER_NODES',
    ...custom(addressList(parseClusterNodes), '`host:port,…`'),
    default: '',
    doc: "Redis Cluster: some of its nodes (an IPv6 host in brackets; the rest are found from them). Every connection is then an ioredis Cluster, with REDIS_URL's username, password and TLS on each node (its host and port unused; database 0 only), and KEY_PREFIX becomes one hash tag, `{bp}`: every key on one shard, so that each script's keys share a slot. Empty: no cluster.",
  },
  redisTlsCa: {
    env: 'REDIS_TLS_CA',
    ...text('a PEM file'),
    default: '',
    doc: "The CA that signed a `rediss://` server's certificate (and the sentinels', the cluster's nodes'); empty: the system's CAs.",
  },
  keyPrefix: {
    env: 'KEY_PREFIX',
    ...matching(
      /^bp(:[\w-]+)*$/,
      'must be bp or start with bp: (keys live under bp:)',
      '`bp` or `bp:…`',
    ),
    default: 'bp',
    doc: 'Every Redis key starts with this; tests use `bp:test:<run>`. With REDIS_CLUSTER_NODES it is wrapped in braces, `{bp}`, one hash tag.',
  },
  enqueueTimeoutMs: {
    env: 'ENQUEUE_TIMEOUT_MS',
    ...int(100),
    default: '5000',
    doc: 'The longest `POST /v1/jobs` waits for the queue to take a job; then nothing is kept and it answers 503.',
  },
} satisfies Record<string, Setting>;
