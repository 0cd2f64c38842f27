// `npm run test:unit`: the tests that need neither Redis nor a build and run inside the test's
// own process, in seconds. A test file belongs here unless its source, or a test/helpers file
// it imports, reaches for one of the things in `needs`; those run with `npm test` only, which
// runs everything. (The engine's WebAssembly kernels are generated source, not a build:
// `npm run test:unit` generates them first, as `npm run build:wasm` does, in about a second.)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** What a test may need that a unit run has not, by the marks it leaves in the source. */
const needs: [RegExp, string][] = [
  [/from 'ioredis'|\bconnectRedis\(|\bcreateStores\(|'redis-server'/, 'Redis'],
  [/src\/api\/app\.js/, 'Redis (buildApp connects to it)'],
  [/['"](\.\.\/)+dist\//, 'the build (dist/)'],
  [/from 'playwright-core'/, 'a browser'],
  // a process or thread that loads the sources through tsx costs a second or more each time:
  // the CLI's tests (test/helpers/cli.ts) and the data-parallel ones start dozens
  [/tsx\/dist\/loader|\bcreateThreadTeam\(|\bnew Worker\(/, 'a fresh Node on the sources'],
];

const root = dirname(fileURLToPath(import.meta.url));

/** A file's source with the sources of the test/helpers files it imports, theirs too. */
function withHelpers(path: string, seen = new Set<string>()): string {
  seen.add(path);
  const source = readFileSync(path, 'utf8');
  const helpers = [...source.matchAll(/from '(\.[^']*helpers\/[^']+)\.js'/g)]
    .map(([, specifier]) => join(dirname(path), `${specifier}.ts`))
    .filter((helper) => !seen.has(helper));
  return [source, ...helpers.map((helper) => withHelpers(helper, seen))].join('\n');
}

/** The test files (relative to the repository) that show none of `needs`. */
export function unitTestFiles(): string[] {
  return readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.test.ts'))
    .map((path) => join(root, 'test', path))
    .filter((path) => {
      const source = withHelpers(path);
      return !needs.some(([mark]) => mark.test(source));
    })
    .map((path) => relative(root, path).split('\\').join('/'))
    .sort();
}

// base's settings with this include (mergeConfig would append to base's include, not replace
// it). The files share one module graph per thread (isolate: false), which takes the run from
// about 30 s to about 10 s on two cores: none of them mocks a module, and `npm test` runs each
// in isolation as before.
export default defineConfig({
  test: { ...base.test, include: unitTestFiles(), pool: 'threads', isolate: false },
});
