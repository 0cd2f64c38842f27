// ASHA, asynchronous successive halving (issue 17, a sweep's `earlyStopping: {method: "asha"}`):
// whether a trial that reaches a rung goes on training or is pruned. Li et al. 2018, "A System
// for Massively Parallel Hyperparameter Tuning" (MLSys 2020, arXiv:1810.05934), in its
// early-stopping form, the one Ray Tune's ASHAScheduler runs: every trial starts, and at each rung
// it is compared with the trials recorded there before it. Which trials are "before it" is fixed
// by rungPeers: those of lower index, so that a sweep prunes the same trials on every run.
//   rungs     epochs minEpochs · η^k (k = 0, 1, …) below the job's epochs (rungsOf). A trial that
//             reaches its last epoch has finished: there is nothing left to stop there.
//   the rule  at rung r a trial with value x, the rung's recorded values V (other trials, before
//             it) and n = |V| + 1 values in all (x counted in):
//               - x NaN or ±Infinity (a diverged trial): prune, whatever the rung holds;
//               - n < η: continue (too few to judge, ASHA's top_k(rung, ⌊|rung|/η⌋) is empty);
//               - else continue iff fewer than ⌊n/η⌋ values of V are strictly better than x:
//                 x is among the best ⌊n/η⌋ of the n, i.e. at least as good as the rung's
//                 order-statistic (1 − 1/η) quantile, x included (paper, Algorithm 2's top_k).
//             Ray Tune compares x with np.nanpercentile(V, (1 − 1/η)·100) (interpolated, x not
//             included, from the first recorded value on); we use the rank form so that the
//             decision needs no interpolation and the first η − 1 trials at a rung always continue.
//   ties      only strictly better values rank above x: tied trials all continue, so with ties
//             more than ⌊n/η⌋ of a rung can go on (Ray's `cur_rew < cutoff` is strict too).
//   goal      'minimize' (a validation error, the default objective) or 'maximize' (accuracy).
//   recorded  a NaN or ±Infinity recorded at a rung (a diverged trial, if the caller records it)
//             counts in n and is never better than x: it ranks below every finite value.
// The caller records x at the rung after deciding (prune or continue), atomically with reading V
// (one Lua step in Redis), so that trials arriving together each see the other. Pure. In src/spec
// rather than src/jobs so that the API, the workers and the CLI's local sweep share it.
import { ValidationError } from '../errors.js';

export type AshaGoal = 'minimize' | 'maximize';
export type AshaDecision = 'continue' | 'prune';

export interface AshaOptions {
  /** η: about 1/η of the trials reaching a rung go on to the next (≥ 2). */
  reductionFactor: number;
  goal: AshaGoal;
}

/** The values recorded at each rung so far, keyed by the rung's epoch. */
export type AshaRungs = Readonly<Record<number, readonly number[]>>;

/**
 * The epochs at which trials are judged: minEpochs · η^k below maxEpochs (none when minEpochs ≥
 * maxEpochs). minEpochs and η are whole numbers (epochs are), η ≥ 2.
 */
export function rungsOf(minEpochs: number, reductionFactor: number, maxEpochs: number): number[] {
  checkReductionFactor(reductionFactor);
  if (!Number.isInteger(minEpochs) || minEpochs < 1) {
    throw new ValidationError([
      {
        path: 'earlyStopping.minEpochs',
        message: `${minEpochs} is not a whole number of epochs from 1: give the epochs every trial trains before its first comparison, e.g. 5`,
      },
    ]);
  }
  if (!Number.isInteger(maxEpochs) || maxEpochs < 1) {
    throw new RangeError(`maxEpochs ${maxEpochs} is not a whole number from 1`);
  }
  const rungs: number[] = [];
  for (let epoch = minEpochs; epoch < maxEpochs; epoch *= reductionFactor) rungs.push(epoch);
  return rungs;
}

/**
 * Whether a trial whose objective is `trialValue` at rung `rungEpoch` continues, judged against
 * `rungs[rungEpoch]`: the values recorded there before it, not its own (see the file's header).
 */
export function ashaDecision(
  rungs: AshaRungs,
  trialValue: number,
  rungEpoch: number,
  { reductionFactor, goal }: AshaOptions,
): AshaDecision {
  checkReductionFactor(reductionFactor);
  if (!Number.isFinite(trialValue)) return 'prune';
  const recorded = rungs[rungEpoch] ?? [];
  const n = recorded.length + 1;
  if (n < reductionFactor) return 'continue';
  const keep = Math.floor(n / reductionFactor);
  const better = (v: number) =>
    Number.isFinite(v) && (goal === 'minimize' ? v < trialValue : v > trialValue);
  let ahead = 0;
  for (const v of recorded) if (better(v)) ahead++;
  return ahead < keep ? 'continue' : 'prune';
}

function checkReductionFactor(reductionFactor: number): void {
  if (Number.isInteger(reductionFactor) && reductionFactor >= 2) return;
  throw new ValidationError([
    {
      path: 'earlyStopping.reductionFactor',
      message: `${reductionFactor} is not a whole number from 2: give how many trials reach a rung for each that goes on, e.g. 3 (ASHA's usual η)`,
    },
  ]);
}

/** Where a lower-indexed trial stands at a rung, for rungPeers. */
export type PeerAtRung = { value: number } | 'ended' | 'on its way';

/**
 * What trial `index` is judged against at a rung, so that every run of the same sweep prunes the
 * same trials whatever the order trials arrive in (any number of workers or threads, a crash and
 * a resumed try): the values of the trials of lower index that reached the rung, in index order.
 * A lower trial that ended before the rung (pruned earlier, failed, or done training in fewer
 * epochs) is not among them; while one is still on its way to the rung, 'wait'. This is ASHA's
 * rule with the arrival order fixed to the trials' order, which is also the order they start in:
 * trial 0 never waits, and a trial waits only for trials started before it.
 */
export function rungPeers(index: number, peerAt: (lower: number) => PeerAtRung): number[] | 'wait' {
  const values: number[] = [];
  for (let j = 0; j < index; j++) {
    const peer = peerAt(j);
    if (peer === 'on its way') return 'wait';
    if (peer !== 'ended') values.push(peer.value);
  }
  return values;
}
