// The model store's registry (issue 15) against a real Redis: many saves of one name at once get
// versions 1…N with none twice, a model saved again (its worker died between saving and
// finishing) keeps its version, a fenced save takes no version, deleted versions are not handed
// out again, aliases guard deletion, and the list pages through filters across its read batches.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { createStores, type StoredModel } from '../../src/store/index.js';
import { scratchRedis } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();
const stores = createStores(redis, prefix, 'team');

// A model as the list and the registry see it: no weights needed for these checks.
function model(fields: Partial<StoredModel> = {}): StoredModel {
  return {
    id: newId(),
    createdAt: new Date().toISOString(),
    metrics: { error: 0.5 },
    ...fields,
  } as StoredModel;
}

async function save(m: StoredModel, fence = '') {
  const saved = await stores.models.save(m, fence);
  if (saved === 'fenced') throw new Error('fenced');
  return saved;
}

describe('versions', () => {
  const connections = Array.from({ length: 4 }, () => new Redis('redis://127.0.0.1:6379'));
  afterAll(() => Promise.all(connections.map((c) => c.quit())));

  it('40 saves of one name at once, from 4 connections: versions 1…40, each once', async () => {
    const models = Array.from({ length: 40 }, () => model({ name: 'busy' }));
    const saved = await Promise.all(
      models.map((m, i) => createStores(connections[i % 4]!, prefix, 'team').models.save(m)),
    );
    const versions = saved.map((s) => (s as StoredModel).version!);
    expect([...versions].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const record = await stores.models.name('busy');
    expect(record!.versions).toHaveLength(40);
    // each version names the model that was saved with it
    for (let i = 0; i < 40; i++)
      expect(record!.versions.find((v) => v.version === versions[i])!.id).toBe(models[i]!.id);
    // and the stored document and summary carry it too
    const doc = await stores.models.get(models[7]!.id);
    expect(doc!.version).toBe(versions[7]);
    const listed = await stores.models.list({ name: 'busy', limit: 100 });
    expect(listed.models.find((s) => s.id === models[7]!.id)!.version).toBe(versions[7]);
  });

  it('a model saved again keeps its version; a fenced save takes none', async () => {
    const jobId = newId();
    await redis.hset(stores.keys.job(jobId), 'fence', 'try-2');
    const m = model({ name: 'once', jobId });
    expect(await stores.models.save(m, 'try-1')).toBe('fenced'); // a try that lost its job
    expect(await stores.models.get(m.id)).toBeNull();
    expect((await save(m, 'try-2')).version).toBe(1);
    expect((await save(m, 'try-2')).version).toBe(1); // saved twice: still version 1
    expect((await stores.models.name('once'))!.versions).toEqual([{ version: 1, id: m.id }]);
    expect((await save(model({ name: 'once' }))).version).toBe(2);
  });

  it('versions are never reused, even after every version is deleted', async () => {
    const [a, b] = [model({ name: 'gone' }), model({ name: 'gone' })];
    await save(a);
    await save(b);
    expect(await stores.models.delete(b.id)).toBe('ok');
    expect(await stores.models.resolve('gone')).toBe(a.id);
    expect(await stores.models.delete(a.id)).toBe('ok');
    expect(await stores.models.name('gone')).toBeNull();
    expect(await stores.models.resolve('gone')).toBeNull();
    expect(await stores.models.delete(a.id)).toBe('missing');
    expect((await save(model({ name: 'gone' }))).version).toBe(3);
  });
});

describe('aliases and references', () => {
  it('resolve: id, NAME, NAME@N, NAME@ALIAS, NAME@latest; an alias guards its version', async () => {
    const [v1, v2] = [model({ name: 'ref' }), model({ name: 'ref' })];
    await save(v1);
    await save(v2);
    expect(await stores.models.setAlias('ref', 'prod', 3)).toBe('no_version');
    expect(await stores.models.setAlias('ref', 'prod', 1)).toBe('ok');
    const resolved = await Promise.all(
      [v1.id, 'ref', 'ref@1', 'ref@2', 'ref@prod', 'ref@latest', 'ref@3', 'ref@dev', 'x@1'].map(
        (r) => stores.models.resolve(r),
      ),
    );
    expect(resolved).toEqual([v1.id, v2.id, v1.id, v2.id, v1.id, v2.id, null, null, null]);
    expect(await stores.models.aliasesOf('ref', 1)).toEqual(['prod']);
    expect(await stores.models.delete(v1.id)).toEqual({ aliased: 'prod' });
    expect(await stores.models.get(v1.id)).not.toBeNull();
    expect(await stores.models.resolve('ref@1')).toBe(v1.id);
    expect(await stores.models.deleteAlias('ref', 'prod')).toBe(true);
    expect(await stores.models.deleteAlias('ref', 'prod')).toBe(false);
    expect(await stores.models.delete(v1.id)).toBe('ok');
    expect((await stores.models.name('ref'))!.versions).toEqual([{ version: 2, id: v2.id }]);
  });

  it("another tenant's store sees none of it", async () => {
    const other = createStores(redis, prefix, 'other');
    expect(await other.models.resolve('ref')).toBeNull();
    expect(await other.models.name('busy')).toBeNull();
    expect((await other.models.list({ limit: 100 })).models).toEqual([]);
    expect((await save(model({ name: 'ref' }))).version).toBe(3);
    const theirs = await other.models.save(model({ name: 'ref' }));
    expect((theirs as StoredModel).version).toBe(1);
  });
});

describe('the list', () => {
  const local = createStores(redis, prefix, 'lists');

  it('pages a sparse filter across its read batches: every match once, newest first', async () => {
    // 450 models, every seventh tagged: a page of matches spans several reads of 200 ids
    const made: StoredModel[] = [];
    for (let i = 0; i < 450; i++) {
      const m = model(i % 7 === 0 ? { tags: { keep: String(i % 2) } } : {});
      made.push(m);
      await local.models.save(m);
    }
    const tagged = made
      .filter((_, i) => i % 7 === 0)
      .map((m) => m.id)
      .reverse();
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await local.models.list({ tag: 'keep', limit: 20, cursor });
      pages.push(page.models.map((m) => m.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([20, 20, 20, 5]);
    expect(pages.flat()).toEqual(tagged);
    const odd = await local.models.list({ tag: 'keep:1', limit: 100 });
    expect(odd.models.map((m) => m.id)).toEqual(
      made
        .filter((_, i) => i % 7 === 0 && i % 2 === 1)
        .map((m) => m.id)
        .reverse(),
    );
    expect(odd.nextCursor).toBeNull();
  });

  it("a tag filter matches the models' own tags only, not names every object has", async () => {
    const all = await local.models.list({ tag: 'keep', limit: 100 });
    expect(all.models.length).toBeGreaterThan(0);
    for (const tag of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      expect((await local.models.list({ tag, limit: 100 })).models, tag).toEqual([]);
  });
});
