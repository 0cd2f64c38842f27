// A table upload read and made ready to store (issue 14), off the API's event loop when it is
// large: the body's first bytes are kept here, and a body past inlineBytes is handed, with the
// rest as it arrives, to a thread of its own (table-worker.ts) that parses, profiles and encodes
// it; a small one is done here (a few milliseconds). Profiling and encoding 22 MB of CSV (406,000
// rows × 9 columns) took 5.4 s of CPU (measured), which must not hold up other requests (STYLE:
// CPU work never runs on the event loop that serves requests). Messages between the threads are
// one union each way. Not the parsing or profiling itself (csv-stream.ts, ndjson-stream.ts,
// table-dataset.ts), nor the HTTP part (src/api/dataset-upload.ts).
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { AppError, type ErrorCode, type Issue, ValidationError } from '../errors.js';
import { encodeTyped, type FileKind, readArrowTable } from './arrow-table.js';
import type { FileType } from './column-profile.js';
import { readCsvEncoded, type StreamLimits } from './csv-stream.js';
import type { Task } from './label-task.js';
import { defaultMissingTokens } from './missing.js';
import { readNdjsonEncoded } from './ndjson-stream.js';
import type { Table } from './table.js';
import { checkLabel, encodedDataset, type TableDataset, tableDataset } from './table-dataset.js';

/** Bodies up to this size are read on the calling thread. */
export const inlineBytes = 512 * 1024;

export interface TableRequest {
  kind: 'csv' | 'ndjson' | FileKind;
  label?: string;
  task?: Task;
  missingTokens?: string[];
  limits: StreamLimits;
}

/** To the thread: the body's bytes, then its end. */
export type ToTableThread = { type: 'bytes'; bytes: Uint8Array } | { type: 'end' };

/** From the thread: the table, or why not. */
export type FromTableThread =
  | { type: 'done'; dataset: TableDataset }
  | { type: 'refused'; issues: Issue[] }
  | { type: 'app_error'; code: ErrorCode; message: string }
  | { type: 'failed'; message: string };

/** The body of `request.kind` read from `source` and made ready to store. */
export async function readTableUpload(
  request: TableRequest,
  source: Readable,
): Promise<TableDataset> {
  const head: Buffer[] = [];
  let bytes = 0;
  // next() by hand: leaving a for-await loop would end the iterator the thread reads on from
  const chunks = source.iterator({ destroyOnReturn: false });
  for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
    const buffer = asBuffer(next.value);
    bytes += buffer.length;
    tooLarge(bytes, request.limits.maxBytes);
    head.push(buffer);
    if (bytes > inlineBytes) return inThread(request, head, chunks, bytes);
  }
  return readTable(request, Readable.from(head));
}

/** The table made from a body's stream; what the thread runs, and the caller for small ones. */
export async function readTable(request: TableRequest, source: Readable): Promise<TableDataset> {
  const { limits, label } = request;
  const missingTokens = request.missingTokens ?? defaultMissingTokens;
  if (request.kind === 'parquet' || request.kind === 'arrow') {
    const file = readArrowTable(request.kind, await wholeBody(source, limits.maxBytes));
    const typed = encodeTyped(request.kind, file, limits.maxCells, missingTokens);
    const options = uploadOptions(checkLabel(typed.table.header, label), request);
    return encodedDataset(typed.table, { ...options, fileTypes: typed.fileTypes });
  }
  const table =
    request.kind === 'csv'
      ? await readCsvEncoded(source, limits, missingTokens, (header) => checkLabel(header, label))
      : await readNdjsonEncoded(source, limits, missingTokens);
  return encodedDataset(table, uploadOptions(checkLabel(table.header, label), request));
}

/** A table already parsed (JSON records, or a typed file's with its types) made ready to store. */
export function tableOf(
  table: Table,
  request: Omit<TableRequest, 'kind' | 'limits'> & { fileTypes?: Record<string, FileType> },
): TableDataset {
  const label = checkLabel(table.header, request.label);
  return tableDataset(table, {
    ...uploadOptions(label, request),
    ...(request.missingTokens ? { missingTokens: request.missingTokens } : {}),
    ...(request.fileTypes ? { fileTypes: request.fileTypes } : {}),
  });
}

