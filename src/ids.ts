// Identifiers for datasets, jobs and models: 26 characters of Crockford base32, time first, so
// that they sort by creation (job listing pages through them newest first). No ':' (BullMQ).
import { randomBytes } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newId(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let random = '';
  for (let i = 0; i < 16; i++) random += alphabet[bytes[i]! % 32];
  return time + random;
}

export const idPattern = /^[0-9A-HJKMNP-TV-Z]{26}$/;
