// `npm run bench:data`: issue 16's big-file figures. Generated CSVs (streamed to temp files)
// uploaded as streamed request bodies to one API process and read by one worker process, with
// both processes' RSS sampled from /proc every 100 ms: the API's growth for a 20 MB and a
// 200+ MB upload side by side (it should not follow the file), the worker's read; then training
// jobs on numeric datasets of 10^5, 10^6 and 10^7 rows: epoch times (linear in rows?) and the
// worker's RSS growth a value. Writes the `## Big data` section of BENCHMARKS.md (the rest of
// the file kept) and bench/results-big-data.json. The report is bench/big-data-report.ts.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  type BigDataRun,
  bigDataSection,
  bytesPerCell,
  epochMsOf,
  noCheckpointMsOf,
  type TrainingFigures,
  type UploadFigures,
  unshuffledMsOf,
} from './big-data-report.js';
import { withSection } from './markdown-sections.js';
import { start, stopAndClean, waitForHttp } from './processes.js';
import { apiCommand } from './service.js';
import { machineLine } from './service-report.js';

const log = (line: string) => process.stdout.write(`${line}\n`);
const MB = 1e6;

/** The sizes: the small and big table uploads (bytes), and the training datasets' rows. */
const smallTableBytes = 20 * MB;
const bigTableBytes = Number(process.env.BENCH_BIG_MB ?? 210) * MB;
const trainingRows = (process.env.BENCH_ROWS ?? '100000,1000000,10000000')
  .split(',')
  .map(Number)
  .filter((rows) => rows > 0);
const inputs = 8;

/** Epochs a job on `rows` rows: about 10^7 samples, at least 2 and at most 20 (BENCH_EPOCHS: all). */
const epochsFor = (rows: number) =>
  process.env.BENCH_EPOCHS
    ? Number(process.env.BENCH_EPOCHS)
    : Math.min(20, Math.max(2, Math.round(1e7 / rows)));

const job = (id: string, epochs: number, shuffle: boolean) => ({
  network: {
    inputSize: inputs,
    layers: [
      { units: 16, activation: 'relu' },
      { units: 1, activation: 'identity' },
    ],
    divergence: 'l2',
  },
  dataset: { id },
  training: {
    epochs,
    batchSize: 256,
    optimizer: 'adam',
    learningRate: 0.001,
    seed: 1,
    threads: 1,
    shuffle,
  },
});
const jobWords =
  '8-16-1 relu/identity, l2, Adam, batch 256, threads 1, epochs for about 10^7 samples a job: 20 of 10^5 rows, 10 of 10^6, 2 of 10^7; the other options at their defaults, standardize on, no held-out rows';

// --- generated data -------------------------------------------------------------------------

/** A seeded xorshift32 in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Writes `lines` (a header, then one line a call until it answers undefined) to `path`, streamed. */
async function writeLines(path: string, header: string, line: () => string | undefined) {
  const out = createWriteStream(path);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write(`${header}\n`);
  for (;;) {
    let chunk = '';
    for (let i = 0; i < 5000; i++) {
      const l = line();
      if (l === undefined) break;
      chunk += `${l}\n`;
    }
    if (!chunk) break;
    await write(chunk);
  }
  await new Promise<void>((resolve, reject) =>
    out.end((e?: Error | null) => (e ? reject(e) : resolve())),
  );
}

/**
 * A table of `bytes` or a little more: 10 mixed columns (numbers, a 50-value category, a
 * boolean, a date, some blanks) and a yes/no label that depends on them. Answers its rows.
 */
async function tableCsv(path: string, bytes: number): Promise<number> {
  const r = random(7);
  const day0 = Date.UTC(2020, 0, 1);
  let written = 0;
  let rows = 0;
  const header = 'amount,ratio,score,age,count,region,member,joined,balance,rate,label';
  await writeLines(path, header, () => {
    if (written >= bytes) return undefined;
    const amount = (r() * 10000).toFixed(2);
    const ratio = r().toFixed(4);
    const score = (r() * 200 - 100).toFixed(3);
    const age = String(18 + Math.floor(r() * 70));
    const count = String(Math.floor(r() * 1000));
    const region = `region_${Math.floor(r() * 50)}`;
    const member = r() < 0.5 ? 'true' : 'false';
    const joined = new Date(day0 + Math.floor(r() * 1500) * 86400000).toISOString().slice(0, 10);
    const balance = r() < 0.05 ? '' : (r() * 50000 - 10000).toFixed(2); // 5 % blank
    const rate = r() < 0.1 ? '' : (r() * 20).toFixed(2); // 10 % blank
    const label = Number(ratio) + (member === 'true' ? 0.3 : 0) + r() * 0.4 > 0.85 ? 'yes' : 'no';
    const line = `${amount},${ratio},${score},${age},${count},${region},${member},${joined},${balance},${rate},${label}`;
    written += line.length + 1;
    rows++;
    return line;
  });
  return rows;
}

