// Trained models in Redis: the model document (spec, weights in the notes' convention, scaler,
// classes, metrics) as one JSON string per model, written once and never changed.
import type { Redis } from 'ioredis';
import type { ModelDocument } from '../spec/index.js';
import type { Keys } from './redis.js';

export interface StoredModel extends ModelDocument {
  id: string;
  jobId: string;
}

export function createModelStore(redis: Redis, keys: Keys) {
  return {
    async save(model: StoredModel): Promise<void> {
      await redis.set(keys.model(model.id), JSON.stringify(model));
    },
    async get(id: string): Promise<StoredModel | null> {
      const json = await redis.get(keys.model(id));
      return json ? (JSON.parse(json) as StoredModel) : null;
    },
    /**
     * The id of the model that job `jobId` makes: `proposed` the first time, the same id ever
     * after, so that a job finished twice (its worker died between saving the model and
     * recording the job done) overwrites its one model rather than leaving a second.
     */
    async idForJob(jobId: string, proposed: string): Promise<string> {
      const key = keys.jobModel(jobId);
      const claimed = await redis.set(key, proposed, 'NX');
      return claimed ? proposed : ((await redis.get(key)) ?? proposed);
    },
    /** Deletes the model and tells every API process to drop its cached copy; false if none. */
    async delete(id: string): Promise<boolean> {
      const [[, deleted]] = (await redis
        .multi()
        .del(keys.model(id))
        .publish(keys.modelDeletedChannel, `${keys.tenant}/${id}`)
        .exec()) as [[Error | null, number]];
      return deleted === 1;
    },
  };
}

export type ModelStore = ReturnType<typeof createModelStore>;
