// Our engine on the workloads, in a process of its own (nothing else loaded). `--threads=N`
// trains data-parallel on N threads; the team is made once per workload, outside the timing
// (the service makes one per job: tens of milliseconds). Relaxed SIMD as the CLI and the service
// have it, unless WASM_RELAXED_SIMD=0.
import { relaxedSimdWanted } from '../../src/config.js';
import { bestKernel, defaultTrainOptions, train } from '../../src/engine/index.js';
import { createThreadTeam } from '../../src/threads/team.js';
import { enableRelaxedSimd } from '../../src/wasm-features.js';
import { syntheticData } from '../workloads.js';
import { measure, selected } from './common.js';

enableRelaxedSimd(relaxedSimdWanted()); // as the CLI and the service do
const threads = Number(
  process.argv.find((a) => a.startsWith('--threads='))?.slice('--threads='.length) ?? 1,
);

for (const w of selected()) {
  const data = syntheticData(w);
  const options = {
    ...defaultTrainOptions,
    epochs: w.epochs,
    batchSize: w.batchSize,
    learningRate: w.learningRate,
    tolerance: 0,
    standardize: false,
    seed: 1,
    threads,
  };
  const team = threads > 1 ? createThreadTeam(threads - 1) : undefined;
  const name = `backprop-service (${bestKernel()}${threads > 1 ? `, ${threads} threads` : ''})`;
  await measure(name, w, w.samples * w.epochs, () => {
    const result = train(w.shape, data, options, team ? { team } : {});
    if (result.threads !== threads) throw new Error(`ran on ${result.threads} threads`);
  });
  await team?.close();
}
