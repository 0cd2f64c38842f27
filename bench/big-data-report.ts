// The `## Big data` section of BENCHMARKS.md from one run of bench/big-data.ts (issue 16: big
// uploads streamed through the API into the blob store and read by a worker, then training on
// 10^5, 10^6 and 10^7 rows), and the figures' types. Pure: no processes, no I/O.

const MB = 1e6;

/** One upload of a generated CSV: through the API, then read by the worker. */
export interface UploadFigures {
  /** What was uploaded, in words. */
  what: string;
  /** 202: streamed to the blob store and read by the worker; 201: small enough for the API. */
  answered: number;
  fileBytes: number;
  /** Seconds from the request's first byte to the API's 202. */
  uploadSeconds: number;
  uploadMBps: number;
  /** The API process's RSS (VmRSS) just before the upload, and at most while it ran, bytes. */
  apiRssBefore: number;
  apiRssPeak: number;
  /** Seconds from the 202 to the GET that first answered `ready` (polled every 200 ms). */
  processingSeconds: number;
  /** The worker process's RSS before the upload, and at most until the dataset was ready. */
  workerRssBefore: number;
  workerRssPeak: number;
  rows: number;
  /** rows × columns of the upload's values (a table: its columns; numeric rows: inputs + targets). */
  cells: number;
  /** The dataset file's bytes (meta.bytes). */
  storedBytes: number;
}

/** One training job on a numeric dataset, in a worker process started for it alone. */
export interface TrainingFigures {
  rows: number;
  inputs: number;
  epochs: number;
  /** elapsedMs of each epoch event, differenced: milliseconds each epoch took. */
  epochMs: number[];
  /** The same for the same job with `shuffle: false` (rows in stored order), run after it. */
  unshuffledEpochMs: number[];
  /** The same again, shuffled, in a worker started with CHECKPOINT_INTERVAL_MS of a day. */
  noCheckpointEpochMs: number[];
  /** samplesPerSecond of the last epoch event. */
  samplesPerSecond: number;
  /** The worker's RSS idle before the job, and at most while it ran, bytes. */
  workerRssBefore: number;
  workerRssPeak: number;
  /** The dataset file's bytes. */
  storedBytes: number;
  /** Seconds from POST /v1/jobs to the `done` event. */
  jobSeconds: number;
  /** The machine's 1-minute load average after the three jobs: other work on the cores. */
  loadAverage: number;
}

export interface BigDataRun {
  date: string;
  machine: string;
  /** The network and training of every job, in words. */
  job: string;
  uploads: UploadFigures[];
  training: TrainingFigures[];
}

const mb = (bytes: number) => (bytes / MB).toFixed(0);
const mb1 = (bytes: number) => (bytes / MB).toFixed(1);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const power = (rows: number) => {
  const e = Math.log10(rows);
  return Number.isInteger(e) ? `10^${e}` : fmt(rows);
};

// The epoch time that stands for a job: the fastest of its epochs but the first (which also sets
// up the run). The machine is shared: other work only ever slows an epoch down, so the fastest
// is the one it disturbed least (the JSON keeps every epoch).
const fastest = (ms: readonly number[]) =>
  ms.length > 1 ? Math.min(...ms.slice(1)) : (ms[0] ?? Number.NaN);
export const epochMsOf = (t: TrainingFigures) => fastest(t.epochMs);
export const unshuffledMsOf = (t: TrainingFigures) => fastest(t.unshuffledEpochMs);
export const noCheckpointMsOf = (t: TrainingFigures) => fastest(t.noCheckpointEpochMs);

/** RSS growth a value of the inputs while training: (peak − idle) ÷ (rows × inputs). */
export const bytesPerCell = (t: TrainingFigures) =>
  (t.workerRssPeak - t.workerRssBefore) / (t.rows * t.inputs);

/** The growth a value between two sizes: what the rows cost without the fixed part (thread, kernels). */
export const marginalBytesPerCell = (t: TrainingFigures, before: TrainingFigures) =>
  (t.workerRssPeak - t.workerRssBefore - (before.workerRssPeak - before.workerRssBefore)) /
  ((t.rows - before.rows) * t.inputs);

