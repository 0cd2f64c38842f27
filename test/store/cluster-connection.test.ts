// With REDIS_CLUSTER_NODES the connections are ioredis Clusters: the options each gets, and a
// duplicate that stays one (Cluster.duplicate takes other arguments than Redis.duplicate). Made
// with lazyConnect: nothing connects. A job on a real cluster: test/service/redis-cluster.test.ts.
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  bullConnection,
  connectRedis,
  duplicateRedis,
  redisOptions,
} from '../../src/store/index.js';

describe('connections to a Redis Cluster', () => {
  it('every connection is a Cluster over the nodes, REDIS_URL’s credentials and TLS on each node', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://app:pw@ignored.example.com:6390',
      REDIS_CLUSTER_NODES: 'n1:7000,[::1]:7001',
    });
    const perNode = { username: 'app', password: 'pw', tls: {} };
    expect(redisOptions(config)).toEqual(perNode);
    expect(bullConnection(config)).toMatchObject({ ...perNode, maxRetriesPerRequest: null });
    const redis = connectRedis(config, { lazyConnect: true, connectionName: 'bp:api' });
    const cluster: unknown = redis;
    expect(cluster).toBeInstanceOf(Cluster);
    const options = (cluster as Cluster).options;
    expect(options.lazyConnect).toBe(true);
    expect(options.redisOptions).toEqual({ ...perNode, connectionName: 'bp:api' });
    const copy: unknown = duplicateRedis(redis, { lazyConnect: true, connectionName: 'bp:events' });
    expect(copy).toBeInstanceOf(Cluster);
    expect((copy as Cluster).options.redisOptions).toEqual({
      ...perNode,
      connectionName: 'bp:events',
    });
    redis.disconnect();
    (copy as Cluster).disconnect();
  });
});
