// A training checkpoint's arrays as one blob (issue 16), framed as the model file is
// (model-file.ts): a preamble (magic, version, the header's and the arrays' byte counts), a JSON
// header naming each array's length, the arrays little-endian (the sample order as uint32, then
// W_k, b_k, the optimizer's slots and the best W_k, b_k as float32), and a SHA-256 of all that.
// Not the checkpoint's scalars (epoch, sums, reports, history): those stay in Redis beside the
// blob's key (store/checkpoints.ts). Pure: arrays in, bytes out, and back.
import { createHash } from 'node:crypto';
import type { Parameters } from '../engine/index.js';

/** Like the model file's magic, with C for checkpoint: 89 'BPC' CR LF 1A LF. */
export const checkpointFileMagic = Uint8Array.from([
  0x89, 0x42, 0x50, 0x43, 0x0d, 0x0a, 0x1a, 0x0a,
]);
export const checkpointFileVersion = 1;

const preambleBytes = 20; // magic 8, version u32, header bytes u32, array bytes u32
const checksumBytes = 32;

/** The arrays of a checkpoint. */
export interface CheckpointArrays {
  order: Uint32Array;
  params: Parameters;
  slots: Float32Array[];
  best: Parameters | null;
}

/** What the header says: each array's length in elements, in the order they follow. */
interface Header {
  byteOrder: 'little-endian';
  order: number;
  W: number[];
  b: number[];
  slots: number[];
  /** Absent when the checkpoint has no best weights yet. */
  best?: { W: number[]; b: number[] };
}

const lengths = (arrays: { length: number }[]) => arrays.map((a) => a.length);
const bytesOf = (a: Float32Array | Uint32Array) =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Refused unless this machine is little-endian: the arrays' own bytes are written as they are. */
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * The checkpoint file of `arrays` as chunks (the arrays' own bytes, never copied into one
 * buffer: a large network's checkpoint is hundreds of MB) and its length.
 */
export function encodeCheckpointFile(arrays: CheckpointArrays): {
  chunks: Iterable<Uint8Array>;
  bytes: number;
} {
  if (!littleEndian) throw new Error('checkpoint files are written on little-endian machines only');
  const { order, params, slots, best } = arrays;
  const header: Header = {
    byteOrder: 'little-endian',
    order: order.length,
    W: lengths(params.W),
    b: lengths(params.b),
    slots: lengths(slots),
    ...(best ? { best: { W: lengths(best.W), b: lengths(best.b) } } : {}),
  };
  const parts = [
    order,
    ...params.W,
    ...params.b,
    ...slots,
    ...(best ? [...best.W, ...best.b] : []),
  ];
  const dataLength = parts.reduce((n, a) => n + a.byteLength, 0);
  // spaces after the JSON (still JSON) put the arrays at a multiple of 4 bytes
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 4) * 4;
  if (dataLength > 0xffffffff)
    throw new RangeError(`a checkpoint of ${dataLength} bytes is past 4 GiB`);
  const head = new Uint8Array(preambleBytes + headerLength).fill(0x20);
  const view = new DataView(head.buffer);
  head.set(checkpointFileMagic, 0);
  view.setUint32(8, checkpointFileVersion, true);
  view.setUint32(12, headerLength, true);
  view.setUint32(16, dataLength, true);
  head.set(json, preambleBytes);
  function* chunks() {
    const hash = createHash('sha256');
    for (const chunk of [head, ...parts.map(bytesOf)]) {
      hash.update(chunk);
      yield chunk;
    }
    yield new Uint8Array(hash.digest());
  }
  return { chunks: chunks(), bytes: head.length + dataLength + checksumBytes };
}

/** The arrays of a checkpoint file, after its magic, version, lengths and checksum are checked. */
export function decodeCheckpointFile(bytes: Uint8Array): CheckpointArrays {
  const bad = (why: string) => new Error(`not a whole checkpoint file: ${why}`);
  if (bytes.length < preambleBytes + checksumBytes) throw bad(`only ${bytes.length} bytes`);
  if (!checkpointFileMagic.every((b, i) => bytes[i] === b)) throw bad('its magic bytes differ');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== checkpointFileVersion)
    throw bad(`version ${version}, not ${checkpointFileVersion}`);
  const headerLength = view.getUint32(12, true);
  const dataLength = view.getUint32(16, true);
  const body = preambleBytes + headerLength + dataLength;
  if (bytes.length !== body + checksumBytes)
    throw bad(`${bytes.length} bytes where its preamble promises ${body + checksumBytes}`);
  const sum = createHash('sha256').update(bytes.subarray(0, body)).digest();
  if (!sum.equals(bytes.subarray(body))) throw bad('its SHA-256 checksum does not match');
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(preambleBytes, preambleBytes + headerLength)),
  ) as Header;
  const all = [
    header.order,
    ...header.W,
    ...header.b,
    ...header.slots,
    ...(header.best ? [...header.best.W, ...header.best.b] : []),
  ];
  if (all.reduce((n, length) => n + length * 4, 0) !== dataLength)
    throw bad(`its header's arrays do not add up to its ${dataLength} bytes`);
  // copies (a Buffer's slice would be a view): the file's bytes may sit at any offset of a
  // pooled buffer, and the arrays outlive it
  let at = preambleBytes + headerLength;
  const take = <T>(length: number, make: (buffer: ArrayBuffer) => T): T => {
    const part = new Uint8Array(bytes.subarray(at, at + length * 4));
    at += length * 4;
    return make(part.buffer);
  };
  const floats = (n: number) => take(n, (b) => new Float32Array(b));
  const order = take(header.order, (b) => new Uint32Array(b));
  const params = { W: header.W.map(floats), b: header.b.map(floats) };
  const slots = header.slots.map(floats);
  const best = header.best ? { W: header.best.W.map(floats), b: header.best.b.map(floats) } : null;
  return { order, params, slots, best };
}
