// The messages between a local sweep's scheduler (sweep-local.ts) and its trial threads
// (sweep-thread.ts): one discriminated union each way, one `switch` on each side. Types only.
import type { JobSpec, ModelDocument, ObjectiveMetric } from '../spec/index.js';

/** A trial for a thread to train: its job spec (seed fixed) and where ASHA judges it. */
export interface TrialOrder {
  type: 'trial';
  index: number;
  spec: JobSpec;
  /** Relative CSV paths are read from here (the sweep file's folder). */
  baseDir: string;
  /** ASHA's settings: the thread stops at each rung of its epochs (rungsOf) and asks. */
  asha?: { minEpochs: number; reductionFactor: number };
  metric: ObjectiveMetric;
}

export type ToTrialThread =
  | TrialOrder
  | { type: 'decision'; index: number; decision: 'continue' | 'prune' };

export type FromTrialThread =
  /** An epoch's objective value (undefined when the epoch does not report it), for the board. */
  | { type: 'epoch'; index: number; epoch: number; value: number | undefined }
  /** At a rung: the thread waits for a decision. */
  | { type: 'rung'; index: number; epoch: number; value: number }
  | { type: 'succeeded'; index: number; epochs: number; doc: ModelDocument }
  /** Stopped as asked after a prune decision: the thread is free. */
  | { type: 'stopped'; index: number }
  | { type: 'failed'; index: number; epochs: number; message: string };
