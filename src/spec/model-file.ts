// The native model file (README, "The model file"): one self-describing binary a model is
// downloaded as and imported from. A preamble (magic, version, the header's and the weights'
// byte counts), the model document without its weights as JSON, the weights as float32
// little-endian (W_k row by row, then b_k, layer by layer), and a SHA-256 of all that. Pure:
// bytes in, bytes out; reading and writing files and requests is the caller's.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { layersOf, outputSizeOf } from '../engine/index.js';
import { type Issue, ValidationError } from '../errors.js';
import { fromZod, plainMessages } from './issues.js';
import { checkWeights, type ModelDocument, modelSchema, type WeightsJson } from './model.js';

/** The first 8 bytes: not text (0x89), and line-ending and EOF damage shows (as PNG's do). */
export const modelFileMagic = Uint8Array.from([0x89, 0x42, 0x50, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a]);
export const modelFileVersion = 1;
export const modelFileType = 'application/vnd.backprop.model';

const preambleBytes = 20; // magic 8, version u32, header bytes u32, weight bytes u32
const checksumBytes = 32;

const weightsDescriptorSchema = z.strictObject({
  dtype: z.literal('float32'),
  byteOrder: z.literal('little-endian'),
  /** Per layer: W's [rows (D_k), columns (D_k-1)] and b's [D_k]. */
  shapes: z.array(
    z.strictObject({
      W: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
      b: z.tuple([z.number().int().min(0)]),
    }),
  ),
  bytes: z.number().int().min(0),
  /** SHA-256 (hex) of the weight bytes as they are in the file. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
});

const headerSchema = modelSchema.omit({ weights: true }).extend({
  weights: weightsDescriptorSchema,
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** True when `bytes` start like a model file (for telling it from a model's JSON). */
export function isModelFile(bytes: Uint8Array): boolean {
  return bytes.length >= modelFileMagic.length && modelFileMagic.every((b, i) => bytes[i] === b);
}

/** The weights as the file holds them: float32 little-endian, W_k row by row then b_k. */
export function weightBytesOf(weights: WeightsJson): Uint8Array {
  const count = weights.reduce((n, { W, b }) => n + W.length * (W[0]?.length ?? 0) + b.length, 0);
  const bytes = new Uint8Array(count * 4);
  const view = new DataView(bytes.buffer);
  let at = 0;
  const put = (v: number) => {
    view.setFloat32(at, v, true);
    at += 4;
  };
  for (const { W, b } of weights) {
    for (const row of W) for (const v of row) put(v);
    for (const v of b) put(v);
  }
  return bytes;
}

/** The model file of `doc` (its weights rounded to float32, as the engine holds them). */
export function encodeModelFile(doc: ModelDocument): Uint8Array {
  const { weights, ...rest } = doc;
  const issues = checkWeights(doc.network, weights);
  if (issues.length > 0) throw new ValidationError(issues);
  const data = weightBytesOf(weights);
  // through the header's schema: its fields in one order, so one model is always one file
  const header = headerSchema.parse({
    ...rest,
    weights: {
      dtype: 'float32',
      byteOrder: 'little-endian',
      shapes: weights.map(({ W, b }) => ({ W: [W.length, W[0]?.length ?? 0], b: [b.length] })),
      bytes: data.length,
      sha256: hex(sha256(data)),
    },
  });
  // spaces after the JSON (still JSON) put the weights at a multiple of 4 bytes
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 4) * 4;
  const body = preambleBytes + headerLength + data.length;
  const file = new Uint8Array(body + checksumBytes);
  const view = new DataView(file.buffer);
  file.set(modelFileMagic, 0);
  view.setUint32(8, modelFileVersion, true);
  view.setUint32(12, headerLength, true);
  view.setUint32(16, data.length, true);
  file.set(json, preambleBytes);
  file.fill(0x20, preambleBytes + json.length, preambleBytes + headerLength);
  file.set(data, preambleBytes + headerLength);
  file.set(sha256(file.subarray(0, body)), body);
  return file;
}

const refuse = (path: string, message: string): never => {
  throw new ValidationError([{ path, message }]);
};

/**
 * The model document in a model file, every part checked: magic, version, lengths (a truncated
 * file), the checksum, the header, and the weights' shapes against the network. Anything wrong
 * is a ValidationError naming it (whole-file problems under path '').
 */
export function decodeModelFile(bytes: Uint8Array): ModelDocument {
  if (bytes.length < preambleBytes) {
    if (!isModelFile(bytes)) refuse('', notAModelFile(bytes));
    refuse('', `is truncated: ${bytes.length} bytes, shorter than the file's 20-byte preamble`);
  }
  if (!isModelFile(bytes)) refuse('', notAModelFile(bytes));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== modelFileVersion)
    refuse(
      '',
      `is a version ${version} model file; this service reads version ${modelFileVersion}: download it again from a service of this version`,
    );
  const headerLength = view.getUint32(12, true);
  const dataLength = view.getUint32(16, true);
  const expected = preambleBytes + headerLength + dataLength + checksumBytes;
  if (bytes.length < expected)
    refuse(
      '',
      `is truncated: ${bytes.length} bytes where its preamble promises ${expected} (a header of ${headerLength}, weights of ${dataLength}, a 32-byte checksum): download it again`,
    );
  if (bytes.length > expected)
    refuse(
      '',
      `has ${bytes.length - expected} bytes after its checksum, where the file should end: it is not one model file as downloaded`,
    );
  const body = preambleBytes + headerLength + dataLength;
  if (!sha256(bytes.subarray(0, body)).equals(bytes.subarray(body)))
    refuse(
      '',
      'is corrupt: its SHA-256 checksum does not match its contents (a byte changed on the way): download it again',
    );
  const header = readHeader(bytes.subarray(preambleBytes, preambleBytes + headerLength));
  const data = bytes.subarray(preambleBytes + headerLength, body);
  const weights = readWeights(header, data);
  const issues = checkWidths(header);
  if (issues.length > 0) throw new ValidationError(issues);
  return { ...header, weights };
}

