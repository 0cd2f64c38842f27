// Ids sort by creation, even within one millisecond, and fit BullMQ (no ':').
import { describe, expect, it } from 'vitest';
import { derivedId, idPattern, newId } from '../src/ids.js';

describe('ids', () => {
  it('sort in the order they were made, within one millisecond too', () => {
    const ids = Array.from({ length: 1000 }, () => newId(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    const later = newId(1_800_000_000_001);
    expect(later > ids[999]!).toBe(true);
  });

  it('are 26 Crockford base32 characters, time first', () => {
    const id = newId(0);
    expect(id).toMatch(idPattern);
    expect(id.startsWith('0000000000')).toBe(true);
    expect(newId()).not.toContain(':');
  });

  it('derived from another and a name: the same every time, an id beside it, one per name', () => {
    const base = newId(1_800_000_000_000);
    const fold = (i: number) => derivedId(base, `fold-${i}`);
    expect(fold(0)).toBe(fold(0));
    expect(fold(0)).toMatch(idPattern);
    expect(fold(0).slice(0, 10)).toBe(base.slice(0, 10));
    expect(new Set(Array.from({ length: 20 }, (_, i) => fold(i))).size).toBe(20);
    expect(derivedId(newId(1_800_000_000_000), 'fold-0')).not.toBe(fold(0));
  });
});
