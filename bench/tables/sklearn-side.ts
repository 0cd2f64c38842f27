// scikit-learn's side of the table bench: bench/tables/sklearn_baseline.py run on a bench table
// with the held-out rows and column types given here, in a python3 that has scikit-learn
// (Debian: python3-sklearn python3-pandas). Not here: what the script fits (its own header).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadTable } from './read-table.js';

export interface SklearnRun {
  randomState: number;
  fitSeconds: number;
  iterations: number;
  converged: boolean;
  r2?: number;
  mae?: number;
  rmse?: number;
  accuracy?: number;
  macroF1?: number;
  logLoss?: number;
}

export interface SklearnResult {
  sklearn: string;
  scaleTarget: boolean;
  droppedRows: number;
  rows: number;
  trainRows: number;
  testRows: number;
  inputWidth: number;
  runs: SklearnRun[];
}

const script = 'bench/tables/sklearn_baseline.py';

/** A python3 that imports sklearn and pandas, or undefined. */
function findPython(): string | undefined {
  return ['python3', '/usr/bin/python3'].find(
    (p) => spawnSync(p, ['-c', 'import sklearn, pandas'], { encoding: 'utf8' }).status === 0,
  );
}

/** findPython(), or the bench ends (exit 1) saying what to install. */
export function requirePython(): string {
  const python = findPython();
  if (python) return python;
  process.stderr.write(
    'no python3 with scikit-learn and pandas: apt-get install python3-sklearn python3-pandas\n',
  );
  process.exit(1);
}

/**
 * One fit per random state on the rows outside `test`, scored on `test`. One BLAS thread: the
 * matrices are small, and our worker trains on one thread too.
 */
export function runSklearn(
  python: string,
  read: ReadTable,
  test: readonly number[],
  randomStates: readonly number[],
  scaleTarget = false,
): SklearnResult {
  return runPythonOnTable<SklearnResult>(python, script, read, test, (testFile, typesFile) => [
    read.table.task,
    testFile,
    '--types',
    typesFile,
    '--random-state',
    ...randomStates.map(String),
    ...(scaleTarget ? ['--scale-target'] : []),
  ]);
}

/**
 * Runs `script` on a bench table (its file and label first, then `argsOf` the files that hold
 * the held-out rows and the column types) on one BLAS thread; its stdout parsed as JSON. Shared
 * with the sweeps bench (bench/sweeps/sklearn-side.ts).
 */
export function runPythonOnTable<T>(
  python: string,
  script: string,
  read: ReadTable,
  test: readonly number[],
  argsOf: (testFile: string, typesFile: string) => string[],
): T {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sklearn-'));
  try {
    const testFile = join(dir, 'test.json');
    const typesFile = join(dir, 'types.json');
    writeFileSync(testFile, JSON.stringify(test));
    writeFileSync(typesFile, JSON.stringify(read.types));
    const args = [script, read.table.file, read.table.label, ...argsOf(testFile, typesFile)];
    const threads = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const run = spawnSync(python, args, {
      encoding: 'utf8',
      env: { ...process.env, ...threads },
      maxBuffer: 1 << 24,
    });
    if (run.status !== 0) {
      throw new Error(`${script} on ${read.table.file} exited ${run.status}:\n${run.stderr}`);
    }
    return JSON.parse(run.stdout) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
