// The shapes of data in memory: a Dataset (what training takes) and DataRows (what is read and
// stored). Types only, so the files that build them (dataset.ts, labels.ts) share them without
// importing each other. dataset.ts re-exports them.

export interface Dataset {
  rows: number;
  /** Input width. */
  features: number;
  /** Target width; 0 for prediction inputs. */
  outputs: number;
  /** rows*features, row-major. */
  inputs: Float32Array;
  /** rows*outputs, row-major. */
  targets: Float32Array;
  featureNames?: string[];
  /** Classification only: class index per row (0-based) and the class values in index order; one-hot position i <-> classes[i]. */
  labels?: Int32Array;
  classes?: (string | number)[];
}

/**
 * Data as read and stored: a class index per row instead of one-hot targets for classification
 * (rows × classes floats: 540 MB from a 54 KB CSV, issue 12), targets for regression.
 * `withTargets` (labels.ts) makes it a Dataset where training needs one.
 */
export type DataRows = Omit<Dataset, 'targets'> & { targets?: Float32Array };
