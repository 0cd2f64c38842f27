// `backprop datasets upload` of a file past the server's DATASET_INLINE_BYTES (issue 16), run as
// the built command against the real service and a worker process: the server answers 202 and
// a worker reads it; the command waits, then prints the id of the ready dataset (the same one
// the server has) and exits 0; an upload the worker refuses (a --label naming no column) exits
// 2 with the reason.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync, scratchFolder } from '../helpers/cli.js';
import { http, startService, type TestService } from '../helpers/service.js';

const carsCsv = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');
const scratch = scratchFolder('backprop-cli-big-upload');
const idLine = /^[0-9A-HJKMNP-TV-Z]{26}$/;

let service: TestService;
beforeAll(async () => {
  service = await startService({ workers: 1, env: { DATASET_INLINE_BYTES: '1024' } });
});
afterAll(async () => {
  await service?.stop();
  scratch.remove();
});

const run = (args: string[]) => runCliAsync(args, { BACKPROP_SERVER: service.url });

// cars.csv three times over: past 1024 bytes many times, so the server hands it to a worker
const [header, ...rows] = carsCsv.trimEnd().split(/\r?\n/);
const big = scratch.write('big.csv', `${[header, ...rows, ...rows, ...rows].join('\n')}\n`);

describe('backprop datasets upload of a file a worker reads', () => {
  it('waits for the worker and prints the id of the ready dataset', async () => {
    const r = await run(['datasets', 'upload', big, '--label', 'Origin']);
    expect(r.status, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(idLine);
    const meta = await http(service, 'GET', `/v1/datasets/${id}`);
    expect(meta.body).toMatchObject({
      id,
      status: 'ready',
      format: 'table',
      rows: rows.length * 3,
      label: { name: 'Origin', task: 'classification' },
      classes: ['Europe', 'Japan', 'USA'],
    });
    // its shape on stderr, as for a small upload
    expect(r.stderr).toContain(`${rows.length * 3} rows`);
    expect(r.stderr).toContain('3 classes (Europe, Japan, USA)');
  });

  it('exits 2 with the reason when the worker refuses it (a --label naming no column)', async () => {
    const r = await run(['datasets', 'upload', big, '--label', 'Continent']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1); // one problem: the message, not repeated under it
    expect(lines[0]).toMatch(
      /^backprop: dataset [0-9A-Z]{26} could not be read: query\.label: no column named Continent; the columns are Name, Miles_per_Gallon, .*Origin/,
    );
  });
});
