// Settings of the API process: where it listens, what it logs, how long it waits for a request,
// and how it runs predictions.
import { int, oneOf, type Setting, text } from './kinds.js';

export const apiSettings = {
  host: {
    env: 'HOST',
    ...text('host name or address'),
    default: '127.0.0.1',
    doc: 'The address the API listens on; without `API_KEYS` it is 127.0.0.1 whatever this says.',
  },
  port: {
    env: 'PORT',
    ...int(0, 65535),
    default: '3000',
    doc: 'The port the API listens on.',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    ...oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    doc: "pino's level for the API and workers; the predict routes log from `warn` up (their counts and latencies are in `/metrics`).",
  },
  requestTimeoutMs: {
    env: 'REQUEST_TIMEOUT_MS',
    ...int(100),
    default: '600000',
    doc: "The longest a request's headers and body may take to arrive, else 408; event streams are answers, so it does not end them. Ten minutes by default: a dataset upload up to `MAX_DATASET_BYTES` (2 GiB) must arrive within it (3.6 MB/s); a slow sender of headers is cut off by `HEADERS_TIMEOUT_MS`.",
  },
  headersTimeoutMs: {
    env: 'HEADERS_TIMEOUT_MS',
    ...int(100),
    default: '10000',
    doc: "The longest a request's headers alone may take (at most `REQUEST_TIMEOUT_MS`, as Node requires).",
  },
  connectionTimeoutMs: {
    env: 'CONNECTION_TIMEOUT_MS',
    ...int(0),
    default: '60000',
    doc: 'A connection silent this long is closed (0: never); event streams are exempt.',
  },
  sseHeartbeatMs: {
    env: 'SSE_HEARTBEAT_MS',
    ...int(10),
    default: '15000',
    doc: 'How often an idle event stream gets a heartbeat comment.',
  },
  modelCacheSize: {
    env: 'MODEL_CACHE_SIZE',
    ...int(1),
    default: '100',
    doc: 'Models an API process keeps ready for predictions (least recently used go first).',
  },
  predictThreadWork: {
    env: 'PREDICT_THREAD_WORK',
    ...int(0),
    default: '1e7',
    doc: 'A prediction of more rows × parameters than this (≈ 1 ms of forward pass) runs in a predict thread, not on the event loop.',
  },
  predictThreads: {
    env: 'PREDICT_THREADS',
    ...int(1, 64),
    default: '2',
    doc: "The API process's predict threads, started at the first prediction that needs one.",
  },
} satisfies Record<string, Setting>;
