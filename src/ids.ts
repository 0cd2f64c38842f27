// Identifiers for datasets, jobs and models: 26 characters of Crockford base32 — 10 of time,
// 16 random — so that they sort by creation (job listing pages through them newest first).
// Within one process, ids made in the same millisecond still sort in the order they were made:
// the random part of the previous id is incremented (as ULID's monotonic mode does). No ':'.
import { createHash, randomBytes } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = -1;
let lastRandom: number[] = [];

function increment(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 31) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  return next; // 32^16 ids in one millisecond: wraps, never reached in practice
}

export function newId(now = Date.now()): string {
  if (now === lastTime) {
    lastRandom = increment(lastRandom);
  } else {
    lastTime = now;
    lastRandom = Array.from(randomBytes(16), (b) => b % 32);
    lastRandom[0]! &= 15; // leaves room to increment without wrapping
  }
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + lastRandom.map((d) => alphabet[d]).join('');
}

export const idPattern = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * An id made from another and a name, the same every time (a cross-validated job's fold jobs,
 * issue 17: a try that runs again finds the folds it made). It keeps `base`'s time, so it sorts
 * beside it; the rest is from a SHA-256 of both.
 */
export function derivedId(base: string, name: string): string {
  const digest = createHash('sha256').update(`${base}/${name}`).digest();
  const rest = Array.from(digest.subarray(0, 16), (b) => alphabet[b % 32]).join('');
  return base.slice(0, 10) + rest;
}