/** `rows` numeric rows: x1…x8 and y = a noisy linear function of them. */
async function numbersCsv(path: string, rows: number): Promise<void> {
  const r = random(11);
  const names = Array.from({ length: inputs }, (_, i) => `x${i + 1}`);
  let i = 0;
  await writeLines(path, [...names, 'y'].join(','), () => {
    if (i++ >= rows) return undefined;
    let y = 0;
    let line = '';
    for (let c = 0; c < inputs; c++) {
      const x = r() * 2 - 1;
      y += x * (c + 1) * 0.25;
      line += `${x.toFixed(4)},`;
    }
    return `${line}${(y + (r() - 0.5) * 0.1).toFixed(4)}`;
  });
}

// --- processes and their memory --------------------------------------------------------------

/** VmRSS of `pid` in bytes (NaN once it is gone). */
function rssOf(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples each watched process's RSS every 100 ms; peak() is the most since the last reset. */
class RssSampler {
  private peaks = new Map<number, number>();
  private timer = setInterval(() => this.sample(), 100);
  constructor(private pids: () => (number | undefined)[]) {}
  sample() {
    for (const pid of this.pids()) {
      if (pid === undefined) continue;
      const rss = rssOf(pid);
      if (rss > (this.peaks.get(pid) ?? 0)) this.peaks.set(pid, rss);
    }
  }
  /** Starts a new window: the peaks from now on, from the current RSS. */
  reset() {
    this.peaks.clear();
    this.sample();
  }
  peak(pid: number | undefined): number {
    this.sample();
    return this.peaks.get(pid ?? -1) ?? Number.NaN;
  }
  stop() {
    clearInterval(this.timer);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- the API ---------------------------------------------------------------------------------

interface DatasetMeta {
  id: string;
  status: 'processing' | 'ready' | 'failed';
  rows?: number;
  features?: number;
  outputs?: number;
  format?: 'table';
  columns?: unknown[];
  bytes?: number;
  error?: unknown;
}

/** POSTs `path` as a streamed body; answers the 202's dataset and the seconds it took. */
async function upload(api: string, path: string, query: string) {
  const body = Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 20 }));
  const began = performance.now();
  const res = await fetch(`${api}/v1/datasets?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: body as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const seconds = (performance.now() - began) / 1000;
  const answer = (await res.json()) as DatasetMeta;
  // a body up to DATASET_INLINE_BYTES is read by the API itself: 201, ready
  if (res.status !== 202 && res.status !== 201)
    throw new Error(`POST /v1/datasets answered ${res.status}: ${JSON.stringify(answer)}`);
  return { meta: answer, seconds, status: res.status };
}

async function untilReady(api: string, id: string): Promise<DatasetMeta> {
  for (;;) {
    const res = await fetch(`${api}/v1/datasets/${id}`);
    const meta = (await res.json()) as DatasetMeta;
    if (!res.ok)
      throw new Error(`GET /v1/datasets/${id} answered ${res.status}: ${JSON.stringify(meta)}`);
    if (meta.status === 'ready') return meta;
    if (meta.status === 'failed')
      throw new Error(`dataset ${id} failed: ${JSON.stringify(meta.error)}`);
    await sleep(200);
  }
}

const cellsOf = (m: DatasetMeta) =>
  m.format === 'table'
    ? (m.rows ?? 0) * (m.columns?.length ?? 0)
    : (m.rows ?? 0) * ((m.features ?? 0) + (m.outputs ?? 0));

interface EpochEvent {
  type: 'epoch';
  epoch: number;
  elapsedMs: number;
  samplesPerSecond: number;
}

/** Follows job `id`'s event stream to its end: its epoch events (throws if it did not succeed). */
async function followJob(api: string, id: string): Promise<EpochEvent[]> {
  const res = await fetch(`${api}/v1/jobs/${id}/events`);
  if (!res.ok || !res.body) throw new Error(`events of ${id}: ${res.status}`);
  const epochs: EpochEvent[] = [];
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    let nl = text.indexOf('\n');
    while (nl >= 0) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      nl = text.indexOf('\n');
      if (!line.startsWith('data:')) continue;
      const event = JSON.parse(line.slice(5)) as { type: string };
      if (event.type === 'epoch') {
        const e = event as EpochEvent;
        epochs.push(e);
        if (e.epoch <= 2)
          log(
            `  epoch ${e.epoch}: elapsed ${(e.elapsedMs / 1000).toFixed(2)} s, ${Math.round(e.samplesPerSecond)} samples/s`,
          );
      }
      if (event.type === 'done') {
        await res.body.cancel().catch(() => {});
        return epochs;
      }
      if (event.type === 'failed' || event.type === 'cancelled')
        throw new Error(`job ${id} ${event.type}: ${line.slice(5)}`);
    }
  }
  throw new Error(`the event stream of job ${id} ended without done`);
}

// --- the run ---------------------------------------------------------------------------------

/** Starts the processes, uploads and trains; the figures. */
async function measure(): Promise<BigDataRun> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-big-data-'));
  const prefix = `bp:bench:data:${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    KEY_PREFIX: prefix,
    PORT: String(port),
    BLOB_URL: pathToFileURL(join(dir, 'blobs')).href,
    LOG_LEVEL: 'warn',
    WORKER_CONCURRENCY: '1',
    MAX_TENANT_STORAGE_BYTES: '0',
    REQUEST_TIMEOUT_MS: '600000',
  };
  const children: ChildProcess[] = [];
  let worker: ChildProcess | undefined;
  let apiProcess: ChildProcess | undefined;
  const sampler = new RssSampler(() => [apiProcess?.pid, worker?.pid]);

  async function startWorker(more: Record<string, string> = {}): Promise<ChildProcess> {
    const w = await start(
      ['dist/workers/worker.js'],
      { ...env, ...more, LOG_LEVEL: 'info' },
      'worker ready',
    );
    children.push(w);
    await sleep(1000); // settled after its start
    return w;
  }

  async function stopWorker(w: ChildProcess) {
    if (w.exitCode === null) await new Promise((r) => w.once('exit', r).kill('SIGTERM'));
  }

  async function measureUpload(
    what: string,
    path: string,
    query: string,
  ): Promise<{ id: string; figures: UploadFigures }> {
    const fileBytes = (await stat(path)).size;
    await sleep(500);
    sampler.reset();
    const apiRssBefore = rssOf(apiProcess?.pid);
    const workerRssBefore = rssOf(worker?.pid);
    const sent = await upload(api, path, query);
    const apiRssPeak = sampler.peak(apiProcess?.pid);
    log(
      `${what}: ${(fileBytes / MB).toFixed(1)} MB in ${sent.seconds.toFixed(1)} s = ${(fileBytes / MB / sent.seconds).toFixed(0)} MB/s; API RSS ${(apiRssBefore / MB).toFixed(0)} → peak ${(apiRssPeak / MB).toFixed(0)} MB (+${((apiRssPeak - apiRssBefore) / MB).toFixed(1)})`,
    );
    const began = performance.now();
    const meta = await untilReady(api, sent.meta.id);
    const processingSeconds = (performance.now() - began) / 1000;
    const workerRssPeak = sampler.peak(worker?.pid);
    const figures: UploadFigures = {
      what,
      answered: sent.status,
      fileBytes,
      uploadSeconds: sent.seconds,
      uploadMBps: fileBytes / MB / sent.seconds,
      apiRssBefore,
      apiRssPeak,
      processingSeconds,
      workerRssBefore,
      workerRssPeak,
      rows: meta.rows ?? 0,
      cells: cellsOf(meta),
      storedBytes: meta.bytes ?? 0,
    };
    if (sent.status === 201) log('  read by the API itself (201)');
    else
      log(
        `  worker read it in ${processingSeconds.toFixed(1)} s, worker RSS ${(workerRssBefore / MB).toFixed(0)} → peak ${(workerRssPeak / MB).toFixed(0)} MB; ${figures.rows} rows, ${figures.cells} cells, ${(figures.storedBytes / MB).toFixed(1)} MB stored (${sent.meta.id})`,
      );
    return { id: sent.meta.id, figures };
  }

  async function deleteDataset(id: string) {
    const res = await fetch(`${api}/v1/datasets/${id}`, { method: 'DELETE' });
    if (!res.ok) log(`  DELETE /v1/datasets/${id} answered ${res.status}`);
  }

  /** One job on dataset `id`, followed to its end: each epoch's milliseconds. */
  async function train(id: string, epochs: number, shuffle: boolean) {
    const began = performance.now();
    const res = await fetch(`${api}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(job(id, epochs, shuffle)),
    });
    const posted = (await res.json()) as { id: string };
    if (res.status !== 202)
      throw new Error(`POST /v1/jobs answered ${res.status}: ${JSON.stringify(posted)}`);
    const events = await followJob(api, posted.id);
    return {
      epochMs: events.map((e, i) => e.elapsedMs - (events[i - 1]?.elapsedMs ?? 0)),
      samplesPerSecond: events[events.length - 1]?.samplesPerSecond ?? Number.NaN,
      jobSeconds: (performance.now() - began) / 1000,
    };
  }

  const uploads: UploadFigures[] = [];
  const training: TrainingFigures[] = [];
  try {
    log(`temp folder ${dir}; generating the CSVs`);
    const small = join(dir, 'table-20MB.csv');
    const big = join(dir, 'table-big.csv');
    const smallRows = await tableCsv(small, smallTableBytes);
    const bigRows = await tableCsv(big, bigTableBytes);
    log(`  tables: ${smallRows} and ${bigRows} rows × 10 columns and a label`);

    worker = await startWorker();
    apiProcess = await start(apiCommand(), env, '');
    children.push(apiProcess);
    await waitForHttp(`${api}/healthz`);
    await sleep(1000);

    // 1. uploads: the API's RSS must not follow the file
    for (const [name, path] of [
      ['table, 20 MB', small],
      [`table, ${(bigTableBytes / MB).toFixed(0)} MB`, big],
    ] as const) {
      const { id, figures } = await measureUpload(name, path, 'label=label');
      uploads.push(figures);
      await deleteDataset(id);
    }
    await rm(small);
    await rm(big);

    // 2. training: one numeric dataset a size, uploaded and read by the worker, then trained in
    //    a fresh worker process so that its idle RSS is the baseline
    for (const rows of trainingRows) {
      const path = join(dir, `numbers-${rows}.csv`);
      log(`generating ${rows} numeric rows`);
      await numbersCsv(path, rows);
      const { id, figures: read } = await measureUpload(`numbers, ${rows} rows`, path, 'targets=y');
      uploads.push(read);
      await rm(path);
      await stopWorker(worker);
      worker = await startWorker();
      sampler.reset();
      const workerRssBefore = rssOf(worker.pid);
      const epochs = epochsFor(rows);
      log(`training on ${rows} rows, ${epochs} epochs`);
      const shuffled = await train(id, epochs, true);
      const workerRssPeak = sampler.peak(worker.pid);
      // the same job with rows in stored order: what the shuffle's random reads cost
      log(`the same without shuffling`);
      const unshuffled = await train(id, epochs, false);
      // and shuffled again in a worker that takes no checkpoint (one a day): what they cost
      log('the same shuffled, without checkpoints');
      await stopWorker(worker);
      worker = await startWorker({ CHECKPOINT_INTERVAL_MS: '86400000' });
      const unsaved = await train(id, epochs, true);
      const figures: TrainingFigures = {
        rows,
        inputs,
        epochs,
        epochMs: shuffled.epochMs,
        unshuffledEpochMs: unshuffled.epochMs,
        noCheckpointEpochMs: unsaved.epochMs,
        samplesPerSecond: shuffled.samplesPerSecond,
        workerRssBefore,
        workerRssPeak,
        storedBytes: read.storedBytes,
        jobSeconds: shuffled.jobSeconds,
        loadAverage: loadavg()[0]!,
      };
      training.push(figures);
      log(
        `  epoch ${(epochMsOf(figures) / 1000).toFixed(3)} s (unshuffled ${(unshuffledMsOf(figures) / 1000).toFixed(3)} s, no checkpoints ${(noCheckpointMsOf(figures) / 1000).toFixed(3)} s); worker RSS ${(workerRssBefore / MB).toFixed(0)} → peak ${(workerRssPeak / MB).toFixed(0)} MB: ${bytesPerCell(figures).toFixed(1)} bytes a cell; job ${figures.jobSeconds.toFixed(1)} s; load ${figures.loadAverage.toFixed(1)}`,
      );
      await deleteDataset(id);
    }
  } finally {
    sampler.stop();
    await stopAndClean(children, env, prefix);
    await rm(dir, { recursive: true, force: true });
  }
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return {
    date: new Date().toISOString().slice(0, 10),
    machine: `${machineLine()}, nproc ${availableParallelism()}, ${gib} GiB memory`,
    job: jobWords,
    uploads,
    training,
  };
}

// --- the report ------------------------------------------------------------------------------

// `-- --report`: the section again from bench/results-big-data.json, nothing run
const results = 'bench/results-big-data.json';
const run: BigDataRun = process.argv.includes('--report')
  ? (JSON.parse(readFileSync(results, 'utf8')) as BigDataRun)
  : await measure();
writeFileSync(results, `${JSON.stringify(run, null, 2)}\n`);
const markdown = existsSync('BENCHMARKS.md')
  ? readFileSync('BENCHMARKS.md', 'utf8')
  : '# Benchmarks\n';
writeFileSync('BENCHMARKS.md', withSection(markdown, 'Big data', bigDataSection(run)));
log('wrote the Big data section of BENCHMARKS.md and bench/results-big-data.json');
