// The API's model cache (src/api/services.ts): least recently used out first, whether a model
// was used through get (the routes) or peek (the fast lane), and only its own tenant's models.
import { describe, expect, it } from 'vitest';
import { createModelCache } from '../../src/api/services.js';
import { fromTargets } from '../../src/data/index.js';
import { train } from '../../src/engine/index.js';
import { newId } from '../../src/ids.js';
import { createModelDocument, resolveTraining } from '../../src/spec/index.js';
import { createStores } from '../../src/store/index.js';
import { scratchRedis } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();
const network = {
  inputSize: 1,
  layers: [{ units: 1, activation: 'identity' as const }],
  divergence: 'l2' as const,
};

async function saveModel(tenant: string): Promise<string> {
  const training = resolveTraining({ epochs: 1, seed: 1 });
  const result = train(network, fromTargets([[1]], [[2]]), training);
  const doc = createModelDocument({ network, training, result, history: [], durationMs: 1 });
  const id = newId();
  await createStores(redis, prefix, tenant).models.save({ ...doc, id, jobId: newId() });
  return id;
}

describe('the model cache', () => {
  it('evicts the least recently used, counting peeks and repeated uses', async () => {
    const stores = createStores(redis, prefix, 'acme');
    const [a, b, c, d] = [
      await saveModel('acme'),
      await saveModel('acme'),
      await saveModel('acme'),
      await saveModel('acme'),
    ];
    const cache = createModelCache(2);
    const cached = (id: string) => cache.peek('acme', id) !== undefined;
    await cache.get(stores, a);
    await cache.get(stores, b);
    await cache.get(stores, b); // used again while newest: order stays a, b
    expect(cache.peek('acme', a)).toBeDefined(); // a used: order b, a
    await cache.get(stores, c); // b out
    expect([cached(a), cached(b), cached(c)]).toEqual([true, false, true]);
    // the peeks just made left the order a, c: a is the one to go next
    await cache.get(stores, d);
    expect([cached(a), cached(c), cached(d)]).toEqual([false, true, true]);
  });

  it("finds a model only through its own tenant's stores", async () => {
    const id = await saveModel('acme');
    const cache = createModelCache(4);
    expect(await cache.get(createStores(redis, prefix, 'globex'), id)).toBeNull();
    expect(await cache.get(createStores(redis, prefix, 'acme'), id)).not.toBeNull();
    expect(cache.peek('globex', id)).toBeUndefined();
    expect(cache.peek('acme', id)).toBeDefined();
    cache.forget(`acme/${id}`);
    expect(cache.peek('acme', id)).toBeUndefined();
  });
});
