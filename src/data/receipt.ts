// A model's receipt (issue 15, "Receipts and reproduction"): what it was trained from and what
// came out, each as a SHA-256, so a retraining can be compared bit for bit. The data's hash is
// over what the job trained from, as loaded: a table's header, dictionaries and codes, or a
// matrix's shape, classes and float32/int32 rows; the weights' hash over each layer's W_k then
// b_k as little-endian float32 (the order of the native model file). Not the retraining.
import { createHash, type Hash } from 'node:crypto';
import type { Parameters } from '../engine/index.js';
import type { NetworkSpec, Receipt } from '../spec/index.js';
import type { DataRows } from './dataset.js';
import type { EncodedTable } from './encoded-table.js';

/** The engine's version: the package's (package.json), checked equal by test/data/receipt.test.ts. */
export const engineVersion = '0.1.0';

const bytesOf = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

// Typed arrays are hashed as little-endian bytes: every machine this runs on is little-endian.
function update(hash: Hash, ...parts: (string | Float32Array | Int32Array)[]): Hash {
  for (const part of parts) hash.update(typeof part === 'string' ? part : bytesOf(part));
  return hash;
}

/** SHA-256 of a stored table as the job reads it. */
export function tableSha256(table: EncodedTable): string {
  const head = JSON.stringify({
    header: table.header,
    rows: table.rows,
    dictionaries: table.dictionaries,
  });
  return update(createHash('sha256'), 'table\n', head, '\n', table.codes).digest('hex');
}

/** SHA-256 of a matrix dataset (before any one-hot expansion of its class indices). */
export function rowsSha256(data: DataRows): string {
  const { rows, features, outputs, classes } = data;
  const head = JSON.stringify({ rows, features, outputs, classes: classes ?? null });
  const hash = update(createHash('sha256'), 'rows\n', head, '\n', data.inputs);
  if (data.labels) return update(hash, 'labels\n', data.labels).digest('hex');
  return update(hash, 'targets\n', data.targets ?? new Float32Array()).digest('hex');
}

/** SHA-256 of the weights: per layer W_k then b_k, little-endian float32. */
export function weightsSha256(params: Parameters): string {
  const hash = createHash('sha256');
  params.W.forEach((W, k) => update(hash, W, params.b[k]!));
  return hash.digest('hex');
}

/** The receipt of a model trained from `spec` on data of hash `datasetSha256`. */
export function receiptOf(
  spec: { network: NetworkSpec; dataset: object; training: { seed: number } },
  datasetSha256: string,
  params: Parameters,
): Receipt {
  return {
    datasetSha256,
    spec: {
      network: spec.network,
      dataset: { ...spec.dataset },
      training: { ...spec.training },
    },
    seed: spec.training.seed,
    engineVersion,
    weightsSha256: weightsSha256(params),
  };
}
