// Checkpoints at batch boundaries: a run stopped anywhere and resumed from its checkpoint (once
// or many times) ends with weights bit-identical to the uninterrupted run's, with the same epoch
// reports, stop reason and best epoch.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTraining,
  defaultTrainOptions,
  type EpochReport,
  type NetworkShape,
  type TrainCheckpoint,
  type TrainingData,
  type TrainOptions,
  type TrainResult,
  train,
} from '../../src/engine/index.js';
import { type ClosableTeam, createThreadTeam } from '../../src/threads/team.js';

// 200 rows of a noisy 3-class problem in 5 features.
function blobs(): TrainingData {
  const rows = 200;
  const inputs = new Float32Array(rows * 5);
  const targets = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    const k = r % 3;
    for (let i = 0; i < 5; i++)
      inputs[r * 5 + i] = Math.sin(r * 12.9898 + i * 78.233) + (i % 3 === k ? 1.2 : 0);
    targets[r * 3 + k] = 1;
  }
  return { rows, features: 5, outputs: 3, inputs, targets };
}

const shape: NetworkShape = {
  inputSize: 5,
  layers: [
    { units: 9, activation: 'tanh' },
    { units: 3, activation: 'softmax' },
  ],
  divergence: 'cross_entropy',
};

const teams: ClosableTeam[] = [];
afterEach(async () => {
  await Promise.all(teams.splice(0).map((t) => t.close()));
});

// Trains to the end, stopping after each batch end in `at` (counted over the whole run) and
// resuming a fresh run from a checkpoint taken there (after a structured clone, as a store would
// hand it back).
function interrupted(options: TrainOptions, at: number[], threads = 1) {
  let checkpoint: TrainCheckpoint | undefined;
  let batchEnds = 0;
  const reports: EpochReport[] = [];
  const stops = [...at];
  for (;;) {
    const team = threads > 1 ? createThreadTeam(threads - 1) : undefined;
    if (team) teams.push(team);
    const run = createTraining(shape, blobs(), options, team ? { team } : {}, checkpoint);
    let result: TrainResult | undefined;
    for (;;) {
      const step = run.steps.next();
      if (step.done) {
        result = step.value;
        break;
      }
      if (step.value.type === 'epoch') reports.push(step.value.report);
      else if (step.value.batchEnd && ++batchEnds === stops[0]) {
        stops.shift();
        checkpoint = structuredClone(run.checkpoint());
        run.steps.return(undefined as never);
        break;
      }
    }
    if (result) return { result, reports };
  }
}

const strip = ({ elapsedMs: _e, samplesPerSecond: _s, ...r }: EpochReport) => r;

function expectSame(resumed: ReturnType<typeof interrupted>, reference: TrainResult) {
  const { result } = resumed;
  result.params.W.forEach((w, k) =>
    expect(Array.from(w)).toEqual(Array.from(reference.params.W[k]!)),
  );
  result.params.b.forEach((b, k) =>
    expect(Array.from(b)).toEqual(Array.from(reference.params.b[k]!)),
  );
  expect(result.reason).toBe(reference.reason);
  expect(result.epochs).toBe(reference.epochs);
  expect(result.bestEpoch).toBe(reference.bestEpoch);
  expect(strip(result.final!)).toEqual(strip(reference.final!));
}

describe('resuming from a checkpoint', () => {
  const base: TrainOptions = {
    ...defaultTrainOptions,
    epochs: 12,
    batchSize: 16,
    learningRate: 0.05,
    optimizer: 'adam',
    tolerance: 0,
    validationSplit: 0.2,
    patience: 50,
    seed: 9,
  };

  it('mid-epoch, shuffled mini-batches with adam and validation: bit-identical weights', () => {
    const reference = train(shape, blobs(), base);
    const resumed = interrupted(base, [3]);
    expectSame(resumed, reference);
    // every epoch reported once by the run that finished it (the resumed one repeats none)
    expect(resumed.reports.map((r) => r.epoch)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
  });

  it('many times, including at the last batch of an epoch, with momentum', () => {
    const options = { ...base, optimizer: 'momentum' as const };
    const reference = train(shape, blobs(), options);
    // 160 training rows in batches of 16: 10 batch ends per epoch; 10 and 20 end epochs
    expectSame(interrupted(options, [1, 10, 11, 20, 37, 38, 99, 110]), reference);
  });

  it('full batch, early stopping and the convergence rule carry over', () => {
    const options = {
      ...base,
      batchSize: 'full' as const,
      epochs: 60,
      patience: 4,
      tolerance: 1e-3,
    };
    const reference = train(shape, blobs(), options);
    expect(['early_stopped', 'converged']).toContain(reference.reason);
    expectSame(interrupted(options, [2, 5, 9]), reference);
  });

  it('on two threads', () => {
    const options = { ...base, threads: 2 };
    const team = createThreadTeam(1);
    teams.push(team);
    const reference = train(shape, blobs(), options, { team });
    expectSame(interrupted(options, [4, 25], 2), reference);
  });

  it('a checkpoint is refused away from a batch boundary, or for another network', () => {
    const run = createTraining(shape, blobs(), base);
    expect(() => run.checkpoint()).toThrow(/batch boundary/);
    let step = run.steps.next();
    while (!step.done && !(step.value.type === 'chunk' && step.value.batchEnd))
      step = run.steps.next();
    const checkpoint = run.checkpoint();
    run.steps.return(undefined as never);
    const wider: NetworkShape = {
      ...shape,
      layers: [{ units: 10, activation: 'tanh' }, shape.layers[1]!],
    };
    expect(() => createTraining(wider, blobs(), base, {}, checkpoint)).toThrow(/does not belong/);
  });
});
