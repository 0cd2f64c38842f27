// TensorFlow.js on the workloads, `cpu` or `wasm` backend: the same data, layers, batch sizes and
// SGD at 0.01. Two ways to train: `core` (dense layers written with tfjs-core ops, softmax cross
// entropy, optimizer.minimize per batch) and `fit` (tfjs-layers: a sequential model of dense
// layers, categoricalCrossentropy, model.fit with shuffle off). Each backend runs the faster of
// the two as measured here (`--variant=core|fit` picks one). wasm uses SIMD; `--threads=N` asks
// it for N threads, which need a workaround under Node (./wasm-threads.ts), and the row's note
// tells how many it got.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';
import type * as Layers from '@tensorflow/tfjs-layers';
import { syntheticData, type Workload } from '../workloads.js';
import { measure, selected } from './common.js';
import { forceWasmThreads } from './wasm-threads.js';

// The CommonJS bundles (the ESM builds import files without extensions, which Node rejects).
// Loading tfjs-layers also registers every gradient with the core, as the tfjs package does.
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core') as typeof TF;
const layers = require('@tensorflow/tfjs-layers') as typeof Layers;
require('@tensorflow/tfjs-backend-cpu');
const wasm =
  require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');

const option = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const backend = process.argv.includes('wasm') ? 'wasm' : 'cpu';
/**
 * The faster variant per backend, measured on this machine (samples/s, core vs fit): wasm W1
 * 8,790 vs 6,920, W2 59,900 vs 36,700, W3 679 vs 614, W4 253,000 vs 102,000; cpu W1 1,380 vs
 * 1,510, W2 19,600 vs 16,800, W3 193 vs 183, W4 37,300 vs 17,600.
 */
const fastest = { cpu: 'core', wasm: 'core' } as const;
const variant = (option('variant') ?? fastest[backend]) as 'core' | 'fit';
const threads = Number(option('threads') ?? 1);

let framework = `tfjs ${backend}`;
let note = '';
if (backend === 'wasm') {
  wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  wasm.setThreadsCount(threads);
  const restore = threads > 1 ? forceWasmThreads(tf) : () => {};
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
  restore();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const got = wasm.getThreadsCount();
  note = `${simd ? 'SIMD' : 'no SIMD'}, ${got} thread${got === 1 ? '' : 's'}`;
  if (got < threads) note += ` (${threads} asked)`;
  if (threads > 1) framework += `, ${got} threads`;
} else {
  await tf.setBackend('cpu');
}
await tf.ready();

const activation = (name: string, x: TF.Tensor) =>
  name === 'relu'
    ? tf.relu(x)
    : name === 'sigmoid'
      ? tf.sigmoid(x)
      : name === 'tanh'
        ? tf.tanh(x)
        : x;

/** Returns one timed run of the workload: `w.epochs` epochs over the data. */
function core(w: Workload, x: TF.Tensor2D, d: TF.Tensor2D, batch: number) {
  const sizes = [w.shape.inputSize, ...w.shape.layers.map((l) => l.units)];
  const weights = sizes.slice(1).map((n, k) => ({
    W: tf.variable(tf.randomNormal([sizes[k]!, n], 0, Math.sqrt(2 / sizes[k]!))),
    b: tf.variable(tf.zeros([n])),
  }));
  const batches = Array.from({ length: Math.ceil(x.shape[0] / batch) }, (_, i) => {
    const size = Math.min(batch, x.shape[0] - i * batch);
    return [tf.slice(x, [i * batch, 0], [size, -1]), tf.slice(d, [i * batch, 0], [size, -1])];
  });
  const optimizer = tf.train.sgd(w.learningRate);
  return async () => {
    for (let e = 0; e < w.epochs; e++) {
      for (const [xb, db] of batches) {
        optimizer.minimize(() => {
          let y: TF.Tensor = xb!;
          weights.forEach((l, k) => {
            const z = tf.add(tf.matMul(y, l.W), l.b);
            y = k === weights.length - 1 ? z : activation(w.shape.layers[k]!.activation, z);
          });
          return tf.losses.softmaxCrossEntropy(db!, y) as TF.Scalar;
        });
      }
    }
    await weights[0]!.W.data(); // wait for the backend to finish
  };
}

function fit(w: Workload, x: TF.Tensor2D, d: TF.Tensor2D, batch: number) {
  const model = layers.sequential({
    layers: w.shape.layers.map((l, k) =>
      layers.layers.dense({
        units: l.units,
        activation: l.activation as 'relu' | 'sigmoid' | 'tanh' | 'softmax',
        ...(k === 0 ? { inputShape: [w.shape.inputSize] } : {}),
      }),
    ),
  });
  model.compile({ optimizer: tf.train.sgd(w.learningRate), loss: 'categoricalCrossentropy' });
  return async () => {
    await model.fit(x, d, { batchSize: batch, epochs: w.epochs, shuffle: false, verbose: 0 });
  };
}

// The cpu backend takes about a minute per W3 epoch: it trains on the first 20 of its 40 batches.
const cap = (w: Workload) => (backend === 'cpu' && w.name === 'W3' ? 5120 : w.samples);

for (const w of selected()) {
  const data = syntheticData(w);
  const rows = Math.min(cap(w), data.rows);
  const x = tf.tensor2d(data.inputs.subarray(0, rows * data.features), [rows, data.features]);
  const d = tf.tensor2d(data.targets.subarray(0, rows * data.outputs), [rows, data.outputs]);
  const batch = w.batchSize === 'full' ? rows : w.batchSize;
  const run = (variant === 'fit' ? fit : core)(w, x, d, batch);
  const how = variant === 'fit' ? 'layers model.fit' : 'core optimizer.minimize';
  const capped = rows < data.rows ? `${rows} of ${data.rows} samples per epoch` : '';
  await measure(framework, w, rows * w.epochs, run, [note, how, capped].filter(Boolean).join('; '));
}
// The pthread workers of a threaded wasm backend keep the process alive: leave explicitly.
process.exit(0);
