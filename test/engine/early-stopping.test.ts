// Early stopping on its own, epoch reports in by hand: the validation rule (patience, strict
// improvement, best weights kept and restored), the convergence rule (tolerance, patience, reset),
// which rule wins, and its state carried through a checkpoint.
import { describe, expect, it } from 'vitest';
import { EarlyStopping } from '../../src/engine/early-stopping.js';
import type { EpochReport, Parameters } from '../../src/engine/index.js';

const weights = (...w: number[]): Parameters => ({
  W: [Float32Array.from(w)],
  b: [Float32Array.of(0)],
});

// An epoch's report: its training error, and its validation error when given.
function report(epoch: number, error: number, validationError?: number): EpochReport {
  const r: EpochReport = { epoch, error, learningRate: 0.1, elapsedMs: 0, samplesPerSecond: 0 };
  if (validationError !== undefined) r.validationError = validationError;
  return r;
}

// Feeds errors [training, validation] one epoch at a time; the stop decision of each epoch.
function decisions(stopping: EarlyStopping, params: Parameters, errors: [number, number?][]) {
  return errors.map(([e, v], i) => stopping.observe(report(i + 1, e, v), params));
}

describe('early stopping on the validation error', () => {
  const rule = { patience: 2, tolerance: 0 };

  it('stops after `patience` epochs without a lower validation error', () => {
    const errors: [number, number][] = [
      [1, 0.5],
      [0.9, 0.4], // best
      [0.8, 0.45],
      [0.7, 0.41], // second epoch without improvement
    ];
    const stopping = new EarlyStopping(rule, weights(1));
    expect(decisions(stopping, weights(1), errors)).toEqual([null, null, null, 'early_stopped']);
    const patient = new EarlyStopping({ ...rule, patience: 3 }, weights(1));
    expect(decisions(patient, weights(1), errors)).toEqual([null, null, null, null]);
  });

  it('counts an equal validation error as no improvement, and a lower one resets the count', () => {
    const once = new EarlyStopping({ ...rule, patience: 1 }, weights(1));
    expect(
      decisions(once, weights(1), [
        [1, 0.5],
        [1, 0.5],
      ]),
    ).toEqual([null, 'early_stopped']);
    const twice = new EarlyStopping(rule, weights(1));
    const errors: [number, number][] = [
      [1, 0.5],
      [1, 0.6],
      [1, 0.49], // improves: the count starts again
      [1, 0.6],
      [1, 0.6],
    ];
    expect(decisions(twice, weights(1), errors)).toEqual([null, null, null, null, 'early_stopped']);
    expect(twice.state()).toMatchObject({ bestError: 0.49, sinceBest: 2 });
  });

  it('keeps a copy of the best epoch’s weights and restores them at the end', () => {
    const params = weights(1, 2);
    const stopping = new EarlyStopping(rule, params);
    stopping.observe(report(1, 1, 0.5), params);
    params.W[0]!.set([5, 6]);
    stopping.observe(report(2, 0.9, 0.3), params); // best
    params.W[0]!.set([9, 9]);
    stopping.observe(report(3, 0.8, 0.6), params);
    expect(stopping.observe(report(4, 0.7, 0.7), params)).toBe('early_stopped');
    expect(stopping.kept?.epoch).toBe(2);
    const final = stopping.finish(params, 'early_stopped');
    expect(final).toEqual(report(2, 0.9, 0.3));
    expect(Array.from(params.W[0]!)).toEqual([5, 6]);
  });

  it('restores the best weights on any ending but divergence', () => {
    for (const reason of ['max_epochs', 'stopped', 'converged', 'diverged'] as const) {
      const params = weights(3);
      const stopping = new EarlyStopping(rule, params);
      stopping.observe(report(1, 1, 0.2), params); // best
      params.W[0]![0] = 7;
      stopping.observe(report(2, 0.5, 0.4), params);
      // the report is the best epoch's either way; a diverged run keeps the weights it has
      expect(stopping.finish(params, reason)?.epoch).toBe(1);
      expect(params.W[0]![0]).toBe(reason === 'diverged' ? 7 : 3);
    }
  });

  it('without validation: ignores validation errors, keeps no weights, reports the last epoch', () => {
    const params = weights(4);
    const stopping = new EarlyStopping(rule, null);
    const errors: [number, number][] = [
      [1, 0.1],
      [0.9, 0.5],
      [0.8, 0.9],
      [0.7, 1.3],
    ];
    expect(decisions(stopping, params, errors)).toEqual([null, null, null, null]);
    params.W[0]![0] = 8;
    expect(stopping.kept).toBeUndefined();
    expect(stopping.finish(params, 'max_epochs')?.epoch).toBe(4);
    expect(params.W[0]![0]).toBe(8);
    expect(stopping.state().best).toBeNull();
  });

  it('before any epoch: nothing to report, weights untouched', () => {
    const params = weights(2);
    expect(new EarlyStopping(rule, params).finish(params, 'stopped')).toBeUndefined();
    expect(params.W[0]![0]).toBe(2);
  });
});

