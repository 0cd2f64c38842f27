// Limits on what one request or one job may ask: each refusal names its setting (400 or 413).
import { availableParallelism } from 'node:os';
import { int, positive, type Setting } from './kinds.js';

export const limitSettings = {
  maxBodyBytes: {
    env: 'MAX_BODY_BYTES',
    ...int(1024),
    default: String(10 * 1024 * 1024),
    doc: 'The largest request body but a dataset upload; more is a 413.',
  },
  maxDatasetBytes: {
    env: 'MAX_DATASET_BYTES',
    ...int(1024),
    default: String(2 * 1024 * 1024 * 1024),
    doc: 'The largest dataset upload (`POST /v1/datasets`; a `content-encoding: gzip` one counted decompressed), refused mid-stream with nothing kept, or imported model file (`POST /v1/models`); more is a 413.',
  },
  maxDatasetJsonBytes: {
    env: 'MAX_DATASET_JSON_BYTES',
    ...int(1024),
    default: String(50 * 1024 * 1024),
    doc: 'The largest JSON body of `POST /v1/datasets` (records or rows: parsed whole by the API); more is a 413. A bigger table goes as CSV, NDJSON, Parquet or Arrow.',
  },
  datasetInlineBytes: {
    env: 'DATASET_INLINE_BYTES',
    ...int(0),
    default: String(8 * 1024 * 1024),
    doc: 'Uploads (CSV, NDJSON, Parquet, Arrow) up to this size are read by the API as they arrive and answered 201 with the profile; a larger one is streamed to the blob store and read by a worker: 202, `status: "processing"` (0: every such upload goes to a worker).',
  },
  maxJsonDepth: {
    env: 'MAX_JSON_DEPTH',
    ...int(4, 10_000),
    default: '64',
    doc: 'How deeply arrays and objects may nest in a JSON body: a 400 from a scan of the text before it is parsed.',
  },
  maxPredictRows: {
    env: 'MAX_PREDICT_ROWS',
    ...int(1),
    default: '10000',
    doc: 'The most rows one prediction may send; more is a 400.',
  },
  maxParameters: {
    env: 'MAX_PARAMETERS',
    ...int(1),
    default: '5e7',
    doc: "A job's network parameters (weights and biases) at most; more is a 400 naming it.",
  },
  maxDatasetCells: {
    env: 'MAX_DATASET_CELLS',
    ...int(1),
    default: '1e8',
    doc: 'Values in any one array of a dataset at most: rows × features, rows × outputs (one-hot classes too); more is a 400.',
  },
  maxJobCompute: {
    env: 'MAX_JOB_COMPUTE',
    ...positive(),
    default: '1e15',
    doc: "A job's compute budget, epochs × rows × parameters; more is a 400 naming it.",
  },
  maxJobThreads: {
    env: 'MAX_JOB_THREADS',
    ...int(1, 64),
    default: String(availableParallelism()),
    defaultDoc: 'the core count',
    doc: 'The most threads one job may train on (`training.threads`).',
  },
  maxJobSeconds: {
    env: 'MAX_JOB_SECONDS',
    ...int(0),
    default: String(24 * 3600),
    doc: 'The longest a job may train, over all its tries (0: no limit); then it fails `time_limit`.',
  },
} satisfies Record<string, Setting>;
