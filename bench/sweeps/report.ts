// The `## Sweeps` section of BENCHMARKS.md from a run of bench/sweeps.ts: per table and seed,
// the held-out scores of the best trial with ASHA, without early stopping, and of scikit-learn's
// RandomizedSearchCV, the compute each spent, and whether issue 17's bar is met. Formatting only.
import type { SklearnSearch } from './sklearn-side.js';

export interface OurSweep {
  /** Epochs summed over the trials. */
  epochs: number;
  wallSeconds: number;
  threads: number;
  counts: Record<string, number>;
  best: { index: number; params: Record<string, unknown>; validationError: number } | null;
  /** Every trial: its status, the epochs it reached, its metric (validationError). */
  trials: { index: number; status: string; epochs: number; metric: number | null }[];
  /** The best trial's model on the held-out rows. */
  test: { rows: number; accuracy?: number; logLoss?: number; macroF1?: number } | null;
}

export interface SeedResult {
  seed: number;
  asha: OurSweep;
  full: OurSweep;
  sklearn: SklearnSearch;
  /** Where our held-out rows differ from the ones scikit-learn was scored on (should be none). */
  mismatch?: string;
}

export interface TableSweeps {
  file: string;
  label: string;
  rows: number;
  seeds: SeedResult[];
}

export interface SweepsRun {
  date: string;
  machine: string;
  sklearn: string;
  settings: Record<string, unknown>;
  tables: TableSweeps[];
}

const f3 = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(3));
const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Issue 17's bar for one seed: ASHA as good as the full sweep in under half the epochs, and as good as scikit-learn. */
export function barOf(r: SeedResult) {
  const a = r.asha.test?.accuracy ?? Number.NaN;
  const full = r.full.test?.accuracy ?? Number.NaN;
  return {
    ratio: r.asha.epochs / r.full.epochs,
    asGoodAsFull: a >= full,
    underHalf: r.asha.epochs < 0.5 * r.full.epochs,
    asGoodAsSklearn: a >= r.sklearn.accuracy,
  };
}

export function sweepsSection(run: SweepsRun): string {
  const s = run.settings;
  const lines = [
    '## Sweeps',
    '',
    `Written by \`npm run bench:sweeps\` (bench/sweeps.ts). Issue 17's bar: a random sweep of ${s.trials} trials with ASHA (earlyStopping ${JSON.stringify(s.asha)}) reaches a held-out score at least as good as the same ${s.trials} trials without early stopping, in less than half the compute (epochs summed over trials), and at least as good as scikit-learn's RandomizedSearchCV(MLPClassifier, n_iter=${s.trials}). Both our sweeps run locally (\`backprop sweep\`'s runner, src/cli/sweep-local.ts, ${s.threads} threads) from the same sweep file but for earlyStopping: ${s.about}. The objective is validationError (the validation rows' cross-entropy, validationSplit ${s.validationSplit}); the best trial is chosen on it, never on the held-out rows, and its model is scored on the held-out rows (testSplit 0.2, stratified, seeded by the sweep's seed). scikit-learn draws from the comparable space (learning_rate_init log-uniform, one hidden layer of 8–128 units, batch_size, alpha log-uniform), selects by log loss on one validation split of the same fraction (ShuffleSplit), refits the best on all training rows (max_iter ${s.epochs}), and is scored on the same held-out rows. Seeds ${run.tables[0]?.seeds.map((r) => r.seed).join(', ')}: the sweep's seed (sampler, training, splits) and scikit-learn's random_state. scikit-learn's refit trains its best candidate on the validation rows too; our best trial's model is kept as trained, without them. Wall time counts each trial loading and encoding its table on its thread and, under ASHA, a thread waiting at a rung until the lower-indexed trials reach it (the rule that makes the pruning the same whatever the order trials arrive in), so it falls less than the epochs do; the bar's compute is the epochs. Raw numbers: bench/results-sweeps.json.`,
    '',
    `- Date: ${run.date}`,
    `- Machine: ${run.machine}`,
    `- scikit-learn ${run.sklearn}`,
    '',
    '| table | seed | held-out accuracy: ASHA / full / scikit-learn | log loss: ASHA / full / scikit-learn | epochs: ASHA / full (ratio) | scikit-learn epochs | wall s: ASHA / full / scikit-learn | ASHA ≥ full | < ½ compute | ASHA ≥ scikit-learn |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const t of run.tables) {
    for (const r of t.seeds) {
      const b = barOf(r);
      const sk = r.sklearn;
      lines.push(
        `| ${t.file} | ${r.seed} | ${f3(r.asha.test?.accuracy)} / ${f3(r.full.test?.accuracy)} / ${f3(sk.accuracy)} | ${f3(r.asha.test?.logLoss)} / ${f3(r.full.test?.logLoss)} / ${f3(sk.logLoss)} | ${r.asha.epochs} / ${r.full.epochs} (${b.ratio.toFixed(2)}) | ${sum(sk.candidateEpochs) + sk.refitEpochs} | ${r.asha.wallSeconds.toFixed(1)} / ${r.full.wallSeconds.toFixed(1)} / ${sk.searchSeconds.toFixed(1)} | ${yes(b.asGoodAsFull)} | ${yes(b.underHalf)} | ${yes(b.asGoodAsSklearn)} |`,
      );
    }
  }
  lines.push('', ...summaryLines(run), '', ...bestLines(run));
  return lines.join('\n');
}