/** The `## Big data` section. */
export function bigDataSection(run: BigDataRun): string {
  const uploads = run.uploads.map((u) => {
    const worker =
      u.answered === 201
        ? 'the API (201) | - | -'
        : `${u.processingSeconds.toFixed(1)} | ${mb(u.workerRssBefore)} | ${mb(u.workerRssPeak)}`;
    return `| ${u.what} | ${mb1(u.fileBytes)} | ${u.uploadMBps.toFixed(0)} | ${mb(u.apiRssBefore)} | ${mb(u.apiRssPeak)} | **${mb1(u.apiRssPeak - u.apiRssBefore)}** | ${worker} | ${fmt(u.rows)} | ${fmt(u.cells)} | ${mb1(u.storedBytes)} |`;
  });
  const training = run.training.map((t, i) => {
    const before = run.training[i - 1];
    const ratio = (ms: (x: TrainingFigures) => number) =>
      before ? `${(ms(t) / ms(before)).toFixed(1)}×` : '-';
    const marginal = before ? marginalBytesPerCell(t, before).toFixed(1) : '-';
    const s3 = (ms: number) => (ms / 1000).toFixed(3);
    return `| ${power(t.rows)} | ${t.epochs} | ${mb1(t.storedBytes)} | ${s3(epochMsOf(t))} | ${ratio(epochMsOf)} | ${s3(unshuffledMsOf(t))} | ${ratio(unshuffledMsOf)} | ${s3(noCheckpointMsOf(t))} | ${ratio(noCheckpointMsOf)} | ${fmt((t.rows / epochMsOf(t)) * 1000)} | ${mb(t.workerRssBefore)} | ${mb(t.workerRssPeak)} | ${mb(t.workerRssPeak - t.workerRssBefore)} | **${bytesPerCell(t).toFixed(1)}** | ${marginal} | ${t.loadAverage.toFixed(1)} |`;
  });
  return `## Big data

Written by \`npm run bench:data\` (bench/big-data.ts, 5 to 10 minutes; not part of \`npm run
bench\`). One API process (\`npm run start:api\`'s command) and one worker process
(\`dist/workers/worker.js\`) on this machine against the local Redis, on a key prefix and a
\`BLOB_URL\` temp folder of their own, logs at warn, \`DATASET_INLINE_BYTES\` at its default
(8 MiB: every upload here is streamed into the blob store, answered 202 and read by the worker);
\`MAX_TENANT_STORAGE_BYTES=0\` and \`REQUEST_TIMEOUT_MS=600000\` so that the biggest upload is not
stopped by a quota or a timeout that a bench has no use for. The CSVs are generated into a temp
file first (streamed to disk) and uploaded with a streamed request body (\`fetch\` of a
\`ReadableStream\`, \`duplex: 'half'\`). RSS is each process's \`VmRSS\` from /proc, sampled every
100 ms. MB = 10^6 bytes.

- Date: ${run.date}
- Machine: ${run.machine}

Uploads (\`POST /v1/datasets\`, \`text/csv\`): MB/s = the file's bytes ÷ the time to the 202; the
API's RSS before the upload and at most during it; the worker's read = from the 202 to the first
\`GET /v1/datasets/:id\` answering \`ready\` (polled every 200 ms), with the worker's RSS before
and at most meanwhile; stored = the dataset file (\`bytes\`).

| upload | MB | MB/s | API RSS before MB | API RSS peak MB | API growth MB | worker read s | worker RSS before MB | worker RSS peak MB | rows | cells | stored MB |
|---|---|---|---|---|---|---|---|---|---|---|---|
${uploads.join('\n')}

Training: ${run.job}. Each job ran in a worker process started for it alone (the upload was read
by another one), so the RSS before is an idle worker's. Epoch s = the fastest of the epochs but
the first (which also sets up the run), from the \`epoch\` events' \`elapsedMs\`, differenced
(other work on the machine only slows an epoch down; bench/results-big-data.json keeps them all);
÷ previous = that over the previous row's; unshuffled = the same job again with
\`shuffle: false\` (rows read in stored order), in the same worker after it; no checkpoints =
the shuffled job again in a worker started with \`CHECKPOINT_INTERVAL_MS=86400000\` (by default a
running job copies and saves a checkpoint every 5 s: its weights and the shuffle order, 4 bytes
a row); samples/s = rows ÷ epoch s. Bytes a cell = (RSS peak − before) ÷ (rows × ${run.training[0]?.inputs ?? 8} inputs);
marginal = the growth over the previous row's ÷ the added cells (without the fixed part: the
training thread, its kernels). Load = the machine's 1-minute load average after the three jobs.

| rows | epochs | stored MB | epoch s | ÷ previous | unshuffled epoch s | ÷ previous | no checkpoints epoch s | ÷ previous | samples/s | worker RSS before MB | worker RSS peak MB | growth MB | bytes a cell | marginal bytes a cell | load |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${training.join('\n')}

${notesOf(run)}
`;
}

const ratioOf = (ts: readonly TrainingFigures[], ms: (t: TrainingFigures) => number) =>
  ts.slice(1).map((t, i) => `${(ms(t) / ms(ts[i]!)).toFixed(1)}×`);
const rate = (t: TrainingFigures, ms: number) => `${(((t.rows / ms) * 1000) / 1e6).toFixed(1)} M`;