const uploadOptions = (label: string | undefined, request: { task?: Task }) => ({
  ...(label !== undefined ? { label } : {}),
  ...(request.task ? { task: request.task } : {}),
});

// A typed file is read whole (Parquet's footer is at its end): its bytes in one buffer.
async function wholeBody(source: Readable, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of source) {
    const buffer = asBuffer(chunk);
    bytes += buffer.length;
    tooLarge(bytes, maxBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, bytes);
}

const asBuffer = (chunk: unknown): Buffer =>
  typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);

function tooLarge(bytes: number, maxBytes: number): void {
  if (bytes <= maxBytes) return;
  throw new AppError(
    'payload_too_large',
    `the body is larger than the limit of ${maxBytes} bytes (MAX_DATASET_BYTES)`,
  );
}

// The thread's script: its TypeScript source under tsx (tests), whose loader Node 20 does not
// pass on to threads, so a small module registers it first.
const threadScript = import.meta.url.endsWith('.ts')
  ? './table-worker-tsx.mjs'
  : './table-worker.js';

/** What a thread is started with: the request, and a table already parsed (JSON records). */
export interface ThreadStart {
  request: TableRequest;
  table?: Table;
}

function startThread(start: ThreadStart) {
  const worker = new Worker(new URL(threadScript, import.meta.url), { workerData: start });
  const answer = new Promise<FromTableThread>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the table thread ended (exit code ${code})`)));
  });
  // settles with the answer, never rejects: also what keeps a rejection from going unhandled
  const settled = answer.then(
    () => null,
    () => null,
  );
  return { worker, answer, settled };
}

// Hands `head` and the rest of `chunks` to a thread, until it answers (it may refuse early:
// the rest is then not read) or the body ends.
async function inThread(
  request: TableRequest,
  head: Buffer[],
  chunks: AsyncIterator<unknown>,
  bytes: number,
): Promise<TableDataset> {
  const { worker, answer, settled } = startThread({ request });
  const send = (buffer: Buffer) => {
    const copy = new Uint8Array(buffer); // its own memory, moved to the thread
    const message: ToTableThread = { type: 'bytes', bytes: copy };
    worker.postMessage(message, [copy.buffer]);
  };
  try {
    for (const buffer of head) send(buffer);
    let sent = bytes;
    for (;;) {
      // the thread may answer before the body ends (a refusal): the rest is not waited for
      const next = await Promise.race([chunks.next(), settled]);
      if (next === null) break;
      if (next.done) {
        worker.postMessage({ type: 'end' } satisfies ToTableThread);
        break;
      }
      const buffer = asBuffer(next.value);
      sent += buffer.length;
      tooLarge(sent, request.limits.maxBytes);
      send(buffer);
    }
    return fromThread(await answer);
  } finally {
    await worker.terminate();
  }
}

/** Cells of JSON records profiled on the calling thread; more go to a thread. */
export const inlineCells = 100_000;

/** JSON records already parsed, made ready to store (in a thread when there are many). */
export async function readRecordsTable(
  table: Table,
  request: Omit<TableRequest, 'kind'>,
): Promise<TableDataset> {
  if (table.rows.length * table.header.length <= inlineCells) return tableOf(table, request);
  const { worker, answer } = startThread({ request: { ...request, kind: 'ndjson' }, table });
  try {
    return fromThread(await answer);
  } finally {
    await worker.terminate();
  }
}

function fromThread(message: FromTableThread): TableDataset {
  switch (message.type) {
    case 'done':
      return message.dataset;
    case 'refused':
      throw new ValidationError(message.issues);
    case 'app_error':
      throw new AppError(message.code, message.message);
    case 'failed':
      throw new Error(`the table thread failed: ${message.message}`);
  }
}

/** What the thread answers for `error` (a refusal, or a failure with its message). */
export function threadAnswer(error: unknown): FromTableThread {
  if (error instanceof ValidationError) return { type: 'refused', issues: error.issues };
  if (error instanceof AppError)
    return { type: 'app_error', code: error.code, message: error.message };
  return {
    type: 'failed',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  };
}
