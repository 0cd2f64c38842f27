// The native model file: a trained matrix model and a hand-built table model come back bit for
// bit (float32 weights), and every kind of damage is refused with a ValidationError naming it.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { xor } from '../../src/data/index.js';
import { predict, train } from '../../src/engine/index.js';
import { ValidationError } from '../../src/errors.js';
import {
  createModelDocument,
  decodeModelFile,
  encodeModelFile,
  isModelFile,
  type ModelDocument,
  modelFileMagic,
  modelFromDocument,
  type NetworkSpec,
  resolveTraining,
  weightBytesOf,
} from '../../src/spec/index.js';
import { classifierDocument, regressorDocument } from '../helpers/table-model.js';

// 2 inputs -> 4 maxout units in groups of 2 -> 2 softmax: W_1 is [4][2], W_2 is [2][2]
const network: NetworkSpec = {
  inputSize: 2,
  layers: [
    { units: 4, activation: 'maxout', groups: 2 },
    { units: 2, activation: 'softmax' },
  ],
  divergence: 'cross_entropy',
};

function trainedDocument(): ModelDocument {
  const data = xor();
  const training = resolveTraining({ epochs: 20, seed: 3, learningRate: 0.1 });
  const result = train(network, data, training);
  return createModelDocument({
    network,
    training,
    result,
    classes: ['no', 'yes'],
    featureNames: ['a', 'b'],
    history: [{ epoch: 1, error: 0.5 }],
    durationMs: 1,
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
  });
}

// The parts of a file, to build damaged ones whose checksum still holds.
function partsOf(file: Uint8Array) {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = view.getUint32(12, true);
  const dataLength = view.getUint32(16, true);
  return {
    header: JSON.parse(new TextDecoder().decode(file.subarray(20, 20 + headerLength))),
    data: file.slice(20 + headerLength, 20 + headerLength + dataLength),
  };
}

function assemble(headerText: string, data: Uint8Array, version = 1): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const body = new Uint8Array(20 + json.length + data.length);
  const view = new DataView(body.buffer);
  body.set(modelFileMagic, 0);
  view.setUint32(8, version, true);
  view.setUint32(12, json.length, true);
  view.setUint32(16, data.length, true);
  body.set(json, 20);
  body.set(data, 20 + json.length);
  const sum = createHash('sha256').update(body).digest();
  return Uint8Array.from([...body, ...sum]);
}

