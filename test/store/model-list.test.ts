// A name's versions list newest version first, even when two jobs finishing together saved in
// the other order than their ids sort, and page by cursor in that order.
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { createStores } from '../../src/store/index.js';
import { scratchRedis, storedModel } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();

describe('the model list by name', () => {
  it('is newest version first, paged in that order', async () => {
    const models = createStores(redis, prefix, 't').models;
    const [a, b, c] = [newId(), newId(), newId()]; // a < b < c as ids
    // c is saved first, then a, then b: versions 1, 2, 3
    for (const id of [c, a, b]) await models.add(storedModel(id, { name: 'race' }));
    await models.add(storedModel(newId())); // unnamed: not in the name's list
    const first = await models.list({ name: 'race', limit: 2 });
    expect(first.models.map((m) => [m.version, m.id])).toEqual([
      [3, b],
      [2, a],
    ]);
    expect(first.nextCursor).toBe(a);
    const rest = await models.list({ name: 'race', limit: 2, cursor: first.nextCursor! });
    expect(rest).toEqual({
      models: [expect.objectContaining({ version: 1, id: c })],
      nextCursor: null,
    });
    // the whole list stays newest id first, named and unnamed together
    expect((await models.list({ limit: 10 })).models).toHaveLength(4);
  });
});
