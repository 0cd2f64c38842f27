// REDIS_URL read into the parts every connection is made from (issue 12, defect 4: the queue's
// connection kept IPv6 brackets and dropped TLS), and the configuration refusing what it cannot
// connect to with a sentence naming the fix.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { parseClusterNodes, parseRedisUrl, parseSentinels } from '../src/redis-url.js';
import { bullConnection, redisOptions } from '../src/store/index.js';

describe('parseRedisUrl', () => {
  it('reads host, port, TLS, decoded credentials and the database', () => {
    expect(parseRedisUrl('rediss://app%40acme:p%3Ass%2Fw@redis.example.com:6380/3')).toEqual({
      host: 'redis.example.com',
      port: 6380,
      tls: true,
      username: 'app@acme',
      password: 'p:ss/w',
      db: 3,
    });
    expect(parseRedisUrl('redis://127.0.0.1')).toEqual({
      host: '127.0.0.1',
      port: 6379,
      tls: false,
    });
  });

  it('takes the brackets off an IPv6 host', () => {
    expect(parseRedisUrl('redis://[::1]:7000')).toEqual({ host: '::1', port: 7000, tls: false });
    expect(parseRedisUrl('rediss://:secret@[fd00::2]/1')).toEqual({
      host: 'fd00::2',
      port: 6379,
      tls: true,
      password: 'secret',
      db: 1,
    });
  });

  it('says what is wrong with a URL it cannot connect to', () => {
    expect(parseRedisUrl('http://127.0.0.1:6379')).toBe(
      'must start with redis:// or rediss:// (TLS), not http://',
    );
    expect(parseRedisUrl('redis://127.0.0.1:6379/zero')).toBe(
      'the path must be a database number (redis://host:6379/0), not /zero',
    );
    expect(parseRedisUrl('redis://127.0.0.1:6379?tls=true')).toMatch(/^takes no query parameters/);
    expect(parseRedisUrl('127.0.0.1:6379')).toMatch(/^must (be a URL|start with redis)/);
  });
});

describe('connections from the configuration', () => {
  it('BullMQ gets the same address as ioredis, TLS included', () => {
    const config = loadConfig({ REDIS_URL: 'rediss://u:p@[::1]:6390/4' });
    const expected = { host: '::1', port: 6390, username: 'u', password: 'p', db: 4, tls: {} };
    expect(redisOptions(config)).toEqual(expected);
    expect(bullConnection(config)).toEqual({ ...expected, maxRetriesPerRequest: null });
    // a name is sent as SNI (an IP address may not be)
    expect(redisOptions('rediss://redis.example.com').tls).toEqual({
      servername: 'redis.example.com',
    });
  });

  it('a CA file that cannot be read is named at connection time', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://127.0.0.1',
      REDIS_TLS_CA: '/nonexistent.pem',
    });
    expect(() => redisOptions(config)).toThrow(
      'REDIS_TLS_CA: cannot read /nonexistent.pem (ENOENT): give the path of a PEM file',
    );
  });

  it('a bad REDIS_URL or ENQUEUE_TIMEOUT_MS is a configuration error', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1' })).toThrow(
      'bad configuration: REDIS_URL: must start with redis:// or rediss:// (TLS), not http://',
    );
    expect(() => loadConfig({ ENQUEUE_TIMEOUT_MS: '10' })).toThrow(/ENQUEUE_TIMEOUT_MS/);
    expect(loadConfig({}).enqueueTimeoutMs).toBe(5000);
  });
});

