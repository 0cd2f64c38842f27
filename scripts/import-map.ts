// `npm run docs:imports`: prints which module of src/ and workers/ imports which, with the
// number of imports, one module a line, bottom up, and writes the same map without the counts
// into ARCHITECTURE.md (test/imports.test.ts fails when that one is out of date). The rules it
// must keep are test/imports.test.ts's; this only shows what is there today.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';
import { importGraph, importMapListing, sourceFiles, withImportMap } from './import-graph.js';

const root = packageRoot();
const [files, imports] = [sourceFiles(root), importGraph(root)];
process.stdout.write(importMapListing(files, imports));
const path = join(root, 'ARCHITECTURE.md');
const text = readFileSync(path, 'utf8');
const updated = withImportMap(text, importMapListing(files, imports, { counts: false }));
if (updated !== text) writeFileSync(path, updated);
process.stdout.write(
  `ARCHITECTURE.md: ${updated === text ? 'already up to date' : 'map rewritten'}\n`,
);
