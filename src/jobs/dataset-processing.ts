// A big upload read by a worker (issue 16): the raw bytes the API streamed into the blob store,
// parsed, profiled and encoded as the API reads a small one (data/dataset-upload.ts, as a stream:
// csv-parse fed slice by slice), then stored as the dataset's file and made `ready`; refused
// input makes it `failed` with the reason (the refusals the API would have answered as a 400:
// their paths and messages). Another error is thrown, for BullMQ to try again; the worker marks
// the dataset failed after the last try (workers/worker.ts). Not the BullMQ glue
// (workers/dataset-processor.ts), nor the storing (store/datasets.ts).
import type { Config } from '../config.js';
import { readUpload, StreamBody } from '../data/dataset-upload.js';
import { AppError, ValidationError } from '../errors.js';
import type { DatasetJob } from '../queue.js';
import type { Stores } from '../store/index.js';

export type DatasetOutcome = 'ready' | 'failed' | 'gone';

/** Reads processing dataset `job.datasetId` from its upload: how it ended ('gone': not processing). */
export async function processDataset(
  stores: Stores,
  job: DatasetJob,
  config: Pick<Config, 'maxDatasetBytes' | 'maxDatasetCells' | 'maxDatasetStoredBytes'>,
): Promise<DatasetOutcome> {
  const source = await stores.datasets.upload(job.datasetId);
  if (!source) return 'gone';
  const limits = { maxBytes: config.maxDatasetBytes, maxCells: config.maxDatasetCells };
  try {
    const upload = await readUpload(new StreamBody(job.kind, source), job.query, limits);
    const read = 'table' in upload ? { table: upload.table } : { rows: upload.rows };
    const meta = await stores.datasets.finish(job.datasetId, read, config.maxDatasetStoredBytes);
    return meta === 'gone' ? 'gone' : 'ready';
  } catch (error) {
    source.destroy();
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    const errors = error instanceof ValidationError ? { errors: error.issues } : {};
    const failed = await stores.datasets.fail(job.datasetId, { message: error.message, ...errors });
    return failed ? 'failed' : 'gone';
  }
}
