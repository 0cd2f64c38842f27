// scripts/ensure-browser.sh, which `npm test` runs first: a Chromium that is there is enough, and
// a CHROMIUM_PATH that points nowhere stops the run with one line saying what to do. (Installing
// with apt-get is what a fresh machine shows: see the fresh-clone run in the notes.)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';

const script = join(packageRoot(), 'scripts', 'ensure-browser.sh');

function run(chromiumPath: string) {
  const result = spawnSync('sh', [script], {
    env: { ...process.env, CHROMIUM_PATH: chromiumPath },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ensure-browser.sh', () => {
  it('does nothing when CHROMIUM_PATH is an executable', () => {
    expect(run(process.execPath)).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('fails with one line naming the path when CHROMIUM_PATH is not one, and installs nothing', () => {
    for (const path of [join(packageRoot(), 'no-such-chromium'), packageRoot()]) {
      const { status, stdout, stderr } = run(path);
      expect(status, path).toBe(1);
      expect(stdout, path).toBe('');
      expect(stderr.trimEnd().split('\n')).toEqual([
        `ensure-browser: CHROMIUM_PATH=${path} is not an executable: point it at a Chromium, or unset it to use Debian's chromium at /usr/bin/chromium`,
      ]);
    }
  });
});
