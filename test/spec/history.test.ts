// A model's history at a bounded resolution: at most maxPoints points, evenly spaced, always the
// first and the last epoch; and a run resumed from a copy of the state taken mid-way (as a
// checkpoint holds it, through JSON) ends with exactly the history of the run never interrupted.
import { describe, expect, it } from 'vitest';
import {
  addEpoch,
  copyHistory,
  emptyHistory,
  type HistoryState,
  historyOf,
} from '../../src/spec/history.js';

const point = (epoch: number) => ({ epoch, error: 1 / epoch });

function run(epochs: number, maxPoints: number, from: HistoryState = emptyHistory(), start = 1) {
  for (let e = start; e <= epochs; e++) addEpoch(from, point(e), maxPoints);
  return from;
}

describe('bounded history', () => {
  it('keeps every epoch while they fit', () => {
    expect(historyOf(run(40, 1000)).map((p) => p.epoch)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });

  it('100,000 epochs in at most 1000 evenly spaced points, first and last kept', () => {
    const kept = historyOf(run(100_000, 1000)).map((p) => p.epoch);
    expect(kept.length).toBeLessThanOrEqual(1000);
    expect(kept.length).toBeGreaterThan(500);
    expect(kept[0]).toBe(1);
    expect(kept[kept.length - 1]).toBe(100_000);
    const gaps = new Set(kept.slice(1, -1).map((e, i) => e - kept[i]!));
    expect([...gaps]).toEqual([128]); // one stride between all strided points
    expect(historyOf(run(100_000, 1000))[5]).toEqual(point(kept[5]!)); // the epoch's own figures
  });

  it('for any bound and length: at most maxPoints, first and last epoch', () => {
    for (const maxPoints of [2, 3, 7, 50])
      for (const epochs of [1, 2, 3, 10, 99, 1000]) {
        const kept = historyOf(run(epochs, maxPoints)).map((p) => p.epoch);
        expect(kept.length, `${epochs} in ${maxPoints}`).toBeLessThanOrEqual(maxPoints);
        expect(kept[0]).toBe(1);
        expect(kept[kept.length - 1]).toBe(epochs);
      }
  });

  it('resumed from a mid-run copy (through JSON): the same history as one run', () => {
    const whole = historyOf(run(5000, 64));
    for (const stopAt of [1, 63, 64, 65, 1000, 4999]) {
      const saved = JSON.parse(JSON.stringify(copyHistory(run(stopAt, 64)))) as HistoryState;
      expect(historyOf(run(5000, 64, saved, stopAt + 1))).toEqual(whole);
    }
  });
});
