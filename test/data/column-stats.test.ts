// numericStats on values near the ends of float64: every statistic finite (a profile is JSON,
// which has no Infinity or NaN), and equal to the plain two-pass figures where those do not
// overflow.
import { describe, expect, it } from 'vitest';
import { numericStats } from '../../src/data/column-stats.js';

describe('numericStats', () => {
  it('stays finite on values whose sum or squares overflow float64', () => {
    for (const values of [
      [1.7e308, 1.7e308],
      [-1.7e308, 1.7e308],
      [Number.MAX_VALUE, -Number.MAX_VALUE, 0],
      [1e200, -1e200, 3],
    ]) {
      const s = numericStats(values);
      for (const v of [s.min, s.max, s.mean, s.std, s.median])
        expect(Number.isFinite(v)).toBe(true);
    }
    expect(numericStats([1.7e308, 1.7e308])).toMatchObject({
      mean: 1.7e308,
      std: 0,
      median: 1.7e308,
    });
    const s = numericStats([-1.7e308, 1.7e308]);
    expect(s.mean).toBe(0);
    expect(s.std / 1.7e308).toBeCloseTo(1, 12);
    expect(s.median).toBe(0);
  });

  it('gives the plain float64 figures on ordinary values, and past the float32 range', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6, 1e38 * 5];
    const n = values.length;
    const mean = values.reduce((a, v) => a + v, 0) / n;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
    expect(numericStats(values)).toEqual({
      min: 1,
      max: 5e38,
      mean,
      std,
      median: 4,
      integer: true,
    });
  });
});