/** What the figures show, in words made from them (and what the code does, for the memory). */
function notesOf(r: BigDataRun): string {
  const tables = r.uploads.filter((u) => u.what.startsWith('table') && u.answered === 202);
  const [small, big] = tables;
  const parts: string[] = [];
  if (small && big) {
    const g = (u: UploadFigures) => mb1(u.apiRssPeak - u.apiRssBefore);
    const times = (u: UploadFigures) =>
      ((u.workerRssPeak - u.workerRssBefore) / u.fileBytes).toFixed(0);
    parts.push(
      `**Uploads.** The API's memory does not follow the upload: it grew ${g(small)} MB for the ${mb(small.fileBytes)} MB file (the first upload, with the route's first-use costs) and ${g(big)} MB for the ${mb(big.fileBytes)} MB one, ${(big.fileBytes / small.fileBytes).toFixed(1)}× the bytes, streamed into the blob store at ${big.uploadMBps.toFixed(0)} MB/s. The worker's read does follow it: a table grew the worker by ${times(small)}× and ${times(big)}× the CSV's bytes (${mb(big.workerRssPeak)} MB at the peak for ${mb(big.fileBytes)} MB), ${((big.workerRssPeak - big.workerRssBefore) / big.cells).toFixed(0)} bytes a cell at the peak. The cells themselves are encoded as they arrive (src/data/table-encoder.ts: 4 bytes a cell in blocks of codes, each distinct text once; bench/table-memory.ts measures 6.8 bytes a cell held after a read of 10^6 rows, 43 before it); what the peak adds is profiling, which builds for one column at a time arrays as long as the table (its cells, their values, a set of the distinct ones), the codes made column-major at the end (held twice for a moment), the read's own thread (a V8 heap of its own), and garbage V8 collects late under no memory pressure; at that rate a table of \`MAX_DATASET_BYTES\` (2 GiB) would need about ${((Number(times(big)) * 2 ** 31) / 1e9).toFixed(0)} GB. Numeric rows (\`?targets=\`) are read into typed arrays as they come and cost ${(() => {
        const n = r.uploads
          .filter((u) => u.what.startsWith('numbers') && u.answered === 202)
          .at(-1);
        return n
          ? `${((n.workerRssPeak - n.workerRssBefore) / n.fileBytes).toFixed(1)}× the CSV (${mb(n.fileBytes)} MB read in ${n.processingSeconds.toFixed(0)} s)`
          : 'less';
      })()}.`,
    );
  }
  const ts = r.training;
  if (ts.length > 1) {
    const last = ts[ts.length - 1]!;
    parts.push(
      `**Epoch time.** Shuffled (the default), ten times the rows took ${ratioOf(ts, epochMsOf).join(' then ')} the time (${ts.map((t) => rate(t, epochMsOf(t))).join(', ')} samples/s): not linear. The same jobs with rows read in stored order took ${ratioOf(ts, unshuffledMsOf).join(' then ')} (${ts.map((t) => rate(t, unshuffledMsOf(t))).join(', ')} samples/s), and without checkpoints ${ratioOf(ts, noCheckpointMsOf).join(' then ')}: in stored order an epoch is close to linear in the rows (about the same samples/s at every size), and what grows faster is the cost of the shuffle's random reads: every epoch shuffles the order (a Uint32 a row) and each batch gathers its rows by it (\`gather\` in src/engine/epoch.ts), and the more rows (${mb1(ts[0]!.storedBytes)} MB at ${power(ts[0]!.rows)}, ${mb(last.storedBytes)} MB at ${power(last.rows)}) the fewer of those reads find the row in a cache, while a network this small (8-16-1) does too little work a row to hide them. Checkpoints every 5 s cost nothing measurable: ${power(last.rows)} rows without them ${(noCheckpointMsOf(last) / 1000).toFixed(2)} s, with them ${(epochMsOf(last) / 1000).toFixed(2)} s; the ${power(ts[1]!.rows)}-row jobs end before the first is due, so there the two columns differ by the machine's noise alone (${(Math.abs(noCheckpointMsOf(ts[1]!) / epochMsOf(ts[1]!) - 1) * 100).toFixed(0)} % here; the load average was ${Math.min(...ts.map((t) => t.loadAverage)).toFixed(1)} to ${Math.max(...ts.map((t) => t.loadAverage)).toFixed(1)} on 2 cores: other work shared them).`,
    );
    const marginal = marginalBytesPerCell(last, ts[ts.length - 2]!);
    parts.push(
      `**Training memory.** At the margin (${power(ts[ts.length - 2]!.rows)} → ${power(last.rows)} rows) a value of the inputs cost ${marginal.toFixed(1)} bytes of the worker's RSS (${bytesPerCell(last).toFixed(1)} with the fixed part at ${power(last.rows)}), against the 4 bytes a value the dataset file takes. Per row of 8 inputs and 1 target the code holds at the peak: the dataset file's arrays read from the blob store (36 bytes), their copy in the engine's WebAssembly arena where the kernels read them, standardised in place (36), the shuffle order (4, Uint32), the order \`validationSplitOf\` makes (4) and the checkpoint's copy of the shuffle order (4): 84 bytes, 10.5 a value. Both copies of the rows exist only while the engine copies them: the job hands its rows over once (\`Handover\` in src/jobs/train-streaming.ts) and keeps none, so they are garbage from the first batch on; a peak of about 4 bytes a value would need the dataset file read straight into the arena. The network, its optimizer state and batch buffers are a few kilobytes; the fixed part (most of the ${mb(ts[0]!.workerRssPeak - ts[0]!.workerRssBefore)} MB at ${power(ts[0]!.rows)} rows) is the BullMQ worker thread the job runs in, started at a worker's first job: its own V8 heap, modules and Redis connection, and the kernels' WebAssembly.`,
    );
  }
  return parts.join('\n\n');
}