function refusal(file: Uint8Array) {
  try {
    decodeModelFile(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('the file was accepted');
}

const bitsOf = (doc: ModelDocument) => Buffer.from(weightBytesOf(doc.weights)).toString('hex');

describe('the model file round trip', () => {
  it('gives back a trained matrix model exactly: weights bit for bit, every other field equal', () => {
    const doc = trainedDocument();
    const file = encodeModelFile(doc);
    expect(isModelFile(file)).toBe(true);
    const back = decodeModelFile(file);
    // trained weights are float32 already: equal as numbers, and as bytes
    expect(back).toEqual(doc);
    expect(bitsOf(back)).toBe(bitsOf(doc));
    const x = Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1);
    expect(predict(modelFromDocument(back), x, 4)).toEqual(predict(modelFromDocument(doc), x, 4));
  });

  it('gives back a table model with its preprocessing and target, its weights as float32', () => {
    for (const doc of [classifierDocument(), regressorDocument()]) {
      const back = decodeModelFile(encodeModelFile(doc));
      const { weights, ...rest } = back;
      const { weights: original, ...expected } = doc;
      expect(rest).toEqual(expected);
      // hand-written weights (0.841, …) are rounded to float32, as the engine holds them
      expect(weights).toEqual(
        original.map(({ W, b }) => ({
          W: W.map((r) => r.map(Math.fround)),
          b: b.map(Math.fround),
        })),
      );
      expect(bitsOf(back)).toBe(bitsOf(doc));
      // and a second trip changes nothing
      expect(encodeModelFile(back)).toEqual(encodeModelFile(doc));
    }
  });

  it('lays the file out as the README says: preamble, header, float32 LE weights, SHA-256', () => {
    const doc = trainedDocument();
    const file = encodeModelFile(doc);
    const view = new DataView(file.buffer);
    expect([...file.subarray(0, 8)]).toEqual([0x89, 0x42, 0x50, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(view.getUint32(8, true)).toBe(1);
    const headerLength = view.getUint32(12, true);
    expect(headerLength % 4).toBe(0);
    expect(view.getUint32(16, true)).toBe(4 * (4 * 2 + 4 + 2 * 2 + 2));
    const { header, data } = partsOf(file);
    expect(header.weights).toEqual({
      dtype: 'float32',
      byteOrder: 'little-endian',
      shapes: [
        { W: [4, 2], b: [4] },
        { W: [2, 2], b: [2] },
      ],
      bytes: 72,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
    expect(header.network).toEqual(network);
    // the first weight is W_1[0][0]; b_1 follows W_1's 8 numbers
    expect(view.getFloat32(20 + headerLength, true)).toBe(doc.weights[0]!.W[0]![0]);
    expect(view.getFloat32(20 + headerLength + 32, true)).toBe(doc.weights[0]!.b[0]);
    const body = file.subarray(0, file.length - 32);
    expect(Buffer.from(file.subarray(file.length - 32))).toEqual(
      createHash('sha256').update(body).digest(),
    );
  });
});

describe('a damaged model file', () => {
  const file = encodeModelFile(trainedDocument());
  const { header, data } = partsOf(file);

  it('is refused as truncated wherever it is cut', () => {
    const cuts = [0, 5, 19, 20, 60, file.length - 100, file.length - 33, file.length - 1];
    for (const cut of cuts) {
      const [issue] = refusal(file.subarray(0, cut));
      if (cut < 8) expect(issue!.message, `cut at ${cut}`).toMatch(/not a backprop model file/);
      else expect(issue!.message, `cut at ${cut}`).toMatch(/^is truncated: \d+ bytes/);
    }
    expect(refusal(file.subarray(0, 60))[0]!.message).toContain(
      `60 bytes where its preamble promises ${file.length}`,
    );
  });

  it('is refused as corrupt when a weight byte (or any byte) changed', () => {
    for (const at of [file.length - 40, 30, file.length - 1]) {
      const flipped = file.slice();
      flipped[at]! ^= 0x01;
      const issues = refusal(flipped);
      expect(issues).toEqual([
        { path: '', message: expect.stringMatching(/^is corrupt: its SHA-256/) },
      ]);
    }
  });

  it('is refused with trailing bytes, naming them', () => {
    const longer = Uint8Array.from([...file, 0, 0]);
    expect(refusal(longer)[0]!.message).toMatch(/^has 2 bytes after its checksum/);
  });

  it('is refused when the magic bytes are wrong, with a hint for a JSON document', () => {
    const other = file.slice();
    other[1] = 0x43;
    expect(refusal(other)[0]!.message).toMatch(/^is not a backprop model file/);
    const json = new TextEncoder().encode(JSON.stringify(trainedDocument()));
    expect(refusal(json)[0]!.message).toMatch(/looks like JSON/);
  });

  it('is refused when its version is not 1', () => {
    const [issue] = refusal(assemble(JSON.stringify(header), data, 2));
    expect(issue!.message).toMatch(/^is a version 2 model file; this service reads version 1/);
  });

  it('is refused when its header is not JSON, or not a model header', () => {
    const broken = JSON.stringify(header).slice(0, -3);
    expect(refusal(assemble(broken, data))).toEqual([
      { path: 'header', message: expect.stringMatching(/^is not valid UTF-8 JSON/) },
    ]);
    const { network: _network, ...without } = header;
    expect(refusal(assemble(JSON.stringify(without), data)).map((i) => i.path)).toContain(
      'header.network',
    );
    const badType = { ...header, weights: { ...header.weights, dtype: 'float64' } };
    expect(refusal(assemble(JSON.stringify(badType), data)).map((i) => i.path)).toEqual([
      'header.weights.dtype',
    ]);
  });

  it("is refused when the weights' shapes do not match the network, naming the layer", () => {
    // the network says 3 inputs: layer 1's W must be [4, 3], and there are too few bytes
    const wider = { ...header, network: { ...header.network, inputSize: 3 } };
    expect(refusal(assemble(JSON.stringify(wider), data))).toEqual([
      {
        path: 'header.weights.shapes.0.W',
        message: 'is [4, 2] but layer 1 of the network needs [4, 3]',
      },
    ]);
    const shapes = [{ W: [4, 2], b: [4] }];
    const fewer = { ...header, weights: { ...header.weights, shapes } };
    expect(refusal(assemble(JSON.stringify(fewer), data))).toEqual([
      { path: 'header.weights.shapes', message: 'lists 1 layers but the network has 2' },
    ]);
    const otherBytes = { ...header, weights: { ...header.weights, bytes: 68 } };
    expect(refusal(assemble(JSON.stringify(otherBytes), data))[0]!.path).toBe(
      'header.weights.bytes',
    );
  });

  it('is refused when its classes or scaler do not fit the network', () => {
    const moreClasses = { ...header, classes: ['no', 'yes', 'maybe'] };
    expect(refusal(assemble(JSON.stringify(moreClasses), data))).toEqual([
      { path: 'header.classes', message: 'has 3 entries but the network has 2 outputs' },
    ]);
    const table = partsOf(encodeModelFile(classifierDocument()));
    const narrow = { ...table.header, preprocessing: { ...table.header.preprocessing, width: 8 } };
    expect(refusal(assemble(JSON.stringify(narrow), table.data))).toEqual([
      { path: 'header.preprocessing.width', message: 'is 8 but the network has 9 inputs' },
    ]);
  });

  it("is refused when the weights' own SHA-256 does not match them", () => {
    const wrong = { ...header, weights: { ...header.weights, sha256: '0'.repeat(64) } };
    expect(refusal(assemble(JSON.stringify(wrong), data))).toEqual([
      {
        path: 'header.weights.sha256',
        message: 'does not match the weight bytes: the file is corrupt',
      },
    ]);
  });
});