describe('the convergence rule on the training error', () => {
  it('converges once |Err_t − Err_{t−1}| < tolerance for `patience` epochs in a row', () => {
    const stopping = new EarlyStopping({ patience: 3, tolerance: 1e-3 }, null);
    // the first epoch has nothing to compare with; 0.5 → 0.4 breaks a calm run of 2
    const errors = [1, 0.9995, 0.999, 0.5, 0.4, 0.3995, 0.399, 0.3986].map((e) => [e] as [number]);
    expect(decisions(stopping, weights(0), errors)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      'converged',
    ]);
    expect(stopping.state().calm).toBe(3);
  });

  it('a change equal to the tolerance is not calm; tolerance 0 disables the rule', () => {
    const exact = new EarlyStopping({ patience: 1, tolerance: 0.25 }, null);
    expect(decisions(exact, weights(0), [[1], [0.75], [0.75 - 0.125]])).toEqual([
      null,
      null,
      'converged',
    ]);
    const off = new EarlyStopping({ patience: 1, tolerance: 0 }, null);
    expect(decisions(off, weights(0), [[1], [1], [1], [1]])).toEqual([null, null, null, null]);
  });

  it('early stopping is judged first; an improving validation error does not block convergence', () => {
    const both = new EarlyStopping({ patience: 1, tolerance: 1 }, weights(0));
    // epoch 2 is calm and has no improvement: early stopping wins
    expect(
      decisions(both, weights(0), [
        [1, 0.5],
        [1, 0.6],
      ]),
    ).toEqual([null, 'early_stopped']);
    const improving = new EarlyStopping({ patience: 1, tolerance: 1 }, weights(0));
    expect(
      decisions(improving, weights(0), [
        [1, 0.5],
        [1, 0.4],
      ]),
    ).toEqual([null, 'converged']);
  });
});

describe('early stopping state', () => {
  const rule = { patience: 3, tolerance: 0.01 };

  it('is copied out, and a fresh object given it goes on as the original does', () => {
    const params = weights(1, 1);
    const original = new EarlyStopping(rule, params);
    const errors: [number, number][] = [
      [1, 0.5],
      [0.995, 0.3], // best
      [0.99, 0.35],
    ];
    decisions(original, params, errors);
    const state = original.state();
    expect(state).toMatchObject({ bestError: 0.3, sinceBest: 1, calm: 2 });
    expect(state.bestReport?.epoch).toBe(2);
    expect(state.last?.epoch).toBe(3);

    const resumed = new EarlyStopping(rule, weights(0, 0));
    expect(resumed.accepts(state)).toBe(true);
    resumed.restore(structuredClone(state));
    // the third calm epoch in a row: both converge, which needs the last report and the count
    const next = report(4, 0.985, 0.36);
    expect(original.observe(next, params)).toBe('converged');
    expect(resumed.observe(next, params)).toBe('converged');
    expect(resumed.state()).toEqual(original.state());
    const restored = weights(0, 0);
    resumed.finish(restored, 'converged');
    expect(Array.from(restored.W[0]!)).toEqual([1, 1]);
  });

  it('holds copies: later epochs change neither the state taken nor its weights', () => {
    const params = weights(1, 1);
    const stopping = new EarlyStopping(rule, params);
    const first = report(1, 1, 0.5);
    stopping.observe(first, params);
    const state = stopping.state();
    expect(state.bestReport).toEqual(first);
    expect(state.bestReport).not.toBe(first); // reports too are copies
    expect(state.last).not.toBe(first);
    params.W[0]!.set([42, 42]);
    stopping.observe(report(2, 0.5, 0.1), params); // a new best, copied into the live object only
    expect(Array.from(state.best!.W[0]!)).toEqual([1, 1]);
    expect(state).toMatchObject({ bestError: 0.5, bestReport: { epoch: 1 }, last: { epoch: 1 } });
  });

  it('is refused by early stopping of the other kind (with validation or without)', () => {
    const withValidation = new EarlyStopping(rule, weights(1));
    const without = new EarlyStopping(rule, null);
    expect(withValidation.accepts(without.state())).toBe(false);
    expect(without.accepts(withValidation.state())).toBe(false);
    expect(without.accepts(without.state())).toBe(true);
  });
});
