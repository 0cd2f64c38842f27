// `npm run bench`: our engine and its peers (tfjs wasm, with one thread and with two, tfjs cpu,
// brain.js) on W1–W4, each framework in a process of its own (bench/peers/*.ts: a second of warm-up,
// median of three), then the service figures (bench/service.ts) and the worker scaling
// (bench/workers.ts); writes bench/results.json and BENCHMARKS.md with the date and machine.
// `npm run bench -- W2 W4` runs only those workloads and skips the service and the workers
// (their sections are kept as they were).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { sectionOf } from './markdown-sections.js';
import type { Row } from './peers/common.js';
import { machineLine, serviceSection } from './service-report.js';
import { runWorkersBench, smallJobWords } from './workers.js';
import { type WorkersRun, workersSection } from './workers-report.js';
import { weightCount, workloads } from './workloads.js';

const only = process.argv.slice(2).filter((a) => /^W\d$/.test(a));
const names = only.length > 0 ? only : workloads.map((w) => w.name);

// [script, its arguments, environment]. Our engine runs as the CLI and the service run it
// (relaxed SIMD: on Node 20 they set its V8 flag, Node 22+ has it), and with plain SIMD
// (WASM_RELAXED_SIMD=0), each on one thread and on two.
const plain = { WASM_RELAXED_SIMD: '0' };
const peers: [string, string[], Record<string, string>][] = [
  ['engine', [], {}],
  ['engine', ['--threads=2'], {}],
  ['engine', [], plain],
  ['engine', ['--threads=2'], plain],
  ['tfjs', ['wasm'], {}],
  ['tfjs', ['wasm', '--threads=2'], {}],
  ['tfjs', ['cpu'], {}],
  ['brain', [], {}],
];

// What our matrix kernels reach alone at the workloads' shapes (bench/kernels.ts, this run): the
// best of them, plain and relaxed, is the ceiling a whole training step is held to.
function kernelBest(flags: string[]): number {
  const run = spawnSync(
    process.execPath,
    [...flags, '--import', 'tsx', 'bench/kernels.ts', '--wasm-only'],
    { encoding: 'utf8' },
  );
  const rates = run.stdout
    .split('\n')
    .slice(1)
    .map((l) => Number(l.trim().split(/\s+/)[3]))
    .filter((n) => Number.isFinite(n));
  return Math.max(...rates);
}
const kernelCeiling = {
  plain: kernelBest([]),
  relaxed: kernelBest(['--experimental-wasm-relaxed-simd']),
};
const ceilingGflops = (framework: string) =>
  framework.includes('relaxed') ? kernelCeiling.relaxed : kernelCeiling.plain;

const rows: Row[] = [];
for (const [script, args, env] of peers) {
  const start = performance.now();
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', `bench/peers/${script}.ts`, ...args, ...names],
    {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  const found = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Row);
  if (found.length === 0)
    process.stderr.write(
      `${script} ${args.join(' ')} gave no results:\n${run.stderr.slice(-2000)}\n`,
    );
  for (const r of found) {
    process.stdout.write(
      `${r.workload}  ${r.framework.padEnd(34)} ${Math.round(r.samplesPerSecond).toLocaleString('en-US').padStart(10)} samples/s\n`,
    );
  }
  rows.push(...found);
  process.stdout.write(
    `(${[...Object.entries(env).map(([k, v]) => `${k}=${v}`), script, ...args].join(' ')}: ${((performance.now() - start) / 1000).toFixed(0)} s)\n`,
  );
}

// PyTorch, where a python3 with torch is installed (Debian: python3-torch, with
// libopenblas0-pthread for its BLAS): a reference for the speed issue's targets, never a
// dependency of the project.
const python = ['python3', '/usr/bin/python3'].find(
  (p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0,
);
if (python) {
  const input = JSON.stringify(
    workloads
      .filter((w) => names.includes(w.name))
      .map((w) => ({
        name: w.name,
        sizes: [w.shape.inputSize, ...w.shape.layers.map((l) => l.units)],
        hidden: w.shape.layers[0]!.activation,
        batchSize: w.batchSize,
        samples: w.samples,
        epochs: w.epochs,
        learningRate: w.learningRate,
        weights: weightCount(w.shape),
      })),
  );
  for (const threads of ['1', '2']) {
    const run = spawnSync(python, ['bench/peers/pytorch.py', threads], {
      input,
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads },
    });
    const found = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Row);
    if (found.length === 0) process.stderr.write(`PyTorch gave no results:\n${run.stderr}\n`);
    rows.push(...found);
  }
} else {
  process.stdout.write('(no python3 with torch: PyTorch left out)\n');
}

