// REDIS_URL read once into the parts every connection is made from: host (IPv6 without its
// brackets), port, TLS for rediss:, the decoded username and password, the database number.
// Pure: no connection, no file; src/store/connection.ts turns this into ioredis options.

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
