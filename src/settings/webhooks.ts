// Webhooks: each tenant's signing secret, and how deliveries are tried and where they may go.
import { z } from 'zod';
import { custom, flag, int, type Setting } from './kinds.js';
import { tenantPattern } from './tenants.js';

// `tenant:whsec_…,tenant:whsec_…`
const secrets = z.string().transform((text, ctx): ReadonlyMap<string, string> => {
  const found = new Map<string, string>();
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf(':');
    const tenant = entry.slice(0, at);
    const secret = entry.slice(at + 1);
    if (at < 0 || !tenantPattern.test(tenant) || !/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(secret)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${entry.slice(0, 20)}…" is not tenant:whsec_<base64>`,
      });
      return z.NEVER;
    }
    found.set(tenant, secret);
  }
  return found;
});

export const webhookSettings = {
  webhookSecrets: {
    env: 'WEBHOOK_SECRETS',
    ...custom(secrets, '`tenant:whsec_…,…`'),
    default: '',
    secret: true,
    doc: "Each tenant's Standard Webhooks signing secret; a job's webhook needs its tenant to have one (`backprop keys new` makes one).",
  },
  webhookAttempts: {
    env: 'WEBHOOK_ATTEMPTS',
    ...int(1, 100),
    default: '8',
    doc: 'Tries of one delivery (a non-2xx answer, a redirect or no answer is tried again).',
  },
  webhookBackoffMs: {
    env: 'WEBHOOK_BACKOFF_MS',
    ...int(0),
    default: '1000',
    doc: 'The wait before the second try of a delivery, doubling for each try after it.',
  },
  webhookTimeoutMs: {
    env: 'WEBHOOK_TIMEOUT_MS',
    ...int(100),
    default: '10000',
    doc: 'The longest one try waits for an answer.',
  },
  webhookEpochIntervalMs: {
    env: 'WEBHOOK_EPOCH_INTERVAL_MS',
    ...int(0),
    default: '1000',
    doc: 'Least time between two `epoch` deliveries of one job (the latest epoch is sent).',
  },
  webhookAllowPrivate: {
    env: 'WEBHOOK_ALLOW_PRIVATE',
    ...flag('must be 1 (webhooks may reach loopback and private networks) or 0'),
    default: '0',
    doc: "`1`: webhooks may reach loopback, private and link-local addresses (for development); off, a tenant cannot make the service call its own network or a cloud's metadata service.",
  },
} satisfies Record<string, Setting>;