const service = only.length === 0 ? await (await import('./service.js')).runServiceBench() : null;
const workersRounds = only.length === 0 ? await runWorkersBench() : null;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ours = (w: string) =>
  rows.find((r) => r.workload === w && r.framework.startsWith('backprop-service'));
const tables = names
  .map((name) => {
    const w = workloads.find((x) => x.name === name)!;
    const mine = ours(name);
    const lines = rows
      .filter((r) => r.workload === name)
      .map((r) => {
        const oursToo = r.framework.startsWith('backprop-service');
        const ratio =
          mine && !oursToo ? `${(mine.samplesPerSecond / r.samplesPerSecond).toFixed(1)}×` : '';
        const note =
          mine && oursToo && r !== mine
            ? `${(r.samplesPerSecond / mine.samplesPerSecond).toFixed(2)}× the first row`
            : (r.note ?? '');
        return `| ${r.framework} | ${fmt(r.samplesPerSecond)} | ${r.gflops.toFixed(2)} | ${ratio} | ${note} |`;
      });
    return `### ${name}: ${w.description}\n\n| framework | samples/s | effective GFLOP/s | ours ÷ this | note |\n|---|---|---|---|---|\n${lines.join('\n')}\n`;
  })
  .join('\n');

const version = (pkg: string) =>
  (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string })
    .version;
const versions = {
  '@tensorflow/tfjs-core': version('@tensorflow/tfjs-core'),
  '@tensorflow/tfjs-layers': version('@tensorflow/tfjs-layers'),
  '@tensorflow/tfjs-backend-cpu': version('@tensorflow/tfjs-backend-cpu'),
  '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm'),
  'brain.js': version('brain.js'),
};
const machine = machineLine();
const date = new Date().toISOString().slice(0, 10);
// what `npm run bench:tables` wrote (bench/tables.ts) is kept as it was
const previous = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
const tablesFigures = (JSON.parse(previous('bench/results.json') || '{}') as { tables?: unknown })
  .tables;
const tablesSection = sectionOf(previous('BENCHMARKS.md'), 'Real tables');
// the worker scaling: this run's, or (a run of some workloads only) what was there
const workers: WorkersRun | undefined = workersRounds
  ? {
      date,
      machine: `${machine}, nproc ${availableParallelism()}`,
      job: smallJobWords,
      rounds: workersRounds,
    }
  : (JSON.parse(previous('bench/results.json') || '{}') as { workers?: WorkersRun }).workers;
const workersText = workersRounds
  ? workersSection(workers!)
  : sectionOf(previous('BENCHMARKS.md'), 'Workers');
writeFileSync(
  'bench/results.json',
  `${JSON.stringify({ date, machine, versions, kernelCeiling, rows, service, workers, tables: tablesFigures }, null, 2)}\n`,
);

// The speed issue's targets, from this run's rows. What 128-bit SIMD allows on one core of this
// machine: multiply and add at 12 flops a cycle at about 3.7 GHz, ≈ 45 GFLOP/s (a lone 4×8 tile
// in L1 reached 42 when the kernels were tuned); with relaxed fused multiply-add ≈ 60 (52).
const jsPeer = (f: string) => f.startsWith('tfjs') || f.startsWith('brain');
const best = (name: string, test: (r: Row) => boolean) =>
  rows
    .filter((r) => r.workload === name && test(r))
    .sort((a, b) => b.samplesPerSecond - a.samplesPerSecond)[0];
const ratio = (a?: Row, b?: Row) =>
  a && b ? `${(a.samplesPerSecond / b.samplesPerSecond).toFixed(2)}×` : '-';