function summaryLines(run: SweepsRun): string[] {
  const all = run.tables.flatMap((t) => t.seeds);
  const bars = all.map(barOf);
  const met = bars.filter((b) => b.asGoodAsFull && b.underHalf && b.asGoodAsSklearn).length;
  const lines = [
    `The bar is met on ${met} of ${all.length} table × seed runs. Median compute ratio (ASHA ÷ full epochs): ${median(bars.map((b) => b.ratio)).toFixed(2)}; ASHA ≥ full on ${bars.filter((b) => b.asGoodAsFull).length}, under half the compute on ${bars.filter((b) => b.underHalf).length}, ASHA ≥ scikit-learn on ${bars.filter((b) => b.asGoodAsSklearn).length}.`,
  ];
  for (const t of run.tables) {
    const a = median(t.seeds.map((r) => r.asha.test?.accuracy ?? Number.NaN));
    const full = median(t.seeds.map((r) => r.full.test?.accuracy ?? Number.NaN));
    const sk = median(t.seeds.map((r) => r.sklearn.accuracy));
    const ratio = median(t.seeds.map((r) => barOf(r).ratio));
    const rows = t.seeds[0]?.asha.test?.rows ?? 0;
    lines.push(
      `- ${t.file}, on the medians over seeds: ASHA ${f3(a)} ${a >= full ? '≥' : '<'} full ${f3(full)}, ${a >= sk ? '≥' : '<'} scikit-learn ${f3(sk)}, in ${ratio.toFixed(2)} of the epochs: the bar is ${a >= full && a >= sk && ratio < 0.5 ? 'met' : '**not met**'}. One held-out row is ${rows > 0 ? (1 / rows).toFixed(4) : '-'} of accuracy (${rows} rows).`,
    );
  }
  for (const t of run.tables) {
    const acc = (pick: (r: SeedResult) => number | undefined) =>
      f3(median(t.seeds.map((r) => pick(r) ?? Number.NaN)));
    lines.push(
      `- ${t.file} (${t.label}, ${t.rows} rows), medians over seeds: held-out accuracy ASHA ${acc((r) => r.asha.test?.accuracy)}, full ${acc((r) => r.full.test?.accuracy)}, scikit-learn ${acc((r) => r.sklearn.accuracy)}; epochs ASHA ${median(t.seeds.map((r) => r.asha.epochs))}, full ${median(t.seeds.map((r) => r.full.epochs))}.`,
    );
  }
  lines.push('', ...prunedBest(run));
  const mismatches = all.filter((r) => r.mismatch).map((r) => `seed ${r.seed}: ${r.mismatch}`);
  if (mismatches.length > 0) lines.push('', `Held-out rows differ: ${mismatches.join('; ')}`);
  return lines;
}

// Where ASHA's best is not the full sweep's: what ASHA did to the full sweep's best trial.
function prunedBest(run: SweepsRun): string[] {
  const notes: string[] = [];
  let same = 0;
  let runs = 0;
  for (const t of run.tables) {
    for (const r of t.seeds) {
      runs++;
      const fullBest = r.full.best?.index;
      if (fullBest === undefined || r.asha.best?.index === fullBest) {
        same++;
        continue;
      }
      const there = r.asha.trials[fullBest]!;
      notes.push(
        `${t.file} seed ${r.seed}: trial ${fullBest} ${there.status}${there.status === 'pruned' ? ` at epoch ${there.epochs}` : ''}`,
      );
    }
  }
  return [
    `ASHA's best is the full sweep's best in ${same} of ${runs} runs. Elsewhere the full sweep's best trial (its validationError least after all its epochs) was, under ASHA: ${notes.join('; ') || 'none'}. A pruned slow starter is the price ASHA pays for its compute; both sweeps pick by validation error only.`,
  ];
}

const shown = (params: Record<string, unknown>) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(3)) : JSON.stringify(v)}`)
    .join(', ');

function bestLines(run: SweepsRun): string[] {
  const lines = ['Best trials (validation) per run:', ''];
  for (const t of run.tables) {
    for (const r of t.seeds) {
      const ours = (name: string, s: OurSweep) =>
        s.best
          ? `${name} trial ${s.best.index} (${shown(s.best.params)}; validationError ${s.best.validationError.toFixed(4)}; ${s.counts.pruned ?? 0} pruned)`
          : `${name}: none`;
      lines.push(
        `- ${t.file} seed ${r.seed}: ${ours('ASHA', r.asha)}; ${ours('full', r.full)}; scikit-learn ${shown(r.sklearn.bestParams)} (validation log loss ${r.sklearn.validationLogLoss.toFixed(4)})`,
      );
    }
  }
  return lines;
}
