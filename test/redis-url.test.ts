// REDIS_URL read into the parts every connection is made from (issue 12, defect 4: the queue's
// connection kept IPv6 brackets and dropped TLS), and the configuration refusing what it cannot
// connect to with a sentence naming the fix.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { parseRedisUrl } from '../src/redis-url.js';
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
