// TensorFlow.js on the workloads: `cpu` or `wasm` backend (SIMD; threads where they load),
// training with tfjs-core's optimizer on dense layers, the same data and batch sizes.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';

// The CommonJS bundles; tfjs-layers' registers every gradient with the core (as the tfjs
// umbrella package does), which tfjs-core alone leaves unregistered.
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core') as typeof TF;
require('@tensorflow/tfjs-layers');
require('@tensorflow/tfjs-backend-cpu');
const { setThreadsCount, setWasmPaths } =
  require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');

import { syntheticData } from '../workloads.js';
import { measure, selected } from './common.js';

const backend = process.argv.includes('wasm') ? 'wasm' : 'cpu';
if (backend === 'wasm') {
  const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(`${dist}/`);
  setThreadsCount(1);
}
await tf.setBackend(backend);
await tf.ready();

const activation = (name: string, x: TF.Tensor) =>
  name === 'relu'
    ? tf.relu(x)
    : name === 'sigmoid'
      ? tf.sigmoid(x)
      : name === 'tanh'
        ? tf.tanh(x)
        : x;

for (const w of selected()) {
  const data = syntheticData(w);
  const sizes = [w.shape.inputSize, ...w.shape.layers.map((l) => l.units)];
  const weights = sizes.slice(1).map((n, k) => ({
    W: tf.variable(tf.randomNormal([sizes[k]!, n], 0, Math.sqrt(2 / sizes[k]!))),
    b: tf.variable(tf.zeros([n])),
  }));
  const x = tf.tensor2d(data.inputs, [data.rows, data.features]);
  const d = tf.tensor2d(data.targets, [data.rows, data.outputs]);
  const batch = w.batchSize === 'full' ? data.rows : w.batchSize;
  const batches = Array.from({ length: Math.ceil(data.rows / batch) }, (_, i) => {
    const size = Math.min(batch, data.rows - i * batch);
    return [
      tf.slice(x, [i * batch, 0], [size, -1]),
      tf.slice(d, [i * batch, 0], [size, -1]),
    ] as const;
  });
  const optimizer = tf.train.sgd(w.learningRate);
  const epoch = () => {
    for (const [xb, db] of batches) {
      optimizer.minimize(() => {
        let y: TF.Tensor = xb;
        weights.forEach((l, k) => {
          const z = tf.add(tf.matMul(y, l.W), l.b);
          y = k === weights.length - 1 ? z : activation(w.shape.layers[k]!.activation, z);
        });
        return tf.losses.softmaxCrossEntropy(db, y) as TF.Scalar;
      });
    }
  };
  await measure(`tfjs ${backend}`, w, w.samples * w.epochs, async () => {
    for (let e = 0; e < w.epochs; e++) epoch();
    await weights[0]!.W.data(); // wait for the backend to finish
  });
}
