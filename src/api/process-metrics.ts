// prom-client's default metrics (CPU, memory, handles, heap, event-loop lag, GC) in one app's
// registry, and a way to stop them when the app closes. Not metrics of our own: prom-client's,
// whose event-loop-delay monitor (a 10 ms timer) and GC observer would otherwise run on.
import { createRequire } from 'node:module';
import type {
  IntervalHistogram,
  monitorEventLoopDelay as MonitorEventLoopDelay,
  PerformanceObserverCallback,
} from 'node:perf_hooks';
import { collectDefaultMetrics, type Registry } from 'prom-client';

interface PerfHooks {
  monitorEventLoopDelay: typeof MonitorEventLoopDelay;
  PerformanceObserver: typeof import('node:perf_hooks').PerformanceObserver;
}

// the module object prom-client (CommonJS) reads both from when it makes them
const perfHooks = createRequire(import.meta.url)('node:perf_hooks') as PerfHooks;

/**
 * Adds the default metrics to `registry`; the function returned stops their monitor and observer.
 * prom-client keeps no handle to either (https://github.com/siimon/prom-client/issues/494), so
 * they are caught as it makes them: for the length of this synchronous call only, perf_hooks'
 * two factories are wrapped to remember what they return.
 */
export function collectProcessMetrics(registry: Registry): () => void {
  const { monitorEventLoopDelay, PerformanceObserver } = perfHooks;
  const stops: (() => void)[] = [];
  perfHooks.monitorEventLoopDelay = (options) => {
    const histogram: IntervalHistogram = monitorEventLoopDelay(options);
    stops.push(() => histogram.disable());
    return histogram;
  };
  perfHooks.PerformanceObserver = class extends PerformanceObserver {
    constructor(callback: PerformanceObserverCallback) {
      super(callback);
      stops.push(() => this.disconnect());
    }
  };
  try {
    collectDefaultMetrics({ register: registry });
  } finally {
    perfHooks.monitorEventLoopDelay = monitorEventLoopDelay;
    perfHooks.PerformanceObserver = PerformanceObserver;
  }
  return () => {
    for (const stop of stops.splice(0)) stop();
  };
}
