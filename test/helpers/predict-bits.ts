// Run by test/engine/predict-exact.test.ts, in this process's Node and in one started with
// --experimental-wasm-relaxed-simd: the kernels training would pick here, and the SHA-256 of a
// predictor's outputs for a fixed model and fixed inputs.
import { createHash } from 'node:crypto';
import {
  bestKernel,
  createPredictor,
  createRandom,
  initParameters,
  type NetworkShape,
} from '../../src/engine/index.js';

export function predictionBits(): { kernel: string; sha256: string } {
  const shape: NetworkShape = {
    inputSize: 37,
    layers: [
      { units: 64, activation: 'tanh' },
      { units: 29, activation: 'relu' },
      { units: 5, activation: 'softmax' },
    ],
    divergence: 'cross_entropy',
  };
  const rows = 300;
  const random = createRandom(7);
  const inputs = Float32Array.from({ length: rows * shape.inputSize }, () => random.normal() * 3);
  const scaler = {
    mean: Array.from({ length: shape.inputSize }, () => random.normal()),
    std: Array.from({ length: shape.inputSize }, () => 0.5 + random.next()),
  };
  const y = createPredictor({ shape, params: initParameters(shape, 11), scaler })(inputs, rows);
  const sha256 = createHash('sha256').update(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  return { kernel: bestKernel(), sha256: sha256.digest('hex') };
}

if (process.argv[1]?.endsWith('predict-bits.ts'))
  process.stdout.write(JSON.stringify(predictionBits()));
