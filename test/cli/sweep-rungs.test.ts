// The local sweep's ASHA judge: a trial waits at a rung for the lower trials on their way there,
// so the decisions are the same in whatever order trials arrive (the server's rule), and a lower
// trial that ends short of the rung lets the higher ones go.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRungJudge, type RungTrial } from '../../src/cli/sweep-rungs.js';

const running = (n: number): RungTrial[] =>
  Array.from({ length: n }, (_, index) => ({
    index,
    params: {},
    status: 'running',
    metric: null,
    epochs: 0,
    atRung: new Map(),
  }));

// validation errors at rung 5
const values = [0.3, 0.2, 0.9, 0.25, 0.8, 0.1, 0.95, 0.15, 0.5];
const options = { reductionFactor: 3, goal: 'minimize' as const };

// Every trial arrives at rung 5 in `order`; the decisions as they are taken, by index.
function decisionsFor(order: number[]): Map<number, string> {
  const trials = running(values.length);
  const judge = createRungJudge(trials, options);
  const decided = new Map<number, string>();
  for (const index of order) {
    trials[index]!.epochs = 5;
    judge.arrive(index, 5, values[index]!);
    for (const d of judge.decide()) decided.set(d.index, d.decision);
  }
  return decided;
}

describe('the rung judge', () => {
  const inOrder = decisionsFor(values.map((_, i) => i));

  it('judges trials in index order against the lower ones, pruning the poor', () => {
    expect([...inOrder.entries()].sort(([a], [b]) => a - b)).toEqual([
      [0, 'continue'], // too few to judge (n < η)
      [1, 'continue'],
      [2, 'prune'], // n = 3, keep 1: 0.2 and 0.3 are better
      [3, 'prune'], // n = 4, keep 1: 0.2 is better
      [4, 'prune'],
      [5, 'continue'],
      [6, 'prune'],
      [7, 'continue'], // n = 8, keep 2: only 0.1 is better
      [8, 'prune'],
    ]);
  });

  it('takes the same decisions in any order of arrival', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(
          values.map((_, i) => i),
          { minLength: values.length, maxLength: values.length },
        ),
        (order) => {
          const decided = decisionsFor(order);
          expect(decided.size).toBe(values.length);
          for (const [index, decision] of inOrder) expect(decided.get(index)).toBe(decision);
        },
      ),
    );
  });

  it('holds a trial while a lower one is on its way, and lets it go when that one ends short', () => {
    const trials = running(3);
    const judge = createRungJudge(trials, options);
    judge.arrive(2, 5, 0.9);
    expect(judge.decide()).toEqual([]); // 0 and 1 still on their way to epoch 5
    trials[0]!.atRung.set(5, 0.3);
    trials[0]!.epochs = 15;
    expect(judge.decide()).toEqual([]);
    trials[1]!.status = 'failed'; // ended at epoch 2: never reaches the rung
    // judged against trial 0 alone: n = 2 < η, so it continues
    expect(judge.decide()).toEqual([{ index: 2, decision: 'continue' }]);
    expect(trials[2]!.atRung.get(5)).toBe(0.9);
  });

  it('marks a pruned trial ended at its rung, with its value there as its metric', () => {
    const trials = running(3);
    const judge = createRungJudge(trials, options);
    for (const [index, value] of [0.1, 0.2, 0.7].entries()) judge.arrive(index, 5, value);
    expect(judge.decide().map((d) => d.decision)).toEqual(['continue', 'continue', 'prune']);
    expect(trials[2]).toMatchObject({ status: 'pruned', epochs: 5, metric: 0.7 });
  });
});
