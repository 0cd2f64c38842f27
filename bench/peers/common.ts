// What every peer script shares: the workloads named on the command line, timing (a second of
// warm-up runs, then the median of three), and one JSON line per workload on stdout.
import { type Workload, weightCount, workloads } from '../workloads.js';

export interface Row {
  framework: string;
  workload: string;
  samplesPerSecond: number;
  gflops: number;
  runsSeconds: number[];
  note?: string;
}

export function selected(): Workload[] {
  const names = process.argv.slice(2).filter((a) => /^W\d$/.test(a));
  return workloads.filter((w) => names.length === 0 || names.includes(w.name));
}

/** Times `run` (which trains `samples` samples) three times, after a second of warm-up runs. */
export async function measure(
  framework: string,
  w: Workload,
  samples: number,
  run: () => void | Promise<void>,
  note?: string,
): Promise<Row> {
  // warm-up: runs until a second has passed (at least one), so the JIT has settled
  const warm = performance.now();
  do await run();
  while (performance.now() - warm < 1000);
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await run();
    runs.push((performance.now() - start) / 1000);
  }
  const median = [...runs].sort((a, b) => a - b)[1]!;
  const row: Row = {
    framework,
    workload: w.name,
    samplesPerSecond: samples / median,
    gflops: (6 * weightCount(w.shape) * samples) / median / 1e9,
    runsSeconds: runs,
    ...(note ? { note } : {}),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
  return row;
}
