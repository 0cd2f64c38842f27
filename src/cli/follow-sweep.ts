// Following a sweep on a server from the terminal (issue 17): a leaderboard redrawn in place on a
// terminal, plain lines otherwise (one per trial that ends, one per new best), then the
// leaderboard's final lines and the best (params, metric, model name@version). Exit codes as
// `submit --follow` has them: 0 succeeded, 1 failed or cancelled, 130 after Ctrl-C (asking
// whether to cancel the sweep there). It submits nothing: sweep-commands.ts does.
import { ServerError } from './client.js';
import { ask, untilEndedOrInterrupted } from './follow-job.js';
import { fixed, print, say } from './server-options.js';
import type { Best, Sweep, SweepClient, SweepEvent, Trial } from './sweep-client.js';

const endedStatuses = new Set(['succeeded', 'pruned', 'failed', 'cancelled']);
// the order of the leaderboard's groups: the trials that could be the best first
const groups = ['succeeded', 'pruned', 'running', 'queued', 'pending', 'failed', 'cancelled'];
const shownOnTerminal = 15;
const redrawMs = 200;

/** A parameter's value: numbers to four significant digits. */
const value = (v: unknown) =>
  typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v);
const paramsText = (params: Record<string, unknown>) =>
  Object.entries(params)
    .map(([path, v]) => `${path}=${value(v)}`)
    .join(', ');

/** The trials in leaderboard order with their rank (succeeded ones) or null. */
export function ranked(trials: Trial[], goal: string): { trial: Trial; rank: number | null }[] {
  const sign = goal === 'maximize' ? -1 : 1;
  const sorted = [...trials].sort((a, b) => {
    const group = groups.indexOf(a.status) - groups.indexOf(b.status);
    if (group !== 0) return group;
    if (a.metric !== null && b.metric !== null && a.metric !== b.metric)
      return sign * (a.metric - b.metric);
    if ((a.metric === null) !== (b.metric === null)) return a.metric === null ? 1 : -1;
    return a.index - b.index;
  });
  let rank = 0;
  return sorted.map((trial) => ({
    trial,
    rank: trial.status === 'succeeded' && trial.metric !== null ? ++rank : null,
  }));
}

