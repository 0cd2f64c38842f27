// Following a job on a server from the terminal: a progress bar (or sparse lines when not a
// terminal), the outcome from its final event, and on Ctrl-C the question whether to cancel it
// there. It submits nothing (submit-command.ts) and reads events through client.ts.
import { createInterface } from 'node:readline';
import { SingleBar } from 'cli-progress';
import type { JobEvent, ModelMetrics } from '../spec/index.js';
import { type Job, type ServerClient, ServerError } from './client.js';
import { formatEpoch } from './progress.js';
import { fixed, print, say } from './server-options.js';

export function summarize(m: ModelMetrics): string {
  const accuracy = m.accuracy !== undefined ? `, accuracy ${(100 * m.accuracy).toFixed(1)}%` : '';
  return `${m.epochs} epochs (${m.stopReason}), error ${fixed(m.error)}${accuracy}${heldOut(m.test)}`;
}

// The evaluation's headline on the held-out rows: "; held out (80 rows): R² 0.86, RMSE 2.9".
function heldOut(t: ModelMetrics['test']): string {
  if (!t) return '';
  const figures =
    t.accuracy !== undefined
      ? [
          `accuracy ${(100 * t.accuracy).toFixed(1)}%`,
          t.macroF1 !== undefined ? `macro F1 ${t.macroF1.toFixed(3)}` : '',
        ]
      : [`R² ${t.r2?.toFixed(3)}`, `RMSE ${t.rmse?.toPrecision(4)}`];
  return `; held out (${t.rows} rows): ${figures.filter(Boolean).join(', ')}`;
}

interface FollowView {
  event(e: JobEvent): void;
  stop(): void;
}

// A bar on a terminal; otherwise a line for the first, the last and every Nth epoch (N: about
// twenty lines in all), and a line for each change of state.
function followView(job: Job, tty: boolean): FollowView {
  if (!('epoch' in job.progress)) return rowsView(job);
  const progress = job.progress;
  const epochs = progress.epochs;
  if (tty) {
    const bar = new SingleBar({
      format: `job ${job.id} [{bar}] {value}/{total} epochs | error {error} | ETA {eta_formatted}`,
      hideCursor: true,
      stream: process.stderr,
    });
    bar.start(epochs, progress.epoch, { error: fixed(progress.error) });
    return {
      event: (e) => {
        if (e.type === 'epoch') bar.update(e.epoch, { error: fixed(e.error) });
      },
      stop: () => bar.stop(),
    };
  }
  const every = Math.max(1, Math.ceil(epochs / 20));
  return {
    event(e) {
      if (e.type === 'status' && (e.status === 'queued' || e.status === 'running'))
        say(`job ${job.id} ${e.status}`);
      else if (e.type === 'epoch' && (e.epoch === 1 || e.epoch % every === 0 || e.epoch === epochs))
        say(formatEpoch(e, epochs));
      else if (e.type === 'resumed') say(`resumed from its checkpoint at epoch ${e.epoch}`);
      else if (e.type === 'retrying')
        say(`try ${e.attempt} of ${e.attempts} failed (${e.error.message}); trying again`);
    },
    stop() {},
  };
}

// A batch-predictions job: a line for each change of state and every tenth of its rows.
function rowsView(job: Job): FollowView {
  let told = 0;
  return {
    event(e) {
      if (e.type === 'status' && (e.status === 'queued' || e.status === 'running'))
        say(`job ${job.id} ${e.status}`);
      else if (e.type === 'progress' && (e.rows - told >= e.of / 10 || e.rows === e.of)) {
        told = e.rows;
        say(`scored ${e.rows}/${e.of} rows`);
      }
    },
    stop() {},
  };
}

/**
 * Waits for a followed stream to end, or for Ctrl-C ('interrupted'); either way the stream is
 * closed and its view stopped. Shared by a job's follow and a sweep's (follow-sweep.ts).
 */
