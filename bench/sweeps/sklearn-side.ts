// scikit-learn's side of the sweeps bench: bench/sweeps/sklearn_search.py (RandomizedSearchCV
// over MLPClassifier) run on a bench table with the held-out rows and column types given here,
// on one BLAS thread. Not here: what the search draws (the script's header).
import type { ReadTable } from '../tables/read-table.js';
import { runPythonOnTable } from '../tables/sklearn-side.js';

export interface SklearnSearch {
  sklearn: string;
  randomState: number;
  bestParams: Record<string, unknown>;
  validationLogLoss: number;
  /** The epochs (n_iter_) each candidate trained, in the order fitted. */
  candidateEpochs: number[];
  refitEpochs: number;
  searchSeconds: number;
  testRows: number;
  accuracy: number;
  macroF1: number;
  logLoss: number;
}

const script = 'bench/sweeps/sklearn_search.py';

export function runSklearnSearch(
  python: string,
  read: ReadTable,
  test: readonly number[],
  randomState: number,
  budget: { trials: number; epochs: number; validationSplit: number },
): SklearnSearch {
  return runPythonOnTable<SklearnSearch>(python, script, read, test, (testFile, typesFile) => [
    testFile,
    '--types',
    typesFile,
    '--random-state',
    String(randomState),
    '--n-iter',
    String(budget.trials),
    '--max-iter',
    String(budget.epochs),
    '--validation',
    String(budget.validationSplit),
  ]);
}
