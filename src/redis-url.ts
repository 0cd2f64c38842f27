// REDIS_URL read once into the parts every connection is made from: host (IPv6 without its
// brackets), port, TLS for rediss:, the decoded username and password, the database number.
// REDIS_SENTINELS and REDIS_CLUSTER_NODES read into addresses. Pure: no connection, no file;
// src/store/connection.ts turns these into ioredis options.

import { isIP } from 'node:net';

export interface RedisAddress {
  host: string;
  port: number;
  /** rediss: the connection is TLS. */
  tls: boolean;
  username?: string;
  password?: string;
  db?: number;
}

/** The URL's parts, or a sentence saying what is wrong with it (for the configuration error). */
export function parseRedisUrl(text: string): RedisAddress | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be a URL like redis://host:6379/0 or rediss://user:password@host:6380';
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return `must start with redis:// or rediss:// (TLS), not ${url.protocol}//`;
  // WHATWG URLs keep an IPv6 host in brackets ([::1]); sockets want it bare
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) return 'must name a host, e.g. redis://127.0.0.1:6379';
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path))
    return `the path must be a database number (redis://host:6379/0), not /${path}`;
  if (url.search !== '')
    return 'takes no query parameters: give TLS as rediss:// and its CA in REDIS_TLS_CA';
  return {
    host,
    port: url.port === '' ? 6379 : Number(url.port),
    tls: url.protocol === 'rediss:',
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(path !== '' ? { db: Number(path) } : {}),
  };
}

/** A server's address (a sentinel, a cluster node): host (IPv6 without its brackets) and port. */
export interface ServerAddress {
  host: string;
  port: number;
}

export type SentinelAddress = ServerAddress;

/**
 * REDIS_SENTINELS (`host:port,…`, an IPv6 host in brackets) read into addresses; empty text is
 * none. Or a sentence saying what is wrong with it.
 */
export function parseSentinels(text: string): ServerAddress[] | string {
  return parseAddresses(text, 'sentinel', '[::1]:26379');
}

/** REDIS_CLUSTER_NODES (`host:port,…`), as parseSentinels reads REDIS_SENTINELS. */
export function parseClusterNodes(text: string): ServerAddress[] | string {
  return parseAddresses(text, 'node', '[::1]:7000');
}

function parseAddresses(text: string, noun: string, example: string): ServerAddress[] | string {
  if (text.trim() === '') return [];
  const addresses: ServerAddress[] = [];
  for (const item of text.split(',').map((part) => part.trim())) {
    const match = /^(?:\[([^\]]+)\]|([^\s:[\]/@]+)):(\d{1,5})$/.exec(item);
    const host = match?.[1] ?? match?.[2];
    const port = Number(match?.[3]);
    if (!match || host === undefined || port < 1 || port > 65535)
      return `each ${noun} is host:port with a port from 1 to 65535, an IPv6 host in brackets (${example}), separated by commas; not ${JSON.stringify(item)}`;
    if (match[1] !== undefined && isIP(host) !== 6)
      return `only an IPv6 address goes in brackets, not [${host}]`;
    addresses.push({ host, port });
  }
  return addresses;
}
