// `backprop sweep sweep.json [--out best.model.json] [--threads N] [--json] [--quiet]`: a
// hyperparameter sweep (a POST /v1/sweeps body) run on this machine (sweep-local.ts), with a
// live board on a terminal (plain lines otherwise), then the leaderboard and the best trial's
// model written as `backprop train` writes one. Not the sweep on a server (--server).
import { basename, dirname, join } from 'node:path';
import { baseDirOf } from '../data/resolve.js';
import type { TrialParams } from '../spec/index.js';
import { readJson, writeFileAtomic } from './io.js';
import {
  type LiveSweep,
  type LocalSweepResult,
  runLocalSweep,
  type SweepResultView,
  type SweepTrialView,
} from './sweep-local.js';
import { TrainingFailed } from './train-command.js';

export interface SweepCommandOptions {
  out?: string;
  threads?: number;
  json?: boolean;
  quiet?: boolean;
}

/** sweep.json → sweep.best.model.json beside it. */
export function defaultBestPath(sweepPath: string): string {
  return join(dirname(sweepPath), `${basename(sweepPath).replace(/\.json$/i, '')}.best.model.json`);
}

export async function sweepCommand(
  sweepPath: string,
  options: SweepCommandOptions,
): Promise<number> {
  const value = readJson(sweepPath, 'sweep file');
  const out = options.out ?? defaultBestPath(sweepPath);
  const quiet = Boolean(options.quiet || options.json);
  const board = quiet ? undefined : createBoard(Boolean(process.stderr.isTTY));
  let result: LocalSweepResult;
  try {
    result = await runLocalSweep(value, {
      baseDir: baseDirOf(sweepPath),
      ...(options.threads ? { threads: options.threads } : {}),
      ...(board ? { onChange: board.change } : {}),
    });
  } finally {
    board?.end();
  }
  const { view, bestModel } = result;
  if (bestModel) writeFileAtomic(out, `${JSON.stringify(bestModel)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  else if (!options.quiet) {
    process.stdout.write(leaderboard(view).join('\n'));
    process.stdout.write(`\n${summary(result, bestModel ? out : undefined)}\n`);
  }
  if (!bestModel)
    throw new TrainingFailed(
      `no trial succeeded with a finite ${view.objective.metric}; no model written${failureHint(result)}`,
    );
  return 0;
}

function failureHint({ failures }: LocalSweepResult): string {
  const [first] = failures;
  return first ? ` (trial ${first[0]}: ${first[1]})` : '';
}

const shownParams = (params: TrialParams) =>
  Object.entries(params)
    .map(([path, v]) => `${path}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
    .join(' ');
const shownMetric = (m: number | null | undefined) => (m == null ? '-' : m.toFixed(6));

// Succeeded trials by metric (the goal's way, lower index first on ties), then pruned ones by
// the epochs they reached, then the rest: the rank a person reads the leaderboard by.
function ranked(view: SweepResultView): SweepTrialView[] {
  const sign = view.objective.goal === 'minimize' ? 1 : -1;
  const group = (t: SweepTrialView) =>
    t.status === 'succeeded' && t.metric !== null ? 0 : t.status === 'pruned' ? 1 : 2;
  return [...view.trials].sort(
    (a, b) =>
      group(a) - group(b) ||
      (group(a) === 1 ? b.epochs - a.epochs : 0) ||
      (a.metric !== null && b.metric !== null ? sign * (a.metric - b.metric) : 0) ||
      a.index - b.index,
  );
}

/** The leaderboard: rank, index, params, status, metric, epochs; one line each. */
export function leaderboard(view: SweepResultView): string[] {
  const rows = ranked(view).map((t, i) => [
    String(i + 1),
    String(t.index),
    t.status,
    shownMetric(t.metric),
    String(t.epochs),
    shownParams(t.params),
  ]);
  return table(['rank', 'trial', 'status', view.objective.metric, 'epochs', 'params'], rows);
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

function summary({ view, threads, wallMs }: LocalSweepResult, out: string | undefined): string {
  const c = view.counts;
  const epochs = view.trials.reduce((sum, t) => sum + t.epochs, 0);
  const lines = [
    `${view.trialCount} trials: ${c.succeeded} succeeded, ${c.pruned} pruned, ${c.failed} failed; ${epochs} epochs in all, ${(wallMs / 1000).toFixed(1)} s on ${threads} thread${threads === 1 ? '' : 's'}`,
  ];
  if (view.best)
    lines.push(
      `best: trial ${view.best.index}, ${view.objective.metric} ${shownMetric(view.best.metric)} (${shownParams(view.best.params)})`,
    );
  if (out) lines.push(`best model written to ${out}`);
  return lines.join('\n');
}

// The live board: on a terminal, the counts and the running trials redrawn in place (at most
// every 200 ms); otherwise one line as each trial ends.
function createBoard(tty: boolean) {
  let drawn = 0;
  let last = 0;
  const draw = (live: LiveSweep) => {
    const { view, latest } = live;
    const c = view.counts;
    const best = view.best
      ? `; best so far trial ${view.best.index} ${shownMetric(view.best.metric)}`
      : '';
    const running = [...latest].map(
      ([index, value]) =>
        `  trial ${index}  epoch ${view.trials[index]!.epochs}  ${view.objective.metric} ${shownMetric(value)}  ${shownParams(view.trials[index]!.params)}`,
    );
    const lines = [
      `sweep: ${c.queued} queued, ${c.running} running, ${c.succeeded} succeeded, ${c.pruned} pruned, ${c.failed} failed${best}`,
      ...running,
    ];
    const columns = process.stderr.columns ?? 120;
    const clear = drawn > 0 ? `\x1b[${drawn}A\x1b[J` : '';
    process.stderr.write(`${clear}${lines.map((l) => l.slice(0, columns - 1)).join('\n')}\n`);
    drawn = lines.length;
  };
  return {
    change(live: LiveSweep) {
      if (!tty) {
        const t = live.ended;
        if (!t) return;
        const at = t.status === 'pruned' ? ` at epoch ${t.epochs}` : ` after ${t.epochs} epochs`;
        const why = t.status === 'failed' ? `: ${live.ended?.failure ?? ''}` : '';
        process.stdout.write(
          `trial ${t.index} ${t.status}${at}: ${live.view.objective.metric} ${shownMetric(t.metric)} (${shownParams(t.params)})${why}\n`,
        );
        return;
      }
      const now = performance.now();
      if (!live.ended && now - last < 200) return;
      last = now;
      draw(live);
    },
    end() {
      if (tty && drawn > 0) process.stderr.write(`\x1b[${drawn}A\x1b[J`);
    },
  };
}
