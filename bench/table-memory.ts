// Issue 16's memory figure for a table upload: a CSV of N rows × 10 mixed columns (numbers, a
// category of 50 values, text, dates, blanks) written to a temp file and read through readTable
// on this thread, the peak of heapUsed + arrayBuffers over the baseline sampled while it runs
// (every 2 ms, and once more when it returns), and the peak RSS over the baseline sampled from a
// thread of its own (which also sees the synchronous profiling and encoding the main thread's
// timer cannot). Run: node --import tsx --expose-gc bench/table-memory.ts [rows…]
// TABLE_UPLOAD=<path to a table-upload.ts> measures another copy of the code (the old one).
//
// Measured 2026-12-05 on the 2-core box, Node 20 (bytes per cell = bytes over the baseline /
// (N × 10)). "Held after parsing" is what the parsed body keeps, after a gc: the old rows of
// strings, or the codes (4 B a cell) and each column's distinct values (about 40 B each: the
// text and its slot; this table has many, 746,861 in 1e7 cells, 173,288 in 1e6). The peaks count
// garbage V8 has not collected yet, so they vary from run to run (21 to 39 B at 1e6, new).
//                      heap+arrayBuffers peak   RSS peak   held after parsing   dataset
//   1e5 rows, before        98.4 B/cell          80.7         43.3 B/cell       10.1 B/cell
//   1e5 rows, after         56.2                 62.1         11.6              10.1
//   1e6 rows, before        95.3                 95.1         43.1               6.6
//   1e6 rows, after         29.4                 36.3          6.8               6.6
// With the old space capped (--max-old-space-size), 1e6 rows (64 MB of CSV): before, out of
// memory at 400 MB (it ran at 600); after, it runs in 100 MB (peak 11.9 B/cell; out of memory
// at 70).
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const columns = 10;
const categories = Array.from({ length: 50 }, (_, i) => `cat-${i}`);
const words = Array.from({ length: 100 }, (_, i) => `w${(i * 7919).toString(36)}`);

// A small deterministic generator, so both versions read the same file.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function row(next: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const day = new Date(Date.UTC(2015, 0, 1) + Math.floor(next() * 3650) * 86_400_000);
  return [
    (next() * 1000).toFixed(2), // real numbers, ~100,000 distinct texts
    Math.floor(next() * 1000), // integers
    pick(categories),
    `${pick(words)} ${pick(words)}`, // text, up to 10,000 distinct
    day.toISOString().slice(0, 10),
    next() < 0.3 ? '' : (next() * 10).toFixed(1), // numbers with blanks
    next() < 0.1 ? 'NA' : pick(categories.slice(0, 5)),
    next() < 0.5 ? '' : pick(words), // half blank
    (next() * 1e6).toFixed(0),
    pick(['yes', 'no', 'maybe']), // the label
  ].join(',');
}

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const next = random(16);
  out.write('x1,x2,cat,text,date,sparse,cat5,word,big,y\n');
  for (let r = 0; r < rows; r += 1000) {
    const lines: string[] = [];
    for (let i = r; i < Math.min(rows, r + 1000); i++) lines.push(row(next));
    if (!out.write(`${lines.join('\n')}\n`))
      await new Promise<void>((f) => out.once('drain', () => f()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error) => (error ? reject(error) : resolve())),
  );
}

// A gc, and time for V8 to free the ArrayBuffers it found dead (it does so on another thread).
async function settle(): Promise<void> {
  globalThis.gc!();
  await new Promise((f) => setTimeout(f, 100));
  globalThis.gc!();
}

const heap = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

// RSS sampled every 2 ms from another thread: process.memoryUsage().rss is the process's.
const rssScript = `
const { parentPort } = require('node:worker_threads');
let peak = 0;
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 2);
parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage(peak); });
`;

async function measure(rows: number, dir: string) {
  const path = join(dir, `table-${rows}.csv`);
  await writeCsv(path, rows);
  const bytes = (await stat(path)).size;
  const module = process.env.TABLE_UPLOAD
    ? pathToFileURL(process.env.TABLE_UPLOAD).href
    : '../src/data/table-upload.js';
  const { readTable } = (await import(module)) as typeof import('../src/data/table-upload.js');
  const held = await heldAfterParsing(module, path, { maxBytes: 2 ** 40, maxCells: 2 ** 40 });
  const rss = new Worker(rssScript, { eval: true });
  await new Promise((f) => setTimeout(f, 50));
  await settle();
  const baseline = heap();
  const baseRss = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, heap());
  }, 2);
  const started = process.hrtime.bigint();
  const request = {
    kind: 'csv' as const,
    label: 'y',
    limits: { maxBytes: 2 ** 40, maxCells: 2 ** 40 },
  };
  const dataset = await readTable(request, createReadStream(path));
  peak = Math.max(peak, heap());
  clearInterval(timer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rss.postMessage('stop');
  const peakRss = await new Promise<number>((f) => rss.once('message', f));
  await rss.terminate();
  await settle();
  const retained = heap() - baseline;
  const distinct = dataset.table.dictionaries.reduce((n, d) => n + d.length, 0);
  const cells = rows * columns;
  const perCell = (n: number) => (n / cells).toFixed(1);
  console.log(
    `N=${rows} (${(bytes / 1e6).toFixed(1)} MB, ${distinct} distinct texts): ` +
      `heap+arrayBuffers peak ${perCell(peak - baseline)} B/cell, ` +
      `RSS peak ${perCell(peakRss - baseRss)} B/cell, ` +
      `held after parsing ${perCell(held)} B/cell, ` +
      `dataset after gc ${perCell(retained)} B/cell, ${seconds.toFixed(1)} s`,
  );
  await rm(path);
}

// What the parsed body holds before profiling (after a gc, so garbage is not counted): the
// rows of strings (readCsvTableStream, the old path) or the codes (readCsvEncoded).
async function heldAfterParsing(module: string, path: string, limits: object): Promise<number> {
  const csv = await import(module.replace('table-upload', 'csv-stream'));
  await settle();
  const baseline = heap();
  const source = createReadStream(path);
  const parsed = csv.readCsvEncoded
    ? await csv.readCsvEncoded(source, limits, ['NA'])
    : await csv.readCsvTableStream(source, limits);
  await settle();
  const held = heap() - baseline;
  if (parsed.header.length !== columns) throw new Error('the bench table is 10 columns wide');
  return held;
}

const sizes = process.argv.slice(2).map(Number);
const dir = await mkdtemp(join(tmpdir(), 'table-memory-'));
try {
  for (const rows of sizes.length > 0 ? sizes : [1e5, 1e6]) await measure(rows, dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}
