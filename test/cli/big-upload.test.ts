// `backprop datasets upload` of a file past the server's DATASET_INLINE_BYTES (issue 16), run as
// the built command against the real service and a worker process: the server answers 202 and
// a worker reads it; the command waits, then prints the id of the ready dataset (the same one
// the server has) and exits 0; an upload the worker refuses (a --label naming no column) exits
// 2 with the reason. The command streams the file as it reads it: its peak memory uploading
// 64 MB is about what it is for a few kilobytes.

import { once } from 'node:events';
import { createWriteStream, readFileSync, statSync } from 'node:fs';
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

const run = (args: string[], env: Record<string, string> = {}) =>
  runCliAsync(args, { BACKPROP_SERVER: service.url, ...env });

// the command's peak resident memory (maxRSS, in bytes), written to stderr as it exits
const peak = scratch.write(
  'peak.mjs',
  "process.on('exit', () => process.stderr.write('peak-rss ' + process.resourceUsage().maxRSS * 1024 + '\\n'));\n",
);
async function uploadPeak(file: string, label: string) {
  const r = await run(['datasets', 'upload', file, '--label', label], {
    NODE_OPTIONS: `--import ${peak}`,
  });
  return {
    status: r.status,
    id: /dataset ([0-9A-Z]{26})/.exec(r.stderr)?.[1] ?? r.stdout.trim(),
    peakBytes: Number(/peak-rss (\d+)/.exec(r.stderr)![1]),
  };
}

/** A CSV of `mib` MiB (a MiB of rows, over and over), written as a stream. */
async function bigCsv(name: string, mib: number): Promise<string> {
  const path = scratch.write(name, '');
  const rows: string[] = [];
  for (let r = 0, bytes = 0; bytes < 2 ** 20; r++) {
    const row = `0.${String(r * 7919).padStart(18, '3')},-${r % 1000}.${'5'.repeat(17)},x\n`;
    rows.push(row);
    bytes += row.length;
  }
  const block = rows
    .join('')
    .slice(0, 2 ** 20 - 1)
    .replace(/[^\n]*$/, '');
  const out = createWriteStream(path);
  out.write('a,b,kind\n');
  for (let i = 0; i < mib; i++)
    if (!out.write(block.padEnd(2 ** 20, '\n'))) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return path;
}

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

  it('streams the file: sending 256 MB costs the command about what a few kilobytes cost', {
    timeout: 120_000,
  }, async () => {
    const huge = await bigCsv('huge.csv', 256);
    const size = statSync(huge).size;
    const small = await uploadPeak(big, 'Continent');
    const large = await uploadPeak(huge, 'Continent');
    // a label naming no column: the worker refuses it at the header, so the test reads no rows;
    // every byte went (the server counted them)
    for (const r of [small, large]) expect(r.status).toBe(2);
    const meta = await http(service, 'GET', `/v1/datasets/${large.id}`);
    expect(meta.body).toMatchObject({ status: 'failed', upload: { kind: 'csv', bytes: size } });
    // read whole, the file alone would add its 256 MB; streamed, what V8 lets its freed chunks
    // come to before it collects them (about 64 MB of external memory)
    const grew = large.peakBytes - small.peakBytes;
    process.stdout.write(
      `upload of ${(size / 2 ** 20).toFixed(0)} MiB: the command's peak RSS +${(grew / 2 ** 20).toFixed(1)} MiB\n`,
    );
    expect(grew).toBeLessThan(size / 2);
    for (const { id } of [small, large])
      expect((await http(service, 'DELETE', `/v1/datasets/${id}`)).status).toBe(204);
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
