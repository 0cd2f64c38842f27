// ASHA's decisions for a local sweep (sweep-local.ts), by the server's rule: a trial at a rung is
// judged against the lower-indexed trials that reached it (spec/asha.ts rungPeers), waiting
// while one is still on its way, so the same sweep prunes the same trials however many threads
// run it and in whatever order they arrive. Keeps the trials waiting for a decision; no threads.
import { type AshaGoal, ashaDecision, type PeerAtRung, rungPeers } from '../spec/asha.js';
import { hasEnded, type SweepTrialView } from './sweep-view.js';

/** A trial as the judge sees it (and changes it: its values at rungs; pruned, where it ends). */
export interface RungTrial extends SweepTrialView {
  /** The value recorded at each rung it reached. */
  atRung: Map<number, number>;
}

export interface RungDecision {
  index: number;
  decision: 'continue' | 'prune';
}

export function createRungJudge(
  trials: readonly RungTrial[],
  options: { reductionFactor: number; goal: AshaGoal },
) {
  // trials at a rung waiting for a decision, by index
  const waiting = new Map<number, { rung: number; value: number }>();

  // Where trial j stands at `rung` for a higher trial: its value there, ended short, or not yet.
  const peerAt =
    (rung: number) =>
    (j: number): PeerAtRung => {
      const t = trials[j]!;
      const value = t.atRung.get(rung);
      if (value !== undefined) return { value };
      return hasEnded(t) ? 'ended' : 'on its way';
    };

  // The decision for a waiting trial, recorded (its value at the rung; pruned: its end), or
  // undefined while a lower trial is on its way to the rung.
  function decideOne(index: number): RungDecision | undefined {
    const { rung, value } = waiting.get(index)!;
    const peers = rungPeers(index, peerAt(rung));
    if (peers === 'wait') return undefined;
    waiting.delete(index);
    const decision = ashaDecision({ [rung]: peers }, value, rung, options);
    const t = trials[index]!;
    t.atRung.set(rung, value);
    if (decision === 'prune') {
      t.status = 'pruned';
      t.epochs = rung;
      t.metric = Number.isFinite(value) ? value : null;
    }
    return { index, decision };
  }

  return {
    /** Trial `index` has reached `rung` with its objective at `value`, and waits. */
    arrive(index: number, rung: number, value: number): void {
      waiting.set(index, { rung, value });
    },
    /**
     * Every decision that can be taken now, lowest index first, until none can: one recorded
     * value may let a higher trial go. Call after an arrival and after any trial ends.
     */
    decide(): RungDecision[] {
      const decided: RungDecision[] = [];
      for (let again = true; again; ) {
        again = false;
        for (const index of [...waiting.keys()].sort((a, b) => a - b)) {
          const d = decideOne(index);
          if (d) decided.push(d);
          again ||= d !== undefined;
        }
      }
      return decided;
    },
  };
}
