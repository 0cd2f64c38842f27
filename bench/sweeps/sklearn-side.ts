// scikit-learn's side of the sweeps bench: bench/sweeps/sklearn_search.py (RandomizedSearchCV
// over MLPClassifier) run on a bench table with the held-out rows and column types given here,
// on one BLAS thread. Not here: what the search draws (the script's header).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadTable } from '../tables/read-table.js';

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
  const dir = mkdtempSync(join(tmpdir(), 'bench-sweeps-'));
  try {
    const testFile = join(dir, 'test.json');
    const typesFile = join(dir, 'types.json');
    writeFileSync(testFile, JSON.stringify(test));
    writeFileSync(typesFile, JSON.stringify(read.types));
    const args = [script, read.table.file, read.table.label, testFile, '--types', typesFile];
    args.push('--random-state', String(randomState), '--n-iter', String(budget.trials));
    args.push('--max-iter', String(budget.epochs), '--validation', String(budget.validationSplit));
    const threads = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const run = spawnSync(python, args, {
      encoding: 'utf8',
      env: { ...process.env, ...threads },
      maxBuffer: 1 << 24,
    });
    if (run.status !== 0) {
      throw new Error(`${script} on ${read.table.file} exited ${run.status}:\n${run.stderr}`);
    }
    return JSON.parse(run.stdout) as SklearnSearch;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
