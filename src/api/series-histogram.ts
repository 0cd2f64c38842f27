// A Prometheus histogram for the request path: its series are looked up once, and observing one
// is a bucket search and three additions. prom-client's Histogram converts, validates and hashes
// the labels at every observation (lib/histogram.js observe), which cost the predict routes
// about as much as their forward pass. The registry renders it exactly as a prom-client
// Histogram: the same `_bucket{le=…}` (cumulative), `_sum` and `_count` lines.
import type { Metric, Registry } from 'prom-client';

/** prom-client's default buckets, in seconds. */
export const defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface HistogramOptions {
  name: string;
  help: string;
  buckets?: readonly number[];
  registers: Registry[];
}

interface Series {
  labels: Record<string, string>;
  /** Observations per bucket, not cumulative; the last counts those past every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export interface SeriesHistogram {
  /** A new series with these labels (call once per set of labels): observes a value. */
  series(labels: Record<string, string>): (value: number) => void;
}

export function seriesHistogram(options: HistogramOptions): SeriesHistogram {
  const { name, help } = options;
  const bounds = [...(options.buckets ?? defaultBuckets)];
  const all: Series[] = [];

  function values() {
    const out: {
      metricName: string;
      labels: Record<string, string | number>;
      sharedLabels: Record<string, string>;
      value: number;
    }[] = [];
    for (const s of all) {
      let cumulative = 0;
      bounds.forEach((le, i) => {
        cumulative += s.counts[i]!;
        out.push({
          metricName: `${name}_bucket`,
          labels: { le },
          sharedLabels: s.labels,
          value: cumulative,
        });
      });
      const shared = s.labels;
      out.push({
        metricName: `${name}_bucket`,
        labels: { le: '+Inf' },
        sharedLabels: shared,
        value: s.count,
      });
      out.push({ metricName: `${name}_sum`, labels: {}, sharedLabels: shared, value: s.sum });
      out.push({ metricName: `${name}_count`, labels: {}, sharedLabels: shared, value: s.count });
    }
    return out;
  }

  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    // what the registry renders (labels, then the series' own as sharedLabels, as prom-client's)
    async getForPromString() {
      return { name, help, type: 'histogram', aggregator: 'sum', values: values() };
    },
    // the same values with the series' labels in each (for getMetricsAsJSON and aggregation)
    async get() {
      const splayed = values().map(({ sharedLabels, labels, ...v }) => ({
        ...v,
        ...(v.metricName.endsWith('_bucket') ? { exemplar: null } : {}),
        labels: { ...labels, ...sharedLabels },
      }));
      return { name, help, type: 'histogram', aggregator: 'sum', values: splayed };
    },
    reset() {
      for (const s of all) {
        s.counts.fill(0);
        s.sum = 0;
        s.count = 0;
      }
    },
  };
  for (const registry of options.registers) registry.registerMetric(metric as unknown as Metric);

  return {
    series(labels) {
      const s: Series = { labels, counts: new Float64Array(bounds.length + 1), sum: 0, count: 0 };
      all.push(s);
      return (value) => {
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        s.counts[i]!++;
        s.sum += value;
        s.count++;
      };
    },
  };
}
