// Our engine on the workloads, in a process of its own (nothing else loaded).
import { bestKernel, defaultTrainOptions, train } from '../../src/engine/index.js';
import { syntheticData } from '../workloads.js';
import { measure, selected } from './common.js';

for (const w of selected()) {
  const data = syntheticData(w);
  const options = {
    ...defaultTrainOptions,
    epochs: w.epochs,
    batchSize: w.batchSize,
    learningRate: w.learningRate,
    tolerance: 0,
    standardize: false,
    seed: 1,
  };
  await measure(`backprop-service (${bestKernel()})`, w, w.samples * w.epochs, () => {
    train(w.shape, data, options);
  });
}
