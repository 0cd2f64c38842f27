// Imports go one way (issue 13: "engine and tables import nothing above them; no cycles"). Every
// import of every .ts file under src/ and workers/ — `import`, `import type`, `export … from`,
// literal `import()` — is read with TypeScript's parser (scripts/import-graph.ts) and checked:
//
//   (a) src/engine imports nothing outside src/engine, not even a package: it is pure math.
//   (b) src/data, the tables layer, imports only what sits below it: src/engine, src/spec,
//       src/errors.ts and src/paths.ts.
//   (c) src/cli imports no src/store module: the CLI talks to a server through the API's client,
//       and shares the job's contract through src/spec, never the store's types.
//   (d) No cycles, between modules or among files, type-only imports included: a type shared
//       both ways still ties two files (or layers) together.
//   (e) Every other import between modules is one the table `mayImport` below allows, and every
//       module has a row in it. A module is a folder of src/ (src/api with its routes), a file at
//       src/'s top (src/config.ts), or workers/.
//
// The table, bottom up (`npm run docs:imports` prints what is imported today, with counts):
//
//   nothing of ours    src/engine, src/errors.ts, src/ids.ts, src/log.ts, src/paths.ts,
//                      src/redis-url.ts, src/blob-url.ts, src/wasm-features.ts, src/webhook-addresses.ts, src/types
//   contracts, tables  src/spec -> engine, ids; src/data -> engine, spec; src/threads -> engine;
//                      src/onnx (ONNX export) -> engine, spec;
//                      src/settings, src/config.ts (settings); src/client.ts (its generated types)
//   Redis              src/store -> spec, data, engine; src/queue.ts (-> data), src/webhooks.ts -> store;
//                      src/jobs (the job's lifecycle, issue 13 move 2) -> store, queue, webhooks
//   processes          src/api, workers, src/cli (no store), src/start.ts
//
// A new import that fails here: import from lower down instead (a contract that two layers share
// belongs in src/spec), or, if the layering itself should change, change the table in the same
// commit and say why in its message.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  fileCycles,
  type Import,
  importGraph,
  importMapListing,
  moduleCycles,
  moduleOf,
  sourceFiles,
  withImportMap,
} from '../scripts/import-graph.js';

// the modules that import nothing of ours
const leaves = [
  'src/engine',
  'src/errors.ts',
  'src/ids.ts',
  'src/log.ts',
  'src/paths.ts',
  'src/redis-url.ts',
  'src/blob-url.ts',
  'src/wasm-features.ts',
  'src/webhook-addresses.ts',
] as const;
const tables = ['src/spec', 'src/data', 'src/threads', 'src/onnx'] as const;
const settings = ['src/settings', 'src/config.ts'] as const;
const redis = ['src/store', 'src/queue.ts', 'src/webhooks.ts', 'src/jobs'] as const;

/** Which modules each module may import (its own files it always may). */
const mayImport: Record<string, readonly string[]> = {
  ...Object.fromEntries(leaves.map((leaf) => [leaf, []])),
  'src/types': [],
  'src/client.generated.ts': [],
  'src/client.ts': ['src/client.generated.ts'],
  // ids: a fold job's id is derived from its job's, which the job's view lists (issue 17)
  'src/spec': ['src/engine', 'src/errors.ts', 'src/ids.ts'],
  'src/data': ['src/engine', 'src/spec', 'src/errors.ts', 'src/paths.ts'],
  'src/threads': ['src/engine'],
  'src/onnx': ['src/engine', 'src/spec', 'src/errors.ts'],
  'src/settings': ['src/redis-url.ts', 'src/blob-url.ts'],
  'src/config.ts': ['src/settings', 'src/redis-url.ts'],
  'src/store': [
    'src/engine',
    'src/spec',
    'src/data',
    'src/errors.ts',
    'src/ids.ts',
    'src/redis-url.ts',
    'src/blob-url.ts',
    'src/paths.ts',
  ],
  // the datasets queue's jobs carry an upload's query (src/data/dataset-upload.ts), issue 16
  'src/queue.ts': ['src/store', 'src/config.ts', 'src/spec', 'src/data'],
  'src/webhooks.ts': ['src/store', 'src/config.ts', 'src/spec', 'src/webhook-addresses.ts'],
  'src/jobs': [...leaves, ...tables, ...settings, 'src/store', 'src/queue.ts', 'src/webhooks.ts'],
  'src/api': [...leaves, ...tables, ...settings, ...redis],
  workers: [...leaves, ...tables, ...settings, ...redis],
  // the `key` command makes its keys with src/api/auth.ts and src/webhooks.ts
  'src/cli': [
    ...leaves,
    ...tables,
    ...settings,
    'src/client.ts',
    'src/client.generated.ts',
    'src/api',
    'src/webhooks.ts',
  ],
  'src/start.ts': [...leaves, ...settings, 'src/store', 'src/api'],
};

