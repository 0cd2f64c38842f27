// One epoch of a run: the pass over the training rows in mini-batches (each worked through in
// chunks, its gradient accumulated, then one update), and the epoch's report. Not the loop over
// epochs or when it ends (train.ts, early-stopping.ts).

import { backward, batchError, forward, zeroGradients } from './network.js';
import { accuracyModeOf, accuracyOf, countCorrect, evaluateScaled } from './predict.js';
import { shuffle } from './random.js';
import type { Run } from './run-setup.js';
import type { EpochReport, TrainingData, TrainStep } from './train-types.js';

interface ChunkSums {
  error: number;
  correct: number;
}

// Full batch: rows c..c+count as views of the rows where they lie (no copy).
function rowsInPlace(train: TrainingData, c: number, count: number): [Float32Array, Float32Array] {
  const { features, outputs } = train;
  return [
    train.inputs.subarray(c * features, (c + count) * features),
    train.targets.subarray(c * outputs, (c + count) * outputs),
  ];
}

// Copies rows order[from..from+count) into the batch buffers; full batches skip this.
function gather(run: Run, from: number, count: number): [Float32Array, Float32Array] {
  const { train, order, xBatch, dBatch, network } = run;
  network.kernels.gather(xBatch, train.inputs, order, from, count, train.features);
  network.kernels.gather(dBatch, train.targets, order, from, count, train.outputs);
  return [xBatch, dBatch];
}

// Forward and backward over one chunk of `rows` rows at x (inputs) and d (targets), on the
// replicas or on this thread: the gradients accumulate the mean over the whole batch of `batch`
// rows; returns the chunk's divergence sum and correct count.
function passChunk(
  run: Run,
  x: Float32Array,
  d: Float32Array,
  rows: number,
  first: boolean,
  batch: number,
): ChunkSums {
  // the chunk split across the threads; the gradients are summed after the batch
  if (run.replicas) return run.replicas.chunk(x, d, rows, first, 1 / batch);
  const { network, ws } = run;
  const y = forward(network, ws, x, rows);
  const error = batchError(network, ws, d, rows);
  const mode = accuracyModeOf(network.shape.divergence);
  const correct = countCorrect(mode, y, d, rows, run.train.outputs);
  backward(network, ws, x, d, rows, 1 / batch);
  return { error, correct };
}

// A batch's gradient is complete: the update, and the batch's sums into the epoch's.
function applyBatch(run: Run, end: number, sums: ChunkSums): void {
  run.replicas?.reduce();
  run.optimizer.step(run.network.params, run.ws.dW, run.ws.db);
  run.errorSum += sums.error;
  run.correct += sums.correct;
  run.position = end;
}

/**
 * One pass over the training rows (or the rest of one, from run.position), yielding after each
 * chunk, the last chunk of a batch after its update; the sums accumulate in run.errorSum and
 * run.correct. Returns false if shouldStop asked to stop (the interrupted batch is not applied).
 */
export function* runEpoch(run: Run): Generator<TrainStep, boolean> {
  const { train, batchSize, options, replicas } = run;
  const inOrder = batchSize >= train.rows; // full batch: rows are used where they lie
  if (run.position === 0 && !inOrder && options.shuffle) shuffle(run.order, run.random);
  const stride = run.ws.capacity * (replicas?.threads ?? 1); // rows per chunk
  for (let start = run.position; start < train.rows; start += batchSize) {
    const batch = Math.min(batchSize, train.rows - start);
    if (!replicas) zeroGradients(run.ws);
    const sums: ChunkSums = { error: 0, correct: 0 };
    for (let c = start; c < start + batch; c += stride) {
      if (run.hooks.shouldStop?.()) return false;
      const rows = Math.min(stride, start + batch - c);
      const [x, d] = inOrder ? rowsInPlace(train, c, rows) : gather(run, c, rows);
      const chunk = passChunk(run, x, d, rows, c === start, batch);
      sums.error += chunk.error;
      sums.correct += chunk.correct;
      const batchEnd = c + rows >= start + batch;
      if (batchEnd) applyBatch(run, start + batch, sums);
      yield { type: 'chunk', batchEnd };
    }
  }
  return true;
}

/**
 * Ends an epoch whose rows are all trained: counts it, resets the running sums and reports it
 * (with the validation rows' error and accuracy); null when the error is not finite (diverged).
 */
export function closeEpoch(run: Run, epochStart: number): EpochReport | null {
  const { train, validation, network, now } = run;
  const { errorSum, correct } = run;
  run.position = 0;
  run.errorSum = 0;
  run.correct = 0;
  const epoch = ++run.epoch;
  const error = errorSum / train.rows;
  if (!Number.isFinite(error)) return null;
  const report: EpochReport = {
    epoch,
    error,
    learningRate: run.options.learningRate,
    elapsedMs: now() - run.started,
    samplesPerSecond: train.rows / Math.max((now() - epochStart) / 1000, 1e-9),
  };
  const mode = accuracyModeOf(network.shape.divergence);
  const accuracy = accuracyOf(mode, correct, train.rows, train.outputs);
  if (accuracy !== undefined) report.accuracy = accuracy;
  if (validation) {
    const { inputs, targets, rows } = validation;
    const v = evaluateScaled(network, run.ws, inputs, targets, rows);
    report.validationError = v.error;
    if (v.accuracy !== undefined) report.validationAccuracy = v.accuracy;
  }
  return report;
}
