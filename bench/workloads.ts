// The benchmark workloads of the speed issue (W1–W4), on synthetic data from a fixed seed.
import { createRandom, type NetworkShape, type TrainingData } from '../src/engine/index.js';

export interface Workload {
  name: string;
  description: string;
  shape: NetworkShape;
  batchSize: number | 'full';
  samples: number;
  learningRate: number;
  /** Epochs per timed run (W4 is defined as 200 full-batch epochs). */
  epochs: number;
}

const net = (sizes: number[], hidden: 'relu' | 'sigmoid' | 'tanh'): NetworkShape => ({
  inputSize: sizes[0]!,
  layers: sizes.slice(1).map((units, i) => ({
    units,
    activation: i === sizes.length - 2 ? 'softmax' : hidden,
  })),
  divergence: 'cross_entropy',
});

export const workloads: Workload[] = [
  {
    name: 'W1',
    description: '784-128-10 relu, batch 128',
    shape: net([784, 128, 10], 'relu'),
    batchSize: 128,
    samples: 20_000,
    learningRate: 0.01,
    epochs: 1,
  },
  {
    name: 'W2',
    description: '64-32-10 sigmoid, batch 32',
    shape: net([64, 32, 10], 'sigmoid'),
    batchSize: 32,
    samples: 20_000,
    learningRate: 0.01,
    epochs: 1,
  },
  {
    name: 'W3',
    description: '784-512-512-10 relu, batch 256',
    shape: net([784, 512, 512, 10], 'relu'),
    batchSize: 256,
    samples: 10_000,
    learningRate: 0.01,
    epochs: 1,
  },
  {
    name: 'W4',
    description: '64-32-10 tanh, full batch 1797, 200 epochs',
    shape: net([64, 32, 10], 'tanh'),
    batchSize: 'full',
    samples: 1797,
    learningRate: 0.01,
    epochs: 200,
  },
];

/** Weight-matrix entries (biases excluded), for effective GFLOP/s = 6 × weights × samples / s. */
export function weightCount(shape: NetworkShape): number {
  let n = 0;
  let nIn = shape.inputSize;
  for (const l of shape.layers) {
    n += l.units * nIn;
    nIn = l.units;
  }
  return n;
}

/** Gaussian inputs and random one-hot labels (labels may be random: speed is what is measured). */
export function syntheticData(w: Workload, seed = 1): TrainingData {
  const random = createRandom(seed);
  const features = w.shape.inputSize;
  const outputs = w.shape.layers[w.shape.layers.length - 1]!.units;
  const inputs = new Float32Array(w.samples * features);
  for (let i = 0; i < inputs.length; i++) inputs[i] = random.normal();
  const targets = new Float32Array(w.samples * outputs);
  for (let r = 0; r < w.samples; r++) targets[r * outputs + random.int(outputs)] = 1;
  return { rows: w.samples, features, outputs, inputs, targets };
}
