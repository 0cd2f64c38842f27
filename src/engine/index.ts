// The engine's public surface: the math of docs/BACKPROP.md on Float32Array, with no I/O.
export * from './activations.js';
export type { TrainCheckpoint } from './checkpoint.js';
export * from './divergences.js';
export * from './evaluation.js';
export * from './kernels.js';
export * from './matrix.js';
export * from './network.js';
export * from './optimizers.js';
export * from './parallel.js';
export * from './predict.js';
export * from './random.js';
export { chunkRowsFor, validationSplitOf } from './run-setup.js';
export * from './scaler.js';
export * from './train.js';
export * from './train-types.js';