const root = fileURLToPath(new URL('..', import.meta.url));
const imports = importGraph(root);
const between = imports.filter(({ from, to }) => {
  const target = moduleOf(to);
  return target !== 'package' && target !== moduleOf(from);
});

/** One import as a person looks for it: where it is, where it goes. */
const shown = ({ from, to, typeOnly, line }: Import) =>
  `${from}:${line} -> ${to}${typeOnly ? ' (type-only)' : ''}`;

describe('the import layering', () => {
  it('reads the imports it checks', () => {
    // a parser that saw nothing would pass every rule below
    expect(imports.length).toBeGreaterThan(400);
    expect(imports).toContainEqual({
      from: 'src/spec/model.ts',
      to: 'src/engine/index.ts',
      typeOnly: true,
      line: expect.any(Number),
    });
    expect(between.some(({ from }) => from.startsWith('workers/'))).toBe(true);
  });

  it('(a) src/engine imports nothing outside src/engine', () => {
    const outside = imports.filter(
      ({ from, to }) => moduleOf(from) === 'src/engine' && moduleOf(to) !== 'src/engine',
    );
    const fix =
      'the engine is pure math (docs/BACKPROP.md): no packages, no I/O, nothing of the service. ' +
      'Pass what it needs in as arguments or callbacks, or move the code that needs more out of src/engine';
    expect(outside.map(shown), fix).toEqual([]);
  });

  it('(b) src/data imports only src/engine, src/spec, src/errors.ts and src/paths.ts', () => {
    const upward = between.filter(
      ({ from, to }) =>
        moduleOf(from) === 'src/data' && !mayImport['src/data']!.includes(moduleOf(to)),
    );
    const fix =
      'the tables layer sits below the store, the queue and the processes: take what it needs ' +
      'as an argument, or move the shared type into src/spec';
    expect(upward.map(shown), fix).toEqual([]);
  });

  it('(c) src/cli imports no src/store module', () => {
    const store = between.filter(
      ({ from, to }) => moduleOf(from) === 'src/cli' && moduleOf(to) === 'src/store',
    );
    const fix =
      "the CLI reaches the service only through its HTTP API: import the job's types from " +
      'src/spec (the contract the store, the API and the CLI share), not from src/store';
    expect(store.map(shown), fix).toEqual([]);
  });

  it('(d) no cycle between modules', () => {
    const fix =
      'each chain is a cycle of imports through two or more modules: move what both sides ' +
      'need (often a type) into the lower one, or into src/spec';
    expect(
      moduleCycles(imports).map((chain) => chain.join(' -> ')),
      fix,
    ).toEqual([]);
  });

  it('(d) no cycle among files, type-only imports included', () => {
    const fix =
      'each chain is a cycle of imports among files (through imports that run, one of them ' +
      'evaluates before what it imports is ready). Move what both need into a file of its own';
    expect(
      fileCycles(imports).map((chain) => chain.join(' -> ')),
      fix,
    ).toEqual([]);
  });

  it('(e) every import between modules is one the table allows', () => {
    const unknown = [...new Set(imports.map(({ from }) => moduleOf(from)))].filter(
      (module) => !(module in mayImport),
    );
    expect(
      unknown,
      'a module with no row in mayImport (test/imports.test.ts): add its row, bottom up, ' +
        'listing the modules it may import',
    ).toEqual([]);
    const disallowed = between.filter(
      ({ from, to }) => !(mayImport[moduleOf(from)] ?? []).includes(moduleOf(to)),
    );
    const fix =
      'an import the layering table (mayImport in test/imports.test.ts) does not allow: import ' +
      'from lower down, or change the table in the same commit and say why';
    expect(disallowed.map(shown), fix).toEqual([]);
  });
});

