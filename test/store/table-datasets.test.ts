// Table datasets in Redis (issue 14): saveTable writes one hash (meta, header, dictionaries,
// codes) whose bytes the meta counts and the tenant's usage is charged; loadTable reads back the
// exact EncodedTable; load() and loadTable() refuse each other's kind. Real Redis.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { encodeTable } from '../../src/data/encoded-table.js';
import { fromTargets } from '../../src/data/index.js';
import type { Table } from '../../src/data/table.js';
import { tableDataset } from '../../src/data/table-dataset.js';
import { createStores } from '../../src/store/index.js';
import { scratchRedis } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();
const stores = createStores(redis, prefix, 'default');

const carsText = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');
const [header, ...rows] = parse(carsText) as string[][];
const cars: Table = { header: header!, rows };

describe('saveTable and loadTable', () => {
  it('stores the kept rows encoded, counts every byte of the hash, and reads them back', async () => {
    const dataset = tableDataset(cars, { label: 'Miles_per_Gallon' });
    const meta = await stores.datasets.saveTable(dataset, 10_000_000);
    expect(meta).toMatchObject({ format: 'table', rows: 398, outputs: 1, targetKind: 'real' });
    const key = stores.keys.dataset(meta.id);
    expect((await redis.hkeys(key)).sort()).toEqual(['codes', 'dictionaries', 'header', 'meta']);
    let stored = 0;
    for (const field of ['meta', 'header', 'dictionaries', 'codes'])
      stored += await redis.hstrlen(key, field);
    expect(meta.bytes).toBe(stored);
    expect(await stores.usage.used()).toBe(stored);
    expect(await stores.datasets.meta(meta.id)).toEqual(meta);

    const kept = {
      header: cars.header,
      rows: rows.filter((r) => !['', 'NA'].includes(r[1]!)),
    };
    expect(kept.rows).toHaveLength(398);
    const loaded = (await stores.datasets.loadTable(meta.id))!;
    expect(loaded.meta).toEqual(meta);
    expect(loaded.table).toEqual(encodeTable(kept));
    expect(loaded.table.codes).toBeInstanceOf(Int32Array);
    await expect(stores.datasets.load(meta.id)).rejects.toThrow(/is a table.*loadTable/);
    expect(await stores.datasets.delete(meta.id)).toBe(true);
    expect(await stores.usage.used()).toBe(0);
  });

  it('answers null for no dataset, and refuses a dataset of rows', async () => {
    expect(await stores.datasets.loadTable('nothing')).toBeNull();
    const rowsMeta = await stores.datasets.save(fromTargets([[1]], [[2]]));
    await expect(stores.datasets.loadTable(rowsMeta.id)).rejects.toThrow(/holds rows.*load\(\)/);
    await stores.datasets.delete(rowsMeta.id);
  });

  it('refuses a table past the stored-bytes limit with a 413 naming it, storing nothing', async () => {
    const dataset = tableDataset(cars, { label: 'Origin' });
    const before = await redis.keys(`${prefix}:*`);
    await expect(stores.datasets.saveTable(dataset, 5000)).rejects.toMatchObject({
      status: 413,
      message: expect.stringContaining('MAX_DATASET_STORED_BYTES'),
    });
    expect(await redis.keys(`${prefix}:*`)).toEqual(before);
  });
});
