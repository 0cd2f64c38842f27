// The API's shared services — Redis, the stores, the training queue, the model cache — made
// once per app, decorated onto it, and closed with it.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { createPredictor, type Model, type Predictor } from '../engine/index.js';
import { createTrainingQueue, type TrainingQueue } from '../queue.js';
import { modelFromDocument } from '../spec/index.js';
import { connectRedis, createStores, type StoredModel, type Stores } from '../store/index.js';

export interface CachedModel {
  doc: StoredModel;
  model: Model;
  /** Keeps its buffers between requests; safe as the forward pass is synchronous. */
  predict: Predictor;
}

/** A small LRU of parsed models: predict runs the forward pass in-process on these. */
export function createModelCache(stores: Stores, size: number) {
  const cache = new Map<string, CachedModel>();
  return {
    async get(id: string): Promise<CachedModel | null> {
      const hit = cache.get(id);
      if (hit) {
        cache.delete(id);
        cache.set(id, hit); // most recently used last
        return hit;
      }
      const doc = await stores.models.get(id);
      if (!doc) return null;
      const model = modelFromDocument(doc);
      const entry = { doc, model, predict: createPredictor(model) };
      cache.set(id, entry);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return entry;
    },
    forget(id: string): void {
      cache.delete(id);
    },
  };
}

export interface Services {
  config: Readonly<Config>;
  redis: Redis;
  stores: Stores;
  queue: TrainingQueue;
  models: ReturnType<typeof createModelCache>;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export function registerServices(app: FastifyInstance, config: Readonly<Config>): Services {
  // API requests fail fast while Redis is away (503) instead of queueing forever.
  const redis = connectRedis(config.redisUrl, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  });
  redis.on('error', (err) => app.log.debug({ err }, 'redis connection error'));
  const stores = createStores(redis, config.keyPrefix, {
    finishedTtlSeconds: config.finishedJobTtlSeconds,
  });
  const queue = createTrainingQueue(config);
  queue.on('error', (err) => app.log.debug({ err }, 'queue connection error'));
  const services: Services = {
    config,
    redis,
    stores,
    queue,
    models: createModelCache(stores, config.modelCacheSize),
  };
  app.decorate('services', services);
  // a model deleted through any API process leaves every cache
  const subscriber = connectRedis(config.redisUrl);
  subscriber.on('error', (err) => app.log.debug({ err }, 'redis subscriber error'));
  subscriber.on('message', (_channel, id: string) => services.models.forget(id));
  void subscriber.subscribe(stores.keys.modelDeletedChannel).catch(() => {});
  app.addHook('onClose', async () => {
    await queue.close();
    subscriber.disconnect();
    await redis.quit().catch(() => redis.disconnect());
  });
  return services;
}
