// A model's per-epoch history kept at a bounded resolution: every `stride`-th epoch (1, 1 +
// stride, …), the stride doubling whenever the points would pass the bound, plus the last epoch.
// Pure and deterministic, so a job resumed from a checkpoint of this state ends with the same
// history as one never interrupted. Not the event stream: that is trimmed separately.
import type { ModelDocument } from './model.js';

export type HistoryPoint = ModelDocument['history'][number];

export interface HistoryState {
  /** Epochs 1, 1 + stride, 1 + 2·stride, … are kept. */
  stride: number;
  points: HistoryPoint[];
  /** The latest epoch seen, kept at the end of the history even off the stride. */
  last?: HistoryPoint;
}

export function emptyHistory(): HistoryState {
  return { stride: 1, points: [] };
}

/**
 * Adds an epoch (epochs arrive in order). `maxPoints` (≥ 2) bounds the finished history: the
 * stride doubles while the strided points fill more than maxPoints - 1, one slot staying for the
 * last epoch.
 */
export function addEpoch(state: HistoryState, point: HistoryPoint, maxPoints: number): void {
  state.last = point;
  if ((point.epoch - 1) % state.stride !== 0) return;
  state.points.push(point);
  while (state.points.length > Math.max(1, maxPoints - 1)) {
    state.stride *= 2;
    state.points = state.points.filter((p) => (p.epoch - 1) % state.stride === 0);
  }
}

/** The history a model document carries: the strided points, then the last epoch. */
export function historyOf(state: HistoryState): HistoryPoint[] {
  const { points, last } = state;
  if (!last || points[points.length - 1]?.epoch === last.epoch) return [...points];
  return [...points, last];
}

/** A copy that later addEpoch calls do not change (for a checkpoint taken mid-run). */
export function copyHistory(state: HistoryState): HistoryState {
  return {
    stride: state.stride,
    points: [...state.points],
    ...(state.last ? { last: state.last } : {}),
  };
}
