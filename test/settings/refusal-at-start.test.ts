// A process started with a bad setting refuses to start: one line on stderr, exit code 2, no
// stack trace (the API's and the worker's entry points, run from source).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const tsx = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const entry = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

describe('a process with a bad setting', () => {
  for (const path of ['src/api/server.ts', 'workers/worker.ts'])
    it(`${path} exits 2 with one line naming the variable, the value and the fix`, () => {
      const r = spawnSync(process.execPath, ['--import', tsx, entry(path)], {
        env: { ...process.env, PORT: 'eighty', LOG_LEVEL: 'silent' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(
        'backprop: bad configuration: PORT: must be a whole number from 0 to 65535 (given "eighty"; default: 3000)\n',
      );
    });

  it('refuses a BLOB_URL it cannot store in before it starts', () => {
    const r = spawnSync(process.execPath, ['--import', tsx, entry('workers/worker.ts')], {
      env: { ...process.env, BLOB_URL: 'gs://bucket/blobs', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'backprop: bad configuration: BLOB_URL: must start with file:// or s3://, not gs:// (given "gs://bucket/blobs"; default: `file://<package>/.data/blobs`)\n',
    );
  });
});
