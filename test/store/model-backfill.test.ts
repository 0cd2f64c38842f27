// Models stored before the registry (a document, no summary, not on the list) join their
// tenant's model list when listUnlistedModels runs (the API runs it at start), each in its own
// tenant, once; models saved by the registry and keys that are not model documents are left be.
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { createStores, keysFor } from '../../src/store/index.js';
import { listUnlistedModels } from '../../src/store/model-backfill.js';
import { scratchRedis, storedModel } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();

describe('models stored before the registry', () => {
  it('join their own tenant’s list once, newest first; the rest is left alone', async () => {
    const old = { a: [newId(), newId()], b: [newId()] };
    for (const [tenant, ids] of Object.entries(old))
      for (const id of ids) {
        const { id: _, ...doc } = storedModel(id);
        await redis.set(keysFor(prefix, tenant).model(id), JSON.stringify(doc)); // as stored before
      }
    const a = createStores(redis, prefix, 'a');
    const named = await a.models.add(storedModel(newId(), { name: 'kept' }));
    await redis.set(keysFor(prefix, 'a').model('broken'), 'not json');

    expect((await a.models.list({ limit: 10 })).models.map((m) => m.id)).toEqual([named.id]);
    expect(await listUnlistedModels(redis, prefix)).toBe(3);
    expect(await listUnlistedModels(redis, prefix)).toBe(0);

    const listed = (await a.models.list({ limit: 10 })).models;
    expect(listed.map((m) => m.id)).toEqual([named.id, old.a[1], old.a[0]]);
    expect(listed[1]).toEqual({
      id: old.a[1],
      createdAt: expect.any(String),
      metrics: storedModel('').metrics,
    });
    const b = createStores(redis, prefix, 'b');
    expect((await b.models.list({ limit: 10 })).models.map((m) => m.id)).toEqual(old.b);
    // the registry's own model kept its name and version
    expect(listed[0]).toMatchObject({ name: 'kept', version: 1 });
    // and a listed old model deletes cleanly (its document, summary and place on the list)
    expect(await a.models.delete(old.a[0]!)).toBe('ok');
    expect((await a.models.list({ limit: 10 })).models.map((m) => m.id)).toEqual([
      named.id,
      old.a[1],
    ]);
  });
});
