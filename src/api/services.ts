// The API's shared services — Redis, the stores, the training queue, the model cache — made
// once per app, decorated onto it, and closed with it.
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { createPredictor, type Model, type Predictor } from '../engine/index.js';
import {
  createDatasetQueue,
  createSweepQueue,
  createTrainingQueue,
  type DatasetQueue,
  type SweepQueue,
  type TrainingQueue,
} from '../queue.js';
import { modelFromDocument } from '../spec/index.js';
import { type BlobStore, lazyBlobStore } from '../store/blobs/index.js';
import {
  channelsFor,
  connectRedis,
  type StoredModel,
  type Stores,
  storesByTenant,
} from '../store/index.js';
import { listUnlistedModels } from '../store/model-backfill.js';
import { createPredictPool, type PredictPool } from '../threads/predict-pool.js';
import {
  createNotify,
  createWebhookQueueFor,
  type Notify,
  type WebhookDelivery,
} from '../webhooks.js';

export interface CachedModel {
  doc: StoredModel;
  model: Model;
  /** Keeps its buffers between requests; safe as the forward pass is synchronous. */
  predict: Predictor;
}

/**
 * A small LRU of parsed models: predict runs the forward pass in-process on these. Entries are
 * the tenant's (`tenant/id`): a model is found only through its own tenant's stores.
 */
export function createModelCache(size: number) {
  const cache = new Map<string, CachedModel>();
  let newest = ''; // the key used last: already last in the map's order

  const touch = (key: string, hit: CachedModel) => {
    if (key === newest) return;
    cache.delete(key);
    cache.set(key, hit); // most recently used last
    newest = key;
  };

  async function byId(stores: Stores, id: string): Promise<CachedModel | null> {
    const key = `${stores.keys.tenant}/${id}`;
    const hit = cache.get(key);
    if (hit) {
      touch(key, hit);
      return hit;
    }
    const doc = await stores.models.get(id);
    if (!doc) return null;
    const model = modelFromDocument(doc);
    const entry = { doc, model, predict: createPredictor(model) };
    cache.set(key, entry);
    newest = key;
    if (cache.size > size) cache.delete(cache.keys().next().value!);
    return entry;
  }

  return {
    /**
     * The model a reference names (an id, NAME, NAME@VERSION, NAME@ALIAS): an id is looked up
     * in the cache first; a name is resolved in Redis at every call (one round trip, so an
     * alias moved is seen at once), then its model is the cached one.
     */
    async get(stores: Stores, ref: string): Promise<CachedModel | null> {
      if (cache.has(`${stores.keys.tenant}/${ref}`)) return byId(stores, ref);
      const id = await stores.models.resolve(ref);
      return id === null ? null : byId(stores, id);
    },
    /** The cached model, without loading it: the fast lane's lookup (predict-lane.ts). */
    peek(tenant: string, id: string): CachedModel | undefined {
      const key = `${tenant}/${id}`;
      const hit = cache.get(key);
      if (hit) touch(key, hit);
      return hit;
    },
    /** `tenant/id`, as published on the model-deleted channel. */
    forget(key: string): void {
      cache.delete(key);
      if (key === newest) newest = '';
    },
  };
}

export interface Services {
  config: Readonly<Config>;
  redis: Redis;
  /** One tenant's stores (made once per tenant). */
  storesFor(tenant: string): Stores;
  queue: TrainingQueue;
  /** Big dataset uploads, for a worker to read (issue 16). */
  datasetQueue: DatasetQueue;
  /** Sweeps' parent jobs (issue 17): a worker starts each sweep's trials from there. */
  sweepQueue: SweepQueue;
  /** Where uploads and stored bytes go (BLOB_URL). */
  blobs: BlobStore;
  /** The `webhooks` queue (deliveries go out from the workers). */
  webhooks: Queue<WebhookDelivery>;
  /** Sends a job's events to its webhook (queued on `webhooks`; the workers deliver them). */
  notify: Notify;
  models: ReturnType<typeof createModelCache>;
  /** Threads for the predictions over PREDICT_THREAD_WORK. */
  predictPool: PredictPool;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export function registerServices(app: FastifyInstance, config: Readonly<Config>): Services {
  // API requests fail fast while Redis is away (503) instead of queueing forever.
  const redis = connectRedis(config, {
    connectionName: `${config.keyPrefix}:api`, // in CLIENT LIST, where operators count connections
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  });
  redis.on('error', (err) => app.log.debug({ err }, 'redis connection error'));
  const blobs = lazyBlobStore(config);
  const storesFor = storesByTenant(redis, config.keyPrefix, {
    finishedTtlSeconds: config.finishedJobTtlSeconds,
    maxJobEvents: config.maxJobEvents,
    storageQuotaBytes: config.maxTenantStorageBytes,
    blobs,
  });
  const queue = createTrainingQueue(config);
  queue.on('error', (err) => app.log.debug({ err }, 'queue connection error'));
  const datasetQueue = createDatasetQueue(config);
  datasetQueue.on('error', (err) => app.log.debug({ err }, 'dataset queue connection error'));
  const sweepQueue = createSweepQueue(config);
  sweepQueue.on('error', (err) => app.log.debug({ err }, 'sweep queue connection error'));
  const webhooks = createWebhookQueueFor(config);
  webhooks.on('error', (err) => app.log.debug({ err }, 'webhook queue connection error'));
  const services: Services = {
    config,
    redis,
    storesFor,
    queue,
    datasetQueue,
    sweepQueue,
    blobs,
    webhooks,
    notify: createNotify(webhooks, app.log),
    models: createModelCache(config.modelCacheSize),
    predictPool: createPredictPool(config.predictThreads),
  };
  app.decorate('services', services);
  // a model deleted through any API process leaves every cache
  const subscriber = connectRedis(config);
  subscriber.on('error', (err) => app.log.debug({ err }, 'redis subscriber error'));
  subscriber.on('message', (_channel, key: string) => services.models.forget(key));
  void subscriber.subscribe(channelsFor(config.keyPrefix).modelDeletedChannel).catch(() => {});
  // models stored before the registry join their tenant's list (in the background: the API
  // serves meanwhile, and a model not listed yet is still found by its id)
  app.addHook('onReady', async () => {
    listUnlistedModels(redis, config.keyPrefix).then(
      (added) => added > 0 && app.log.info({ added }, 'listed models stored before the registry'),
      (err) => app.log.warn({ err }, 'could not list the models stored before the registry'),
    );
  });
  app.addHook('onClose', async () => {
    await Promise.all([
      queue.close(),
      datasetQueue.close(),
      sweepQueue.close(),
      webhooks.close(),
      services.predictPool.close(),
      blobs.close(),
    ]);
    subscriber.disconnect();
    await redis.quit().catch(() => redis.disconnect());
  });
  return services;
}