describe('Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME)', () => {
  it('reads host:port lists, an IPv6 host in brackets', () => {
    expect(parseSentinels('')).toEqual([]);
    expect(parseSentinels('s1.example.com:26379, [fd00::2]:26380,10.0.0.3:1')).toEqual([
      { host: 's1.example.com', port: 26379 },
      { host: 'fd00::2', port: 26380 },
      { host: '10.0.0.3', port: 1 },
    ]);
    expect(parseSentinels('s1:26379,s2')).toMatch(/^each sentinel is host:port .*; not "s2"$/);
    expect(parseSentinels('s1:0')).toMatch(/not "s1:0"$/);
    expect(parseSentinels('::1:26379')).toMatch(/not "::1:26379"$/);
    expect(parseSentinels('[s1]:26379')).toBe('only an IPv6 address goes in brackets, not [s1]');
  });

  it('needs both the sentinels and the name, and says which is missing', () => {
    expect(() => loadConfig({ REDIS_SENTINELS: 's1:26379' })).toThrow(
      'bad configuration: REDIS_SENTINEL_NAME: must name the master group',
    );
    expect(() => loadConfig({ REDIS_SENTINEL_NAME: 'mymaster' })).toThrow(
      'bad configuration: REDIS_SENTINELS: must list the sentinels',
    );
    expect(() => loadConfig({ REDIS_SENTINEL_PASSWORD: 'x' })).toThrow(
      'bad configuration: REDIS_SENTINEL_PASSWORD: is for sentinels',
    );
    expect(() => loadConfig({ REDIS_SENTINELS: 's1:1', REDIS_SENTINEL_NAME: 'my master' })).toThrow(
      'bad configuration: REDIS_SENTINEL_NAME: must be the master group name, without spaces',
    );
    expect(() => loadConfig({ REDIS_SENTINELS: 's1', REDIS_SENTINEL_NAME: 'm' })).toThrow(
      'bad configuration: REDIS_SENTINELS: each sentinel is host:port',
    );
  });

  it('every connection asks the sentinels, with REDIS_URL’s credentials, db and TLS for the master', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://app:pw@ignored.example.com:6390/2',
      REDIS_SENTINELS: 's1:26379,[::1]:26380',
      REDIS_SENTINEL_NAME: 'mymaster',
      REDIS_SENTINEL_PASSWORD: 'spw',
    });
    const expected = {
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      sentinelPassword: 'spw',
      username: 'app',
      password: 'pw',
      db: 2,
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
      failoverDetector: true,
    };
    expect(redisOptions(config)).toEqual(expected);
    expect(bullConnection(config)).toEqual({ ...expected, maxRetriesPerRequest: null });
  });
});

describe('Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  it('reads host:port lists as the sentinels are read', () => {
    expect(parseClusterNodes(' ')).toEqual([]);
    expect(parseClusterNodes('node-1.example.com:7000,[fd00::2]:7001')).toEqual([
      { host: 'node-1.example.com', port: 7000 },
      { host: 'fd00::2', port: 7001 },
    ]);
    expect(parseClusterNodes('n1:7000;n2:7000')).toMatch(
      /^each node is host:port .*; not "n1:7000;n2:7000"$/,
    );
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'n1' })).toThrow(
      'bad configuration: REDIS_CLUSTER_NODES: each node is host:port with a port from 1 to 65535',
    );
  });

  it('refuses Sentinel beside it, and a database other than 0, saying what to unset', () => {
    expect(() =>
      loadConfig({
        REDIS_CLUSTER_NODES: 'n1:7000',
        REDIS_SENTINELS: 's1:1',
        REDIS_SENTINEL_NAME: 'm',
      }),
    ).toThrow(
      'bad configuration: REDIS_CLUSTER_NODES: a Redis Cluster fails over by itself, without sentinels: unset REDIS_SENTINELS and REDIS_SENTINEL_NAME',
    );
    expect(() =>
      loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000', REDIS_URL: 'redis://h:6379/2' }),
    ).toThrow(
      'bad configuration: REDIS_URL: a Redis Cluster has only database 0, not /2: drop the /2 from REDIS_URL',
    );
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000', REDIS_URL: 'redis://h:6379/0' }).keyPrefix,
    ).toBe('{bp}');
  });
});
