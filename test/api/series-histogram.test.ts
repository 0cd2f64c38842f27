// The request-path histogram (src/api/series-histogram.ts) renders exactly as prom-client's own
// Histogram given the same observations: same lines, same order, same numbers, text and JSON.
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { seriesHistogram } from '../../src/api/series-histogram.js';

const labelSets = [
  { method: 'POST', route: '/v1/models/:id/predict', status_code: '200' },
  { method: 'GET', route: '/v1/jobs/:id', status_code: '404' },
  { method: 'POST', route: '/v2/models/:id/infer', status_code: '400' },
];

function both(buckets?: number[]) {
  const [ours, theirs] = [new Registry(), new Registry()];
  const name = 'h_seconds';
  const help = 'a histogram';
  const fast = seriesHistogram({ name, help, registers: [ours], ...(buckets ? { buckets } : {}) });
  const slow = new Histogram({
    name,
    help,
    labelNames: ['method', 'route', 'status_code'],
    registers: [theirs],
    ...(buckets ? { buckets } : {}),
  });
  // made at first use, as metrics.ts makes them (prom-client lists series in that order too)
  const made = new Map<number, (value: number) => void>();
  const observe = (i: number, value: number) => {
    if (!made.has(i)) made.set(i, fast.series(labelSets[i]!));
    made.get(i)!(value);
    slow.labels(labelSets[i]!).observe(value);
  };
  return { ours, theirs, observe };
}

describe('seriesHistogram', () => {
  it('renders as prom-client does, for any observations', async () => {
    const observation = fc.tuple(
      fc.integer({ min: 0, max: labelSets.length - 1 }),
      fc.oneof(fc.double({ min: 0, max: 20, noNaN: true }), fc.constantFrom(0.005, 0.01, 10, 0)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(observation, { maxLength: 40 }),
        fc.boolean(),
        async (seen, own) => {
          const { ours, theirs, observe } = both(own ? [0.001, 0.5, 2] : undefined);
          for (const [i, value] of seen) observe(i, value);
          expect(await ours.metrics()).toBe(await theirs.metrics());
          expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
        },
      ),
      { numRuns: 100, seed: 3 },
    );
  });

  it('a series without labels, before and after observations, text and JSON', async () => {
    const [ours, theirs] = [new Registry(), new Registry()];
    const options = { name: 'p_seconds', help: 'predictions', buckets: [0.001, 0.01, 1] };
    const fast = seriesHistogram({ ...options, registers: [ours] }).series({});
    const slow = new Histogram({ ...options, registers: [theirs] });
    expect(await ours.metrics()).toBe(await theirs.metrics()); // zeros before any
    for (const v of [0.0004, 0.002, 0.002, 3]) {
      fast(v);
      slow.observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });
});
