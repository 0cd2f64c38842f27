// The API runs with the same Node flags however it is started: `npm run start:api` (which the
// service bench runs too), `npm start`, the Dockerfile's CMD and docker-compose's api service.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiCommand } from '../../bench/service.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
const flags = (args: string[]) => args.filter((a) => a.startsWith('--'));

describe('the API command', () => {
  const wanted = flags(apiCommand());

  it('gives the API a 64 MiB young generation', () => {
    expect(wanted).toEqual(['--max-semi-space-size=64']);
  });

  it('is the same in npm start, the Dockerfile and docker-compose', () => {
    expect(flags(scripts.start!.split(/\s+/))).toEqual(wanted);
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))![1]!;
    expect(JSON.parse(cmd)).toEqual(['node', ...wanted, 'dist/src/api/server.js']);
    const compose = /^\s+command: (\["node".*server\.js"\])$/m.exec(
      read('docker-compose.yml'),
    )![1]!;
    expect(JSON.parse(compose)).toEqual(['node', ...wanted, 'dist/src/api/server.js']);
  });
});
