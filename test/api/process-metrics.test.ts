// An app's default metrics stop with it: the event-loop-delay monitor and the GC observer that
// prom-client starts for the app's registry are stopped when the app closes, so tests that build
// many apps do not leave timers running. perf_hooks is watched, not replaced: the spies call
// through. Real app and Redis.
import { createRequire } from 'node:module';
import type { IntervalHistogram, PerformanceObserver } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { connectRedis, deleteKeysUnder } from '../../src/store/index.js';

// the module object prom-client reads perf_hooks from
const perfHooks = createRequire(import.meta.url)(
  'node:perf_hooks',
) as typeof import('node:perf_hooks');

const config = loadConfig({
  ...process.env,
  KEY_PREFIX: `bp:test:process-metrics${process.pid}`,
  API_KEYS: '',
  LOG_LEVEL: 'silent',
});

afterEach(async () => {
  vi.restoreAllMocks();
  const redis = connectRedis(config.redisUrl);
  await deleteKeysUnder(redis, config.keyPrefix);
  await redis.quit();
});

describe('default metrics', () => {
  it('are scraped while the app runs, and their monitor and observer stop when it closes', async () => {
    const monitor = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    const observing = new Set<PerformanceObserver>();
    const observe = vi.spyOn(perfHooks.PerformanceObserver.prototype, 'observe');
    const disconnect = vi.spyOn(perfHooks.PerformanceObserver.prototype, 'disconnect');

    const app = await buildApp({ config });
    const monitors = monitor.mock.results.map((result) => result.value as IntervalHistogram);
    for (const [i, options] of observe.mock.calls.entries())
      if (JSON.stringify(options).includes('"gc"'))
        observing.add(observe.mock.contexts[i] as PerformanceObserver);
    expect(monitors).toHaveLength(1);
    expect(observing.size).toBe(1);
    const scraped = await app.inject({ url: '/metrics' });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(scraped.body).toContain('# TYPE nodejs_gc_duration_seconds histogram');

    await app.close();
    // disable() answers whether it stopped a running monitor: false, it was stopped already
    expect(monitors[0]!.disable()).toBe(false);
    expect(disconnect.mock.contexts).toContain([...observing][0]);
  });
});
