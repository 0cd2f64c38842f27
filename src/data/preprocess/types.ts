// The plan of a table model (issue 14): which stored columns feed it, as what type, how wide, and
// its label; decided from the profile alone (plan.ts), so the network's input width is known
// when a job is submitted. The fitted preprocessing it becomes is a contract of the model
// (src/spec/preprocessing.ts), re-exported here.
import type { PreprocessOptions, SkippedPlan } from '../../spec/preprocessing.js';
import type { Task } from '../label-task.js';

export type {
  ColumnStep,
  PreprocessOptions,
  Preprocessor,
  SkippedPlan,
  TargetEncoding,
} from '../../spec/preprocessing.js';
export { defaultPreprocessOptions } from '../../spec/preprocessing.js';

/** A column the model reads, with the type it is read as (inferred, or set in `columns`). */
export interface ColumnPlan {
  name: string;
  /** Position in the stored table's header. */
  index: number;
  type: 'numeric' | 'categorical' | 'boolean' | 'datetime';
  /** Inputs it becomes: fixed by the profile and options, never by the split. */
  width: number;
}

/** Which columns feed the model, as what, and the label: decided from the profile alone. */
export interface TablePlan {
  inputs: ColumnPlan[];
  skipped: SkippedPlan[];
  label: { name: string; index: number; task: Task; reason: string };
  /** The network's input width: the sum of the inputs' widths. */
  width: number;
  options: PreprocessOptions;
}
