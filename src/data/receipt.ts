// A model's receipt (issue 15, "Receipts and reproduction"): what it was trained from and what
// came out, each as a SHA-256, so a retraining can be compared bit for bit. The data's hash is
// over what the job trained from, as loaded: a table's header, dictionaries and codes, or a
// matrix's shape, classes and float32/int32 rows; the weights' hash over each layer's W_k then
// b_k as little-endian float32 (the order of the native model file). A retraining's outcome
// (reproductionOf) is compared here, for the worker and `backprop reproduce` alike; not the
// retraining itself.
import { createHash, type Hash } from 'node:crypto';
import type { Parameters } from '../engine/index.js';
import type { NetworkSpec, Receipt, Reproduces, Reproduction } from '../spec/index.js';
import type { DataRows } from './dataset.js';
import type { EncodedTable } from './encoded-table.js';

/**
 * The engine's version: the package's (package.json), checked equal by test/data/receipt.test.ts.
 * Raise it whenever the engine's arithmetic changes (0.2.0: the forward kernel's lane sums), so
 * a reproduction of an older model names the engine as what differs.
 */
export const engineVersion = '0.2.0';

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

/** What a reproduction compares a new model with: the original's receipt and kernels. */
export function reproducesOf(id: string, receipt: Receipt, kernel?: string): Reproduces {
  const { weightsSha256, datasetSha256, engineVersion } = receipt;
  return { model: id, weightsSha256, datasetSha256, engineVersion, ...(kernel ? { kernel } : {}) };
}

/**
 * Whether the retrained model (its receipt, the kernels that trained it) is the original, bit for
 * bit, and where it is not, each difference known to change weights: the data, the engine, the
 * kernels (a fused multiply-add rounds once where a multiply then an add rounds twice).
 */
export function reproductionOf(
  original: Reproduces,
  receipt: Receipt,
  kernel?: string,
): Reproduction {
  const equal = receipt.weightsSha256 === original.weightsSha256;
  const datasetSha256Equal = receipt.datasetSha256 === original.datasetSha256;
  const engineVersionEqual = receipt.engineVersion === original.engineVersion;
  const reasons: string[] = [];
  if (!datasetSha256Equal)
    reasons.push(
      `the data differs: it hashes to ${receipt.datasetSha256} now, ${original.datasetSha256} in the receipt`,
    );
  if (!engineVersionEqual)
    reasons.push(
      `the engine differs: version ${receipt.engineVersion} now, ${original.engineVersion} in the receipt`,
    );
  if (kernel && original.kernel && kernel !== original.kernel)
    reasons.push(
      `the kernels differ: ${kernel} now, ${original.kernel} then (relaxed SIMD's fused multiply-add rounds differently; WASM_RELAXED_SIMD=0 picks plain SIMD)`,
    );
  if (!equal && reasons.length === 0)
    reasons.push(
      'the weights differ with the same data, engine and kernels: relaxed SIMD (FMA) kernels may round differently on another machine',
    );
  return {
    model: original.model,
    expected: original.weightsSha256,
    actual: receipt.weightsSha256,
    equal,
    datasetSha256Equal,
    engineVersionEqual,
    reasons,
  };
}
