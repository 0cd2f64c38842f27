// Who is asking: every request but the public ones (health, the API document) carries
// `Authorization: Bearer <key>`; the key's SHA-256 is compared in constant time with every
// configured hash, and the match names the request's tenant. With no keys configured the
// service is in development mode: one tenant, `default`, no key needed, loopback names only.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ApiKey, defaultTenant } from '../config.js';
import { AppError } from '../errors.js';
import type { Stores } from '../store/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant the request acts for. */
    tenant: string;
    /** That tenant's stores: everything a route reads or writes goes through these. */
    stores: Stores;
    /** A short, non-secret name of the key used (for rate limiting and logs). */
    keyId: string;
    /** The tenant may see what spans every tenant (ADMIN_TENANTS; development mode). */
    isAdmin: boolean;
  }
  interface FastifyContextConfig {
    /** Answered without a key (health checks, the API document). */
    public?: boolean;
    /** Takes the key from `?access_token=` too (RFC 6750): for browsers' EventSource. */
    queryToken?: boolean;
    /** Only for admin tenants (403 for others). */
    admin?: boolean;
    /** Takes the key from the `bp_token` cookie too: for the queue board's page and its calls. */
    cookieToken?: boolean;
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** A new API key and the `tenant:sha256` entry of API_KEYS that admits it. */
export function newApiKey(tenant: string): { key: string; entry: string } {
  const key = `bpk_${randomBytes(32).toString('base64url')}`;
  return { key, entry: `${tenant}:${sha256(key).toString('hex')}` };
}

/** The tenant of a presented key, or null. Every configured hash is compared, match or not. */
export function tenantOfKey(keys: readonly ApiKey[], key: string): string | null {
  const presented = sha256(key);
  let tenant: string | null = null;
  for (const k of keys)
    if (timingSafeEqual(presented, k.sha256) && tenant === null) tenant = k.tenant;
  return tenant;
}

/** The name of the cookie that carries a key on `cookieToken` routes. */
export const tokenCookie = 'bp_token';

function cookieOf(request: FastifyRequest, name: string): string | null {
  for (const pair of request.headers.cookie?.split(';') ?? []) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return null;
}

function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') {
    const { queryToken, cookieToken } = request.routeOptions.config ?? {};
    const query = (request.query as Record<string, unknown> | undefined)?.access_token;
    const token =
      (queryToken && typeof query === 'string' ? query : null) ??
      (cookieToken ? cookieOf(request, tokenCookie) : null);
    return token && /^\S+$/.test(token) ? token : null;
  }
  return keyOfHeader(header);
}

/** The key of an `Authorization: Bearer <key>` header, or null. */
function keyOfHeader(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

/**
 * A Host header that names this machine by its loopback: `localhost`, `127.x.x.x` or `[::1]`,
 * with any port. A name an attacker controls can be made to resolve to 127.0.0.1 after a page
 * of theirs loaded (DNS rebinding); these cannot. Not `*.localhost`: not every browser keeps
 * those off DNS.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  const name = /^(\[[^\]]*\]|[^:]*)(?::\d{1,5})?$/.exec(host?.toLowerCase() ?? '')?.[1];
  return name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name ?? '');
}

function refuseForeignHost(host: string | undefined): never {
  const named = host ? `Host ${JSON.stringify(host.slice(0, 100))}` : 'no Host header';
  throw new AppError(
    'forbidden',
    `in development mode (no API_KEYS) the service answers only requests addressed to localhost, 127.0.0.1 or [::1], and this one came with ${named}: open it at http://localhost:<port>, or set API_KEYS to serve it under other names`,
  );
}

/** The tenant of a request with these headers if the auth hook would let it in; else null. */
export type TenantOfHeaders = (headers: IncomingHttpHeaders) => string | null;

/**
 * The auth hook, on every route; returns its check of a request's headers alone (Authorization,
 * or in development mode Host), for the fast lane (predict-lane.ts), which Fastify does not see.
 */
export function registerAuth(
  app: FastifyInstance,
  keys: readonly ApiKey[],
  adminTenants: readonly string[],
  storesFor: (tenant: string) => Stores,
): TenantOfHeaders {
  // A valid key's tenant and id, worked out once: hashing it at every request (twice, ≈ 13 µs
  // here) cost more than a small predict's forward pass. Only valid keys are kept, so this holds at most one entry per
  // configured key; any other key is hashed and compared with every configured hash each time.
  const valid = new Map<string, { tenant: string; keyId: string }>();
  const identify = (key: string) => {
    const hit = valid.get(key);
    if (hit) return hit;
    const tenant = tenantOfKey(keys, key);
    if (tenant === null) return null;
    const found = { tenant, keyId: `key:${sha256(key).toString('hex').slice(0, 16)}` };
    valid.set(key, found);
    return found;
  };
  app.decorateRequest('tenant', '');
  app.decorateRequest('keyId', '');
  app.decorateRequest('isAdmin', false);
  app.decorateRequest('stores', null as unknown as Stores);
  app.addHook('onRequest', async (request, reply) => {
    const { config, url } = request.routeOptions;
    // every route, public ones too: a rebound name would reach the keyless API from any web page
    if (keys.length === 0 && !isLoopbackHost(request.headers.host))
      refuseForeignHost(request.headers.host);
    if (config?.public || url === '/docs' || url?.startsWith('/docs/')) return;
    if (keys.length === 0) {
      request.tenant = defaultTenant;
      request.keyId = `ip:${request.ip}`;
    } else {
      const key = bearerOf(request);
      const known = key ? identify(key) : null;
      if (!key || !known) {
        reply.header('www-authenticate', 'Bearer realm="backprop"');
        throw new AppError(
          'unauthorized',
          key
            ? 'the API key is not valid: check the Authorization header (Bearer <key>)'
            : 'send your API key as Authorization: Bearer <key>',
        );
      }
      request.tenant = known.tenant;
      request.keyId = known.keyId;
    }
    request.stores = storesFor(request.tenant);
    request.isAdmin = keys.length === 0 || adminTenants.includes(request.tenant);
    if (config?.admin && !request.isAdmin)
      throw new AppError(
        'forbidden',
        `this needs an admin tenant's key; ${request.tenant} is not one (ADMIN_TENANTS)`,
      );
  });
  return (headers) => {
    if (keys.length === 0) return isLoopbackHost(headers.host) ? defaultTenant : null;
    const key = keyOfHeader(headers.authorization);
    return key ? (identify(key)?.tenant ?? null) : null;
  };
}
