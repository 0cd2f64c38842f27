// `npm run docs:imports`: prints which module of src/ and workers/ imports which, with the
// number of imports, one module a line, bottom up (for ARCHITECTURE.md). The rules it must keep are
// test/imports.test.ts's; this only shows what is there today.
import { packageRoot } from '../src/paths.js';
import { importGraph, importMapListing, sourceFiles } from './import-graph.js';

const root = packageRoot();
process.stdout.write(importMapListing(sourceFiles(root), importGraph(root)));
