// A reference verifier of the Standard Webhooks scheme (https://www.standardwebhooks.com),
// written from the specification and independent of src/webhooks.ts, for the tests to check
// what the service sends.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The reference verifier of the Standard Webhooks scheme: HMAC-SHA256 keyed by the base64 after
 * 'whsec_', over `${msgId}.${timestamp}.${payload}`; any `v1,<sig>` in the space-separated list
 * may match; timestamps more than 5 minutes off are refused.
 */
export function verify(
  secret: string,
  headers: IncomingHttpHeaders,
  payload: string,
  now = Date.now() / 1000,
): boolean {
  const msgId = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof msgId !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string')
    return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(now - Number(timestamp)) > 5 * 60) return false;
  const key = Uint8Array.from(atob(secret.replace(/^whsec_/, '')), (c) => c.charCodeAt(0));
  const expected = createHmac('sha256', key).update(`${msgId}.${timestamp}.${payload}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) return false;
    const got = Buffer.from(signature, 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
