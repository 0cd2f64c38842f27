// The shared zod schemas of a job: network, dataset, training, and the job's contract (record,
// payload, events, view). Types come from z.infer.
export * from './dataset.js';
export * from './defined.js';
export * from './evaluation.js';
export * from './issues.js';
export * from './job.js';
export * from './job-contract.js';
export * from './job-view.js';
export * from './model.js';
export * from './model-file.js';
export * from './model-ref.js';
export * from './network.js';
export * from './preprocessing.js';
export * from './sweep.js';
export * from './sweep-parameters.js';
export * from './sweep-trials.js';
export * from './table-profile.js';
export * from './training.js';