const targetLines = names.map((name) => {
  const one = ours(name);
  const two = best(
    name,
    (r) =>
      r.framework.startsWith('backprop-service') &&
      r.framework === one?.framework.replace(')', ', 2 threads)'),
  );
  const twoThreads = (r: Row) => r.framework.includes('2 threads');
  const js1 = best(name, (r) => jsPeer(r.framework) && !twoThreads(r));
  const js2 = best(name, (r) => jsPeer(r.framework) && twoThreads(r));
  const torch1 = best(
    name,
    (r) => r.framework.startsWith('PyTorch') && r.framework.includes('(1 thread)'),
  );
  const torch2 = best(
    name,
    (r) => r.framework.startsWith('PyTorch') && r.framework.includes('(2 threads)'),
  );
  const cells = [
    name,
    `${ratio(one, js1)} (${js1?.framework ?? '-'}); ${ratio(two, js2)}`,
    `${ratio(one, torch1)}; ${ratio(two, torch2)}`,
    one
      ? `${((100 * one.gflops) / ceilingGflops(one.framework)).toFixed(0)}% of ${ceilingGflops(one.framework).toFixed(1)}`
      : '-',
  ];
  return `| ${cells.join(' | ')} |`;
});
const targets = `
## Targets of the speed issue

Ours: the first row of each table (relaxed SIMD, as the CLI and service run; one thread), and
our two-thread row where a column says 2 threads. Targets: ≥ 8× the best
JavaScript peer on every workload; ≥ 2× PyTorch on the same cores on W2 and ≥ 1× on W4; on W1
and W3, ≥ 85% of the wasm GEMM ceiling: the best GFLOP/s our matrix kernels reach alone at the
workloads' shapes in this run (bench/kernels.ts: ${kernelCeiling.plain.toFixed(1)} plain,
${kernelCeiling.relaxed.toFixed(1)} relaxed, one core; the 128-bit hardware bound is ≈ 45 and ≈ 60).

| workload | ours ÷ best JS peer: 1 thread; 2 threads | ours ÷ PyTorch: 1 thread; 2 threads | ours ÷ wasm ceiling (one thread) |
|---|---|---|---|
${targetLines.join('\n')}
`;

writeFileSync(
  'BENCHMARKS.md',
  `# Benchmarks

Written by \`npm run bench\` (bench/run.ts). Training throughput on the speed issue's workloads:
float32, synthetic data from a fixed seed (random labels: speed is what is measured), SGD at
learning rate 0.01, one epoch (W4: 200 full-batch epochs) after a second of warm-up runs, median of three runs,
one thread unless a row says otherwise, each framework in its own process. Effective GFLOP/s =
6 × weight-matrix entries × samples / seconds. "ours ÷ this" is our samples/s over the peer's,
in the same run.

- Date: ${date}
- Machine: ${machine}
- Peers: @tensorflow/tfjs-core ${versions['@tensorflow/tfjs-core']} with the wasm backend (SIMD; one
  thread, and two threads through a workaround, bench/peers/wasm-threads.ts) and the cpu
  backend, each trained the faster of two ways measured here (tfjs-core optimizer.minimize
  rather than tfjs-layers model.fit: the note says which); brain.js ${versions['brain.js']} (per-sample
  SGD: the batch size does not apply; its output layer uses the hidden activation, squared
  error).
  A note on a capped row gives the samples it trained per epoch.
- PyTorch: a reference only, never a dependency, run when a python3 with torch is installed
  (here Debian's python3-torch 1.13 with libopenblas0-pthread; \`apt-get install python3-torch
  libopenblas0-pthread\` reproduces it), batches in order, OMP and OpenBLAS threads set to the
  row's count.
- Our rows: the engine as the CLI and the service run it, with relaxed SIMD (fused
  multiply-add: Node 22+ has it; on Node 20 they set its V8 flag at start, src/wasm-features.ts),
  and with plain SIMD (WASM_RELAXED_SIMD=0), each on one thread and on two (data-parallel, the
  \`threads\` option; the thread team is made outside the timing). "ours" is the first row.

${targets}
${tables}${service ? `\n${serviceSection(service, date, machine)}` : ''}${workersText ? `\n${workersText.trimEnd()}\n` : ''}${tablesSection ? `\n${tablesSection}\n` : ''}`,
);
