import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import {
  type AshaGoal,
  ashaDecision,
  type PeerAtRung,
  rungPeers,
  rungsOf,
} from '../../src/spec/asha.js';

type Event = [trial: number, epoch: number, value: number, expected: 'continue' | 'prune'];

// 9 trials, η = 3, minEpochs 1, 27 epochs: rungs at epochs 1, 3 and 9. Validation errors as the
// trials reach the rungs, in the order the workers report them (asynchronous: trial 0 reaches
// rung 3 before trial 3 has reached rung 1). V is what the rung recorded before; n = |V| + 1;
// a trial continues iff fewer than ⌊n/3⌋ of V are strictly lower.
const curves: Event[] = [
  [0, 1, 0.5, 'continue'], //  rung 1: V = [],                              n = 1 < 3
  [1, 1, 0.4, 'continue'], //  rung 1: V = [.5],                            n = 2 < 3
  [2, 1, 0.6, 'prune'], //     rung 1: V = [.5 .4],             n = 3, keep 1, 2 lower
  [0, 3, 0.45, 'continue'], // rung 3: V = [],                              n = 1 < 3
  [3, 1, 0.3, 'continue'], //  rung 1: V = [.5 .4 .6],          n = 4, keep 1, 0 lower
  [4, 1, 0.7, 'prune'], //     rung 1: V = [.5 .4 .6 .3],       n = 5, keep 1, 4 lower
  [1, 3, 0.35, 'continue'], // rung 3: V = [.45],                           n = 2 < 3
  [5, 1, 0.45, 'prune'], //    rung 1: + .7,                    n = 6, keep 2, 2 lower (.4 .3)
  [6, 1, 0.2, 'continue'], //  rung 1: + .45,                   n = 7, keep 2, 0 lower
  [3, 3, 0.25, 'continue'], // rung 3: V = [.45 .35],           n = 3, keep 1, 0 lower
  [7, 1, 0.3, 'continue'], //  rung 1: + .2,  n = 8, keep 2, 1 lower (.2): the tie with .3 is no loss
  [0, 9, 0.44, 'continue'], // rung 9: V = [],                              n = 1 < 3
  [8, 1, Number.NaN, 'prune'], // diverged: pruned whatever the rung holds
  [6, 3, 0.15, 'continue'], // rung 3: V = [.45 .35 .25],       n = 4, keep 1, 0 lower
  [1, 9, 0.34, 'continue'], // rung 9: V = [.44],                           n = 2 < 3
  [7, 3, 0.4, 'prune'], //     rung 3: V = [.45 .35 .25 .15],   n = 5, keep 1, 3 lower
  [3, 9, 0.24, 'continue'], // rung 9: V = [.44 .34],           n = 3, keep 1, 0 lower
  [6, 9, 0.3, 'prune'], //     rung 9: V = [.44 .34 .24],       n = 4, keep 1, 1 lower (.24)
];

/** Replays events as a sweep would: decide, then record the value at the rung. */
function replay(events: Event[], goal: AshaGoal) {
  const rungs: Record<number, number[]> = {};
  const prunedAt = new Map<number, number>();
  const decisions = events.map(([trial, epoch, value]) => {
    // the fixture is a possible history: a pruned trial reports nothing more
    expect(prunedAt.has(trial)).toBe(false);
    const decision = ashaDecision(rungs, value, epoch, { reductionFactor: 3, goal });
    if (decision === 'prune') prunedAt.set(trial, epoch);
    rungs[epoch] = [...(rungs[epoch] ?? []), value];
    return decision;
  });
  return { decisions, prunedAt };
}

