// A name's versions list newest version first, even when two jobs finishing together saved in
// the other order than their ids sort, and page by cursor in that order.
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { createStores, type StoredModel } from '../../src/store/index.js';
import { scratchRedis } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();

const documentOf = (id: string, name?: string): StoredModel => ({
  id,
  ...(name ? { name } : {}),
  format: 'backprop-model/1',
  createdAt: new Date().toISOString(),
  network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
  training: {},
  weights: [{ W: [[0.5]], b: [0.1] }],
  scaler: null,
  metrics: {
    epochs: 1,
    stopReason: 'max_epochs',
    stopMessage: 'reached the maximum of 1 epoch',
    trainRows: 1,
    validationRows: 0,
    durationMs: 1,
  },
  history: [],
});

describe('the model list by name', () => {
  it('is newest version first, paged in that order', async () => {
    const models = createStores(redis, prefix, 't').models;
    const [a, b, c] = [newId(), newId(), newId()]; // a < b < c as ids
    // c is saved first, then a, then b: versions 1, 2, 3
    for (const id of [c, a, b]) await models.add(documentOf(id, 'race'));
    await models.add(documentOf(newId())); // unnamed: not in the name's list
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