describe('the map `npm run docs:imports` prints', () => {
  it('has a line for every module, bottom up, with its import counts', () => {
    const lines = importMapListing(sourceFiles(root), imports).trimEnd().split('\n');
    const modules = lines.map((line) => line.split(' ')[0]);
    expect(new Set(modules)).toEqual(new Set(sourceFiles(root).map(moduleOf)));
    expect(lines).toContainEqual(expect.stringMatching(/^src\/engine +-> nothing$/));
    expect(lines).toContainEqual(expect.stringMatching(/^src\/threads +-> src\/engine \(\d+\)$/));
    // everything a module imports is listed above it, but for a cycle's members
    const spec = modules.indexOf('src/spec');
    expect(modules.indexOf('src/engine')).toBeLessThan(spec);
    expect(spec).toBeLessThan(modules.indexOf('src/data'));
    expect(modules.indexOf('src/data')).toBeLessThan(modules.indexOf('src/api'));
  });

  it("is ARCHITECTURE.md's map, without the counts", () => {
    const path = fileURLToPath(new URL('../ARCHITECTURE.md', import.meta.url));
    const text = readFileSync(path, 'utf8');
    const listing = importMapListing(sourceFiles(root), imports, { counts: false });
    expect(
      withImportMap(text, listing) === text,
      "ARCHITECTURE.md's import map is out of date: run `npm run docs:imports` and commit it",
    ).toBe(true);
  });
});

describe('the cycle finder', () => {
  const edge = (from: string, to: string, typeOnly = false): Import => ({
    from,
    to,
    typeOnly,
    line: 1,
  });

  it('names a cycle between modules by its files, type-only imports included', () => {
    const graph = [
      edge('src/queue.ts', 'src/store/jobs.ts', true),
      edge('src/store/jobs.ts', 'src/store/job-record.ts'),
      edge('src/store/job-record.ts', 'src/queue.ts', true),
      edge('src/store/jobs.ts', 'src/spec/index.ts'),
    ];
    expect(moduleCycles(graph)).toEqual([
      ['src/queue.ts', 'src/store/jobs.ts', 'src/store/job-record.ts', 'src/queue.ts'],
    ]);
    expect(fileCycles(graph, { runtimeOnly: true })).toEqual([]); // only types close it
  });

  it('finds a cycle among the files of one module, through type-only imports unless told', () => {
    const typeOnly = [
      edge('src/data/a.ts', 'src/data/b.ts'),
      edge('src/data/b.ts', 'src/data/a.ts', true),
    ];
    expect(moduleCycles(typeOnly)).toEqual([]);
    expect(fileCycles(typeOnly, { runtimeOnly: true })).toEqual([]);
    expect(fileCycles(typeOnly)).toEqual([['src/data/a.ts', 'src/data/b.ts', 'src/data/a.ts']]);
    const running = [
      edge('src/data/a.ts', 'src/data/b.ts'),
      edge('src/data/b.ts', 'src/data/c.ts'),
      edge('src/data/c.ts', 'src/data/a.ts'),
      edge('src/data/c.ts', 'zod'),
    ];
    expect(fileCycles(running, { runtimeOnly: true })).toEqual([
      ['src/data/a.ts', 'src/data/b.ts', 'src/data/c.ts', 'src/data/a.ts'],
    ]);
  });
});
