// Where the package's own files are: code runs both from src/ (tests, tsx) and dist/src/ (built),
// so the package root is found by walking up to package.json rather than by a fixed depth.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root === undefined) {
    const here = fileURLToPath(import.meta.url);
    let dir = dirname(here);
    while (!existsSync(join(dir, 'package.json'))) {
      const parent = dirname(dir);
      if (parent === dir) throw new Error(`no package.json above ${here}`);
      dir = parent;
    }
    root = dir;
  }
  return root;
}
