// `npm run docs:settings`: rewrites README.md's settings tables from the declarations in
// src/settings/ (test/settings/table.test.ts fails while README.md differs).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';
import { withSettingsTable } from '../src/settings/table.js';

const path = join(packageRoot(), 'README.md');
const readme = readFileSync(path, 'utf8');
const made = withSettingsTable(readme);
writeFileSync(path, made);
process.stdout.write(made === readme ? `${path}: already up to date\n` : `rewrote ${path}\n`);