// The parts that must agree with the network's input and output widths for predict to run.
function checkWidths(header: Header): Issue[] {
  const issues: Issue[] = [];
  const inputs = header.network.inputSize;
  const outputs = outputSizeOf(header.network);
  const widthOf = (path: string, length: number, want: number, what: string) => {
    if (length !== want)
      issues.push({ path, message: `has ${length} entries but the network has ${want} ${what}` });
  };
  if (header.scaler) {
    widthOf('header.scaler.mean', header.scaler.mean.length, inputs, 'inputs');
    widthOf('header.scaler.std', header.scaler.std.length, inputs, 'inputs');
  }
  if (header.preprocessing && header.preprocessing.width !== inputs)
    issues.push({
      path: 'header.preprocessing.width',
      message: `is ${header.preprocessing.width} but the network has ${inputs} inputs`,
    });
  if (header.classes) widthOf('header.classes', header.classes.length, outputs, 'outputs');
  if (header.target?.task === 'classification')
    widthOf('header.target.classes', header.target.classes.length, outputs, 'outputs');
  return issues;
}

function notAModelFile(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 16)).trimStart();
  const hint = text.startsWith('{')
    ? ' (it looks like JSON: a model document is read as JSON, not imported as a file)'
    : '';
  return `is not a backprop model file: it does not start with the model file's magic bytes (89 42 50 4D 0D 0A 1A 0A)${hint}`;
}

type Header = z.output<typeof headerSchema>;

function readHeader(bytes: Uint8Array): Header {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    return refuse('header', `is not valid UTF-8 JSON: ${(error as Error).message}`);
  }
  const result = headerSchema.safeParse(json, { error: plainMessages });
  if (!result.success) throw new ValidationError(fromZod(result.error, 'header'));
  return result.data;
}

// The float32 weights, after their shapes are checked against the network and their bytes
// against the header's count and SHA-256.
function readWeights(header: Header, data: Uint8Array): WeightsJson {
  const { shapes, bytes, sha256: sum } = header.weights;
  const issues: Issue[] = [];
  const layers = layersOf(header.network);
  if (shapes.length !== layers.length)
    refuse(
      'header.weights.shapes',
      `lists ${shapes.length} layers but the network has ${layers.length}`,
    );
  layers.forEach((l, k) => {
    const { W, b } = shapes[k]!;
    if (W[0] !== l.units || W[1] !== l.nIn)
      issues.push({
        path: `header.weights.shapes.${k}.W`,
        message: `is [${W.join(', ')}] but layer ${k + 1} of the network needs [${l.units}, ${l.nIn}]`,
      });
    if (b[0] !== l.units)
      issues.push({
        path: `header.weights.shapes.${k}.b`,
        message: `is [${b[0]}] but layer ${k + 1} of the network needs [${l.units}]`,
      });
  });
  if (issues.length > 0) throw new ValidationError(issues);
  const count = layers.reduce((n, l) => n + l.units * (l.nIn + 1), 0);
  if (bytes !== data.length || count * 4 !== data.length)
    refuse(
      'header.weights.bytes',
      `is ${bytes}, the preamble gives ${data.length} and the shapes need ${count * 4}: the file is inconsistent`,
    );
  if (hex(sha256(data)) !== sum)
    refuse('header.weights.sha256', 'does not match the weight bytes: the file is corrupt');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  const take = () => {
    const v = view.getFloat32(at, true);
    at += 4;
    return v;
  };
  return layers.map((l) => ({
    W: Array.from({ length: l.units }, () => Array.from({ length: l.nIn }, take)),
    b: Array.from({ length: l.units }, take),
  }));
}