describe('ashaDecision', () => {
  it('prunes the fixture trials at the rungs computed by hand', () => {
    const { decisions, prunedAt } = replay(curves, 'minimize');
    expect(decisions).toEqual(curves.map(([, , , expected]) => expected));
    // trials 2, 4, 5 and 8 stop at epoch 1, trial 7 at 3, trial 6 at 9; 0, 1 and 3 finish
    expect(Object.fromEntries(prunedAt)).toEqual({ 2: 1, 4: 1, 5: 1, 8: 1, 7: 3, 6: 9 });
    // 4·1 + 3 + 9 + 3·27 = 97 epochs trained, of the 9·27 = 243 without early stopping
    const epochs = Array.from({ length: 9 }, (_, t) => prunedAt.get(t) ?? 27);
    expect(epochs.reduce((a, b) => a + b, 0)).toBe(97);
  });

  it('mirrors the fixture for a goal to maximize (accuracy = 1 − error)', () => {
    const accuracy = curves.map(([t, e, v, d]): Event => [t, e, 1 - v, d]);
    expect(replay(accuracy, 'maximize').decisions).toEqual(curves.map(([, , , d]) => d));
    // and the same values maximized decide otherwise: trial 2's 0.6 is the best of three
    expect(ashaDecision({ 1: [0.5, 0.4] }, 0.6, 1, { reductionFactor: 3, goal: 'maximize' })).toBe(
      'continue',
    );
  });

  it('lets a trial continue, however bad, while the rung holds fewer than η values', () => {
    const options = { reductionFactor: 4, goal: 'minimize' } as const;
    expect(ashaDecision({ 5: [0.1, 0.2] }, 9, 5, options)).toBe('continue');
    expect(ashaDecision({}, 9, 5, options)).toBe('continue');
    // the fourth value (n = 4 = η) is judged: only the best of the four goes on
    expect(ashaDecision({ 5: [0.1, 0.2, 0.3] }, 9, 5, options)).toBe('prune');
    expect(ashaDecision({ 5: [0.1, 0.2, 0.3] }, 0.05, 5, options)).toBe('continue');
  });

  it('judges against the rung asked for only', () => {
    const rungs = { 1: [0.1, 0.1, 0.1, 0.1], 3: [0.9, 0.9] };
    expect(ashaDecision(rungs, 0.5, 3, { reductionFactor: 3, goal: 'minimize' })).toBe('continue');
    expect(ashaDecision(rungs, 0.5, 1, { reductionFactor: 3, goal: 'minimize' })).toBe('prune');
  });

  it('prunes a diverged trial (NaN or ±Infinity) even first at a rung, for either goal', () => {
    for (const goal of ['minimize', 'maximize'] as const) {
      for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        expect(ashaDecision({}, value, 1, { reductionFactor: 3, goal })).toBe('prune');
      }
    }
  });

  it('ranks recorded NaN and Infinity below every finite value', () => {
    const minimize = { reductionFactor: 3, goal: 'minimize' } as const;
    // n = 3, keep 1: neither diverged value is better than 5
    expect(ashaDecision({ 1: [Number.NaN, Number.POSITIVE_INFINITY] }, 5, 1, minimize)).toBe(
      'continue',
    );
    // -Infinity would be "lower" for minimize, but it is a diverged value, not a better one
    expect(ashaDecision({ 1: [Number.NEGATIVE_INFINITY, Number.NaN] }, 5, 1, minimize)).toBe(
      'continue',
    );
    expect(ashaDecision({ 1: [Number.NaN, 1] }, 5, 1, minimize)).toBe('prune');
    const maximize = { reductionFactor: 3, goal: 'maximize' } as const;
    expect(ashaDecision({ 1: [Number.POSITIVE_INFINITY, Number.NaN] }, 0.5, 1, maximize)).toBe(
      'continue',
    );
  });

  it('lets tied trials all continue', () => {
    const options = { reductionFactor: 3, goal: 'minimize' } as const;
    // six values of 0.3: ⌊6/3⌋ = 2 would keep two, but nobody is strictly better
    expect(ashaDecision({ 2: [0.3, 0.3, 0.3, 0.3, 0.3] }, 0.3, 2, options)).toBe('continue');
    expect(ashaDecision({ 2: [0.3, 0.3, 0.3, 0.3, 0.3] }, 0.30001, 2, options)).toBe('prune');
  });

  it('refuses a reductionFactor that is not a whole number from 2', () => {
    for (const reductionFactor of [1, 0, 2.5, Number.NaN]) {
      expect(() => ashaDecision({}, 0.1, 1, { reductionFactor, goal: 'minimize' })).toThrow(
        ValidationError,
      );
    }
  });
});