export async function untilEndedOrInterrupted(
  stream: { ended: Promise<unknown>; close(): void },
  view: { stop(): void },
): Promise<'interrupted' | undefined> {
  let interrupt = () => {};
  const interrupted = new Promise<'interrupted'>((r) => {
    interrupt = () => r('interrupted');
  });
  process.once('SIGINT', interrupt);
  try {
    return (await Promise.race([stream.ended, interrupted])) === 'interrupted'
      ? 'interrupted'
      : undefined;
  } finally {
    process.off('SIGINT', interrupt);
    stream.close();
    view.stop();
  }
}

/** Follows a job to its end: 0 if it succeeded, 1 if not, 130 after Ctrl-C. */
export async function followJob(server: ServerClient, job: Job): Promise<number> {
  const view = followView(job, Boolean(process.stderr.isTTY));
  let final: JobEvent | undefined;
  const stream = server.follow(job.id, (e) => {
    view.event(e);
    if (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled' || e.type === 'pruned')
      final = e;
  });
  const outcome = await untilEndedOrInterrupted(stream, view);
  if (outcome === 'interrupted') return askToCancel(server, job.id);
  return report(job.id, final ?? finalOf(await server.job(job.id)));
}

// A finished job whose events expired (the server answers 204): its record says how it ended.
function finalOf(job: Job): JobEvent | undefined {
  const at = job.finishedAt ?? '';
  if (job.status === 'succeeded' && job.output && 'rows' in job.progress)
    return { type: 'done', rows: job.progress.rows, output: job.output, at };
  if (job.status === 'succeeded' && job.modelId && job.metrics)
    return { type: 'done', modelId: job.modelId, metrics: job.metrics, at };
  if (job.status === 'failed' && job.error) return { type: 'failed', error: job.error, at };
  if (job.status === 'cancelled')
    return { type: 'cancelled', epoch: 'epoch' in job.progress ? job.progress.epoch : 0, at };
  return undefined;
}

function report(id: string, final: JobEvent | undefined): number {
  switch (final?.type) {
    case 'done':
      if (final.output !== undefined) {
        say(`job ${id} succeeded: ${final.rows} rows scored; its CSV is at ${final.output}`);
        return 0;
      }
      say(`job ${id} succeeded: ${final.metrics ? summarize(final.metrics) : 'done'}; model:`);
      print(final.modelId ?? '');
      return 0;
    case 'failed':
      say(`job ${id} failed: ${final.error.message} (${final.error.code})`);
      return 1;
    case 'pruned':
      say(`job ${id} was pruned by its sweep at epoch ${final.epoch} (objective ${final.metric})`);
      return 1;
    case 'cancelled':
      say(
        final.rows !== undefined
          ? `job ${id} was cancelled after ${final.rows} rows`
          : `job ${id} was cancelled at epoch ${final.epoch}`,
      );
      return 1;
    default:
      say(`the event stream of job ${id} ended before the job did`);
      return 1;
  }
}

async function askToCancel(server: ServerClient, id: string): Promise<number> {
  const answer = await ask(`Cancel job ${id} on the server? [y/N] `);
  // a terminal echoed a typed answer and its newline
  if (answer === null || !process.stdin.isTTY) process.stderr.write('\n');
  if (!/^y(es)?$/i.test(answer?.trim() ?? '')) {
    say(`job ${id} goes on on the server; follow it again with: backprop status ${id} --follow`);
    return 130;
  }
  try {
    const job = await server.cancel(id);
    say(
      `job ${id} ${job.status === 'cancelled' ? 'cancelled' : `still ${job.status}: it stops within a mini-batch`}`,
    );
  } catch (error) {
    if (!(error instanceof ServerError)) throw error;
    say(`backprop: ${error.message}`); // e.g. it finished meanwhile
  }
  return 130;
}

// One line from stdin, or null at the end of input or on another Ctrl-C (both mean "no").
export function ask(question: string): Promise<string | null> {
  return new Promise((done) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    let answered = false;
    const answer = (text: string | null) => {
      if (answered) return;
      answered = true;
      process.off('SIGINT', no);
      rl.close();
      done(text);
    };
    const no = () => answer(null);
    process.on('SIGINT', no);
    rl.on('SIGINT', no);
    rl.on('close', no);
    rl.question(question, answer);
  });
}
