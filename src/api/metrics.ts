// /metrics for Prometheus, admin tenants only: what the whole service holds and did (read from
// Redis, so every API process says the same) and this process's request and predict timings and
// default metrics. Not where workers report: they count in Redis.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Counter, Gauge, type Metric, Registry } from 'prom-client';
import { jobStatuses } from '../spec/index.js';
import { epochSecondsBuckets, metricsKeysFor } from '../store/index.js';
import { collectProcessMetrics } from './process-metrics.js';
import { seriesHistogram } from './series-histogram.js';

/** The queue states reported, as BullMQ's getJobCounts names them. */
const queueStates = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

// POST /v1/models/:id/predict, /v2/models/:id/infer, /v1/models/:id:predict
const predictRoute = /[/:](predict|infer)$/;

// Prediction runs in this process on a cached model: well under a millisecond for small ones.
const predictBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * The epoch-duration histogram as workers count it in Redis. prom-client's Histogram can only
 * observe, not be set from counts kept elsewhere
 * (https://github.com/siimon/prom-client/issues/241), so this is a metric of our own that the
 * registry renders like any other: it reads what a Registry reads (name, help, type, get()).
 */
function storedEpochHistogram(redis: Redis, key: string) {
  const name = 'backprop_epoch_duration_seconds';
  const help = 'Time an epoch took to train, over every worker';
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const counts = await redis.hgetall(key);
      const values: {
        metricName: string;
        labels: Record<string, string | number>;
        value: number;
      }[] = [];
      let count = 0; // Prometheus's buckets are cumulative; the stored ones are not
      for (const bound of [...epochSecondsBuckets, '+Inf']) {
        count += Number(counts[String(bound)] ?? 0);
        values.push({ metricName: `${name}_bucket`, labels: { le: bound }, value: count });
      }
      values.push({ metricName: `${name}_sum`, labels: {}, value: Number(counts.sum ?? 0) });
      values.push({ metricName: `${name}_count`, labels: {}, value: count });
      return { name, help, type: this.type, aggregator: this.aggregator, values };
    },
    reset() {}, // nothing of this process's own to reset
  };
}

// What the whole service holds and did: the same from every API process.
function registerServiceMetrics(app: FastifyInstance, registry: Registry): void {
  const { config, redis, queue, webhooks } = app.services;
  const keys = metricsKeysFor(config.keyPrefix);

  new Gauge({
    name: 'backprop_jobs',
    help: 'Jobs by state, over every tenant',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      // counted by the job store as jobs move (one hash), not by scanning tenants' keys
      const counts = await redis.hgetall(keys.jobsByStatus);
      for (const state of jobStatuses) this.set({ state }, Number(counts[state] ?? 0));
    },
  });
  new Gauge({
    name: 'backprop_queue_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      for (const q of [queue, webhooks]) {
        const counts = await q.getJobCounts(...queueStates);
        for (const state of queueStates) this.set({ queue: q.name, state }, counts[state] ?? 0);
      }
    },
  });
  new Counter({
    name: 'backprop_epochs_total',
    help: 'Epochs trained, over every worker',
    registers: [registry],
    async collect() {
      const epochs = Number((await redis.get(keys.epochs)) ?? 0);
      this.reset();
      this.inc(epochs);
    },
  });
  registry.registerMetric(storedEpochHistogram(redis, keys.epochSeconds) as unknown as Metric);
}

/** Counts one answered request: its method, route pattern, status and seconds taken. */
export type ObserveRequest = (
  method: string,
  route: string,
  status: number,
  seconds: number,
) => void;

/**
 * /metrics, and the hook that times every request this process answers; returns how to count
 * the requests Fastify does not see (the fast lane's, predict-lane.ts).
 */
export function registerMetrics(app: FastifyInstance): ObserveRequest {
  const registry = new Registry(); // the app's own: two apps in one process do not clash
  const stopProcessMetrics = collectProcessMetrics(registry);
  app.addHook('onClose', async () => stopProcessMetrics());
  // series-histogram.ts: prom-client's Histogram hashes the labels at every observation
  const requests = seriesHistogram({
    name: 'backprop_http_request_duration_seconds',
    help: 'Time to answer a request, by route pattern',
    registers: [registry],
  });
  const predictions = seriesHistogram({
    name: 'backprop_predict_duration_seconds',
    help: 'Time to answer a successful prediction request (any protocol)',
    buckets: predictBuckets,
    registers: [registry],
  }).series({});
  // One series per method, route pattern and status, found by one string key
  const series = new Map<string, { observe(seconds: number): void; predict: boolean }>();
  const observe: ObserveRequest = (method, route, status, seconds) => {
    const key = `${method} ${status} ${route}`;
    let one = series.get(key);
    if (!one) {
      const labels = { method, route, status_code: String(status) };
      one = { observe: requests.series(labels), predict: predictRoute.test(route) && status < 400 };
      series.set(key, one);
    }
    one.observe(seconds);
    if (one.predict) predictions(seconds);
  };
  app.addHook('onResponse', (request, reply, done) => {
    // the pattern, never the URL (ids would make a series each)
    const route = request.routeOptions.url ?? 'unmatched';
    observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  registerServiceMetrics(app, registry);

  app.get(
    '/metrics',
    { schema: { hide: true }, config: { admin: true } },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
  return observe;
}
