// Models stored before the registry (issue 15) have a document but no summary and are not on
// their tenant's model list: the API adds them when it starts, so that GET /v1/models shows
// every model a tenant has. Idempotent (a model with a summary is left alone) and safe beside
// live traffic (a model saved meanwhile has its summary already); SCAN, never KEYS.
import type { Redis } from 'ioredis';
import { type StoredModel, summaryOf } from './models.js';
import { keysFor, scanTargets } from './redis.js';

// KEYS: the model, its summary, the tenant's model list. ARGV: the summary JSON, the id.
const listScript = `
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], 'json', ARGV[1], 'name', '', 'version', '')
redis.call('ZADD', KEYS[3], 0, ARGV[2])
return 1
`;

/** Lists every model under `prefix` that is not on its tenant's list yet; how many it added. */
export async function listUnlistedModels(redis: Redis, prefix: string): Promise<number> {
  const pattern = new RegExp(`^${escapeRegExp(prefix)}:tenant:(.+):model:([\\w-]+)$`);
  let added = 0;
  for (const server of await scanTargets(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = await server.scan(
        cursor,
        'MATCH',
        `${prefix}:tenant:*:model:*`,
        'COUNT',
        500,
      );
      cursor = next;
      for (const key of batch) added += await listModel(redis, prefix, pattern, key);
    } while (cursor !== '0');
  }
  return added;
}

/** Lists the model at `key` if it is one and is not listed yet: 1 if it did, else 0. */
async function listModel(redis: Redis, prefix: string, pattern: RegExp, key: string) {
  const match = pattern.exec(key);
  if (!match) return 0; // a summary, or another key with :model: in it
  const [, tenant, id] = match as unknown as [string, string, string];
  const keys = keysFor(prefix, tenant);
  if ((await redis.exists(keys.modelSummary(id))) === 1) return 0;
  const json = await redis.get(key);
  if (!json) return 0;
  let model: StoredModel;
  try {
    model = { ...(JSON.parse(json) as StoredModel), id };
  } catch {
    return 0; // not a model document: leave it be
  }
  const summary = JSON.stringify(summaryOf(model));
  return (await redis.eval(
    listScript,
    3,
    key,
    keys.modelSummary(id),
    keys.models,
    summary,
    id,
  )) as number;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
