// brain.js 1.6 on the workloads: its NeuralNetwork with the same hidden layers and activation,
// `train` with one iteration per epoch at learning rate 0.01 (momentum stays at its default 0.1,
// as brain.js refuses 0; the work per sample is the same). brain.js trains one sample at a time,
// so the batch size does not apply, and its output layer uses the hidden activation with a
// squared error (it has no softmax). W3 runs on a fifth of its epoch, as a whole one takes
// minutes (samples/s stays comparable).
import { createRequire } from 'node:module';
import { syntheticData } from '../workloads.js';
import { measure, selected } from './common.js';

const require = createRequire(import.meta.url);
const brain = require('brain.js') as {
  NeuralNetwork: new (
    options: object,
  ) => {
    train(data: { input: number[]; output: number[] }[], options: object): unknown;
  };
};

for (const w of selected()) {
  const data = syntheticData(w);
  const rows = w.name === 'W3' ? Math.floor(data.rows / 5) : data.rows;
  const samples = Array.from({ length: rows }, (_, r) => ({
    input: Array.from(data.inputs.subarray(r * data.features, (r + 1) * data.features)),
    output: Array.from(data.targets.subarray(r * data.outputs, (r + 1) * data.outputs)),
  }));
  const hidden = w.shape.layers.slice(0, -1);
  const net = new brain.NeuralNetwork({
    hiddenLayers: hidden.map((l) => l.units),
    activation: hidden[0]!.activation,
    learningRate: w.learningRate,
  });
  const note = [
    `per-sample SGD (no batches); ${hidden[0]!.activation} output, squared error`,
    rows < data.rows ? `${rows} of ${data.rows} samples per epoch` : '',
  ]
    .filter(Boolean)
    .join('; ');
  await measure(
    'brain.js',
    w,
    rows * w.epochs,
    () => {
      net.train(samples, {
        iterations: w.epochs,
        learningRate: w.learningRate,
        errorThresh: 1e-9, // never reached: no early stop
      });
    },
    note,
  );
}