/** The leaderboard as lines: a header, then a row per trial (at most `limit`). */
export function leaderboardLines(sweep: Sweep, limit = Number.POSITIVE_INFINITY): string[] {
  const paths = Object.keys(sweep.trials[0]?.params ?? {});
  const rows = [
    ['RANK', 'TRIAL', ...paths, 'STATUS', sweep.objective.metric, 'EPOCHS'],
    ...ranked(sweep.trials, sweep.objective.goal)
      .slice(0, limit)
      .map(({ trial, rank }) => [
        rank === null ? '-' : String(rank),
        String(trial.index),
        ...paths.map((p) => value(trial.params[p])),
        trial.status,
        fixed(trial.metric),
        String(trial.epochs),
      ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
}

const countsText = (sweep: Sweep) =>
  Object.entries(sweep.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');

const bestText = (sweep: Sweep, best: NonNullable<Best>) =>
  `trial ${best.index}, ${sweep.objective.metric} ${fixed(best.metric)} (${paramsText(best.params)})`;

interface SweepView {
  event(e: SweepEvent, sweep: Sweep): void;
  stop(): void;
}

// On a terminal: the counts and the best trials, redrawn in place at most every redrawMs.
function terminalView(): SweepView {
  let drawn = 0;
  let last = 0;
  let latest: Sweep | undefined;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    if (!latest) return;
    last = Date.now();
    const more = latest.trials.length - shownOnTerminal;
    // a line wider than the terminal wraps, and the redraw would go up too few lines
    const width = process.stderr.columns || 80;
    const lines = [
      `sweep ${latest.id} ${latest.status}: ${countsText(latest)} of ${latest.trialCount}`,
      ...leaderboardLines(latest, shownOnTerminal),
      ...(more > 0 ? [`… and ${more} more`] : []),
    ].map((line) => line.slice(0, width - 1));
    // back to the first line drawn, and clear from there
    const up = drawn > 0 ? `\x1b[${drawn}F\x1b[0J` : '';
    process.stderr.write(`${up}${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  return {
    event(_e, sweep) {
      latest = sweep;
      if (timer) return;
      timer = setTimeout(draw, Math.max(0, redrawMs - (Date.now() - last)));
    },
    stop() {
      if (timer) clearTimeout(timer);
      draw();
    },
  };
}

// Not a terminal: a line when a trial ends and when the best changes.
function linesView(): SweepView {
  const told = new Set<number>();
  let bestTold = '';
  return {
    event(e, sweep) {
      if (e.type === 'sweep')
        for (const t of sweep.trials) if (endedStatuses.has(t.status)) told.add(t.index);
      if (e.type === 'trial' && endedStatuses.has(e.trial.status) && !told.has(e.trial.index)) {
        told.add(e.trial.index);
        const t = sweep.trials.find((trial) => trial.index === e.trial.index)!;
        const metric = t.metric === null ? '' : `: ${sweep.objective.metric} ${fixed(t.metric)}`;
        say(`trial ${t.index} ${t.status} at epoch ${t.epochs}${metric} (${paramsText(t.params)})`);
      }
      const best = sweep.best ? `${sweep.best.index}|${sweep.best.metric}` : '';
      if (sweep.best && best !== bestTold) {
        bestTold = best;
        say(`new best: ${bestText(sweep, sweep.best)}`);
      }
    },
    stop() {},
  };
}

// The sweep with an event applied to it (the stream sends changes; the view is kept whole).
function apply(sweep: Sweep, e: SweepEvent): Sweep {
  const trial = (index: number) => sweep.trials.find((t) => t.index === index);
  switch (e.type) {
    case 'sweep':
      return e.sweep;
    case 'trial': {
      const t = trial(e.trial.index);
      if (t && t.status !== e.trial.status) {
        sweep.counts[t.status] = (sweep.counts[t.status] ?? 1) - 1;
        sweep.counts[e.trial.status] = (sweep.counts[e.trial.status] ?? 0) + 1;
      }
      if (t) Object.assign(t, e.trial);
      return sweep;
    }
    case 'epoch': {
      const t = trial(e.epoch.index);
      if (t) t.epochs = e.epoch.epoch;
      return sweep;
    }
    case 'best':
      sweep.best = e.best;
      return sweep;
    case 'end':
      return { ...sweep, ...e.end };
  }
}

/** Follows a sweep to its end: 0 if it succeeded, 1 if not, 130 after Ctrl-C. */
export async function followSweep(
  sweeps: SweepClient,
  submitted: Sweep,
  o: { json?: boolean } = {},
): Promise<number> {
  const tty = Boolean(process.stderr.isTTY);
  const view = tty ? terminalView() : linesView();
  let sweep = structuredClone(submitted);
  const stream = sweeps.follow(submitted.id, (e) => {
    sweep = apply(sweep, e);
    view.event(e, sweep);
  });
  const outcome = await untilEndedOrInterrupted(stream, view);
  if (outcome === 'interrupted') return askToCancel(sweeps, submitted.id);
  // the stored sweep, as GET answers it, is what the final lines show
  const final = await sweeps.get(submitted.id);
  if (!tty) for (const line of leaderboardLines(final)) say(line);
  return report(final, o);
}

function report(sweep: Sweep, o: { json?: boolean }): number {
  const head = `sweep ${sweep.id} ${sweep.status}: ${countsText(sweep)}`;
  if (sweep.status === 'running') {
    say(`the event stream of sweep ${sweep.id} ended before the sweep did`);
    return 1;
  }
  say(sweep.error ? `${head}; ${sweep.error}` : head);
  if (sweep.best) say(`best: ${bestText(sweep, sweep.best)}`);
  else say('no trial succeeded: no best');
  const model = sweep.model;
  if (model)
    say(`model: ${model.name}@${model.version}${model.alias ? ` (alias ${model.alias})` : ''}`);
  if (o.json) print(JSON.stringify(sweep));
  else if (model) print(`${model.name}@${model.version}`);
  else if (sweep.best?.modelId) print(sweep.best.modelId);
  return sweep.status === 'succeeded' ? 0 : 1;
}

async function askToCancel(sweeps: SweepClient, id: string): Promise<number> {
  const answer = await ask(`Cancel sweep ${id} on the server? [y/N] `);
  if (answer === null || !process.stdin.isTTY) process.stderr.write('\n');
  if (!/^y(es)?$/i.test(answer?.trim() ?? '')) {
    say(`sweep ${id} goes on on the server; see it with: backprop sweeps show ${id}`);
    return 130;
  }
  try {
    const sweep = await sweeps.cancel(id);
    say(`sweep ${id} ${sweep.status}`);
  } catch (error) {
    if (!(error instanceof ServerError)) throw error;
    say(`backprop: ${error.message}`); // e.g. it ended meanwhile
  }
  return 130;
}
