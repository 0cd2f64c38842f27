// The shared zod schemas of a job: network, dataset, training. Types come from z.infer.
export * from './dataset.js';
export * from './issues.js';
export * from './job.js';
export * from './model.js';
export * from './network.js';
export * from './training.js';
