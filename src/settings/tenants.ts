// Tenants: their API keys, which of them are admins, and what each may hold and ask at once.
import { z } from 'zod';
import { custom, int, list, type Setting } from './kinds.js';

/** Tenant names: they go into Redis key names and logs. */
export const tenantPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** The one tenant of a service run without API keys (development mode). */
export const defaultTenant = 'default';

export interface ApiKey {
  tenant: string;
  /** SHA-256 of the key (the key itself is never configured or stored). */
  sha256: Buffer;
}

// `tenant:hex,tenant:hex`: a tenant may have several keys (rotation).
const apiKeys = z.string().transform((text, ctx): readonly ApiKey[] => {
  const keys: ApiKey[] = [];
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [tenant = '', hash = ''] = entry.split(':');
    if (!tenantPattern.test(tenant) || !/^[0-9a-f]{64}$/i.test(hash)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${entry.slice(0, 20)}…" is not tenant:sha256-hex (make entries with \`backprop keys new --tenant NAME\`)`,
      });
      return z.NEVER;
    }
    keys.push({ tenant, sha256: Buffer.from(hash, 'hex') });
  }
  return keys;
});

export const tenantSettings = {
  apiKeys: {
    env: 'API_KEYS',
    ...custom(apiKeys, '`tenant:sha256-hex,…`'),
    default: '',
    secret: true,
    doc: 'The API keys (Bearer) as SHA-256 hashes, each bound to a tenant; make entries with `backprop keys new --tenant NAME`. Empty: development mode, one tenant `default`, the API on 127.0.0.1 only.',
  },
  adminTenants: {
    env: 'ADMIN_TENANTS',
    ...list(tenantPattern, 'must be tenant names, comma-separated', '`tenant,…`'),
    default: '',
    doc: 'Tenants whose keys also open what spans every tenant: `/metrics` and `/admin/queues` (in development mode the one tenant is an admin).',
  },
  maxTenantStorageBytes: {
    env: 'MAX_TENANT_STORAGE_BYTES',
    ...int(0),
    default: String(1024 * 1024 * 1024),
    doc: 'The most bytes of datasets and models a tenant may store (0: no quota); more is a 413 naming the usage and what to delete.',
  },
  maxTenantQueuedJobs: {
    env: 'MAX_TENANT_QUEUED_JOBS',
    ...int(1),
    default: '1000',
    doc: "A tenant's queued jobs at most; one more is a 429 with `Retry-After`, and nothing of it is kept.",
  },
  maxTenantRunningJobs: {
    env: 'MAX_TENANT_RUNNING_JOBS',
    ...int(0),
    default: '0',
    doc: "A tenant's jobs training at once at most (0: no cap); the others wait their turn while other tenants' jobs run.",
  },
  tenantThrottleDelayMs: {
    env: 'TENANT_THROTTLE_DELAY_MS',
    ...int(10),
    default: '1000',
    doc: 'How long a job held back by `MAX_TENANT_RUNNING_JOBS` waits before it asks again.',
  },
  rateLimitPerMinute: {
    env: 'RATE_LIMIT_PER_MINUTE',
    ...int(0),
    default: '0',
    doc: 'Requests per API key (per address without keys) per minute, counted across API processes (0: no limit); more is a 429.',
  },
  maxTenantStreams: {
    env: 'MAX_TENANT_STREAMS',
    ...int(1),
    default: '50',
    doc: "A tenant's open event streams (SSE) per API process at most; more is a 429.",
  },
} satisfies Record<string, Setting>;