describe('rungsOf', () => {
  it('gives minEpochs · η^k below the epochs', () => {
    expect(rungsOf(1, 3, 27)).toEqual([1, 3, 9]);
    expect(rungsOf(1, 3, 28)).toEqual([1, 3, 9, 27]);
    expect(rungsOf(5, 3, 100)).toEqual([5, 15, 45]);
    expect(rungsOf(1, 2, 100)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(rungsOf(2, 4, 33)).toEqual([2, 8, 32]);
    expect(rungsOf(5, 3, 6)).toEqual([5]);
  });

  it('gives no rungs when minEpochs reaches the epochs: nothing to stop', () => {
    expect(rungsOf(5, 3, 5)).toEqual([]);
    expect(rungsOf(10, 3, 5)).toEqual([]);
  });

  it('refuses minEpochs and reductionFactor that epochs cannot follow, naming the field', () => {
    const issues = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as ValidationError).issues;
      }
      throw new Error('not refused');
    };
    expect(issues(() => rungsOf(0, 3, 27))).toEqual([
      {
        path: 'earlyStopping.minEpochs',
        message:
          '0 is not a whole number of epochs from 1: give the epochs every trial trains before its first comparison, e.g. 5',
      },
    ]);
    expect(issues(() => rungsOf(1.5, 3, 27))[0]!.path).toBe('earlyStopping.minEpochs');
    expect(issues(() => rungsOf(1, 1, 27))).toEqual([
      {
        path: 'earlyStopping.reductionFactor',
        message:
          "1 is not a whole number from 2: give how many trials reach a rung for each that goes on, e.g. 3 (ASHA's usual η)",
      },
    ]);
    expect(issues(() => rungsOf(1, 2.5, 27))[0]!.path).toBe('earlyStopping.reductionFactor');
    expect(() => rungsOf(1, 3, 0)).toThrow(RangeError);
  });
});

describe('rungPeers', () => {
  const peers = (index: number, table: PeerAtRung[]) => rungPeers(index, (j) => table[j]!);
  it('gives the lower trials that reached the rung, in index order, leaving out those that ended', () => {
    expect(peers(4, [{ value: 0.3 }, 'ended', { value: 0.1 }, { value: Number.NaN }])).toEqual([
      0.3,
      0.1,
      Number.NaN,
    ]);
    expect(peers(0, [])).toEqual([]);
  });
  it('waits while a lower trial is still on its way, whatever the higher ones did', () => {
    expect(peers(3, [{ value: 0.3 }, 'on its way', { value: 0.1 }, { value: 9 }])).toBe('wait');
    expect(peers(1, [{ value: 0.3 }, 'on its way'])).toEqual([0.3]);
  });
  it('so the same curves prune the same trials in any order of arrival', () => {
    // five trials' values at one rung; η = 2, minimize: decisions by index are fixed
    const values = [0.5, 0.4, 0.6, 0.3, 0.7];
    const decide = (order: number[]) => {
      const recorded = new Map<number, number>();
      const decisions = new Map<number, string>();
      const pending = [...order];
      while (pending.length > 0) {
        const k = pending.findIndex((i) => {
          recorded.set(i, values[i]!);
          return (
            rungPeers(i, (j) => (recorded.has(j) ? { value: recorded.get(j)! } : 'on its way')) !==
            'wait'
          );
        });
        const i = pending.splice(k, 1)[0]!;
        const prior = rungPeers(i, (j) => ({ value: recorded.get(j)! })) as number[];
        decisions.set(
          i,
          ashaDecision({ 1: prior }, values[i]!, 1, { reductionFactor: 2, goal: 'minimize' }),
        );
      }
      return [...decisions.entries()].sort(([a], [b]) => a - b).map(([, d]) => d);
    };
    const inOrder = decide([0, 1, 2, 3, 4]);
    expect(inOrder).toEqual(['continue', 'continue', 'prune', 'continue', 'prune']);
    expect(decide([4, 2, 3, 0, 1])).toEqual(inOrder);
    expect(decide([3, 1, 4, 0, 2])).toEqual(inOrder);
  });
});
