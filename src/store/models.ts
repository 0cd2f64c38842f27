// Trained models in Redis: the model document (spec, weights in the notes' convention, scaler,
// classes, metrics) as one JSON string per model, written once and never changed. Its bytes
// count in the tenant's usage (usage.ts) from its write to its deletion.
import type { Redis } from 'ioredis';
import type { ModelDocument } from '../spec/index.js';
import { type Fence, fencedOutLua } from './fence.js';
import type { Keys } from './redis.js';
import { charge, release, usageKey, usageLua } from './usage.js';

// KEYS: the job hash, the model, the tenant's usage. ARGV: fence, item, JSON. A worker's save
// is fenced: a try that lost its job writes no model.
const saveScript = `${fencedOutLua}${usageLua}
if fencedOut(KEYS[1], ARGV[1]) then return 'fenced' end
redis.call('SET', KEYS[2], ARGV[3])
charge(KEYS[3], ARGV[2], string.len(ARGV[3]))
return 'ok'
`;

export interface StoredModel extends ModelDocument {
  id: string;
  /** The job that trained it; none for a model imported from a file. */
  jobId?: string;
  /** When it was imported from a model file (POST /v1/models); none for a trained model. */
  importedAt?: string;
}

export function createModelStore(redis: Redis, keys: Keys) {
  return {
    /** 'fenced' (nothing written) when `fence` is no longer its job's. */
    async save(model: StoredModel, fence: Fence = ''): Promise<'ok' | 'fenced'> {
      return (await redis.eval(
        saveScript,
        3,
        keys.job(model.jobId ?? ''), // read only with a fence: a worker's save
        keys.model(model.id),
        usageKey(keys),
        fence,
        `model:${model.id}`,
        JSON.stringify(model),
      )) as 'ok' | 'fenced';
    },
    /** A model of no job (imported from a file) under a new id, its bytes counted. */
    async add(model: StoredModel): Promise<void> {
      const json = JSON.stringify(model);
      const write = redis.multi().set(keys.model(model.id), json);
      await charge(write, keys, `model:${model.id}`, Buffer.byteLength(json)).exec();
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
      const write = redis
        .multi()
        .del(keys.model(id))
        .publish(keys.modelDeletedChannel, `${keys.tenant}/${id}`);
      const [[, deleted]] = (await release(write, keys, `model:${id}`).exec()) as [
        [Error | null, number],
      ];
      return deleted === 1;
    },
  };
}

export type ModelStore = ReturnType<typeof createModelStore>;
