// README.md's settings tables are what the declarations in src/settings/ make: a setting added,
// changed or removed there without `npm run docs:settings` fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingGroups, settings } from '../../src/settings/index.js';
import { settingsTable, withSettingsTable } from '../../src/settings/table.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe("README.md's settings tables", () => {
  it('are what src/settings/ makes', () => {
    const made = withSettingsTable(readme);
    const fix = 'README.md differs from src/settings/: run `npm run docs:settings` and commit it';
    expect(readme, fix).toBe(made);
  });

  it('have a row for every variable, under its group', () => {
    const table = settingsTable();
    expect(table).toContain(
      '| `MAX_BODY_BYTES` | `10485760` (10 MiB) | ≥ 1024 | The largest request body but a dataset upload; more is a 413. |',
    );
    expect(table).toContain('| `WORKER_CONCURRENCY` | the core count | ≥ 1 |');
    expect(table).toContain('| `FINISHED_JOB_TTL_SECONDS` | `604800` (7 days) | ≥ 0 |');
    expect(table).toContain('| `API_KEYS` | empty | `tenant:sha256-hex,…` |');
    expect(table.match(/^\| `[A-Z0-9_]+` \|/gm)?.length).toBe(Object.keys(settings).length);
    expect(table.match(/^#### /gm)?.length).toBe(settingGroups.length);
  });

  it('are refused without their markers', () => {
    expect(() => withSettingsTable('# no markers\n')).toThrow(/settings:start/);
  });
});
