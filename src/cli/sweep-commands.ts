// `backprop sweep sweep.json --server URL [--follow] [--json]` and `backprop sweeps list|show|
// cancel` (issue 17): a sweep sent to the server, followed, listed, shown, cancelled. Without
// --server on the command line, `sweep` runs here (sweep-command.ts; as `predict` chooses by
// --model or --server), so BACKPROP_SERVER alone never sends a sweep away. The leaderboard is follow-sweep.ts's; the HTTP part sweep-client.ts's.
import { availableParallelism } from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { connect } from './client.js';
import { followSweep, leaderboardLines } from './follow-sweep.js';
import { parseThreads, readJson, UsageError } from './io.js';
import { fixed, print, printTable, type ServerOptions, say, withServer } from './server-options.js';
import { type Sweep, sweepClient } from './sweep-client.js';
import { sweepCommand as localSweep, type SweepCommandOptions } from './sweep-command.js';

type SweepOptions = ServerOptions & { follow?: boolean; json?: boolean };

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new InvalidArgumentError('must be a whole number from 1 to 100');
  return n;
}

export function registerSweepCommands(cli: Command): void {
  withServer(cli.command('sweep'))
    .description(
      'run a hyperparameter sweep (a POST /v1/sweeps body): on this machine, its trials on worker threads, the best model written as JSON; or on a server with --server (its id printed)',
    )
    .argument('<sweep.json>', 'sweep: {spec, parameters, method, trials, objective, earlyStopping}')
    .option(
      '-f, --follow',
      'on a server: show a live leaderboard until it ends; print the best model',
    )
    .option(
      '--json',
      "print the result as JSON, as the server's GET /v1/sweeps/:id shows a sweep (on a server with --follow: as it ended)",
    )
    .option(
      '-o, --out <model.json>',
      "here: where to write the best trial's model (default: <sweep>.best.model.json beside the sweep)",
    )
    .option(
      '-t, --threads <n>',
      `here: trials training at once, one per thread (default: the sweep's parallel, at most ${availableParallelism()} here)`,
      parseThreads,
    )
    .option('-q, --quiet', 'here: print nothing but errors')
    .action(async (file: string, o: SweepOptions & SweepCommandOptions, command: Command) => {
      // on a server only when --server is on the command line (BACKPROP_SERVER alone runs here)
      if (command.getOptionValueSource('server') !== 'cli') {
        if (o.follow)
          throw new UsageError('--follow follows a sweep on a server: give --server URL');
        process.exitCode = await localSweep(file, o);
        return;
      }
      process.exitCode = await sweepCommand(file, o);
    });

  const sweeps = cli.command('sweeps').description('list, show and cancel sweeps on a server');
  withServer(sweeps.command('list'))
    .description('your sweeps, newest first')
    // the server checks the status (400 naming it: exit 2); the CLI keeps no list of its own
    .option(
      '--status <status>',
      'only sweeps in this status (running, succeeded, failed, cancelled)',
    )
    .option('--limit <n>', 'at most this many (1-100, default 20)', parseLimit)
    .option('--cursor <cursor>', 'the next page, as the previous one said')
    .option('--json', 'print the JSON answer')
    .action(
      async (
        o: ServerOptions & { status?: string; limit?: number; cursor?: string; json?: boolean },
      ) => {
        const { status, limit, cursor } = o;
        const list = await sweepClient(connect(o.server, o.apiKey)).list({ status, limit, cursor });
        if (o.json) {
          print(JSON.stringify(list));
          return;
        }
        printTable([
          ['ID', 'STATUS', 'TRIALS', 'OBJECTIVE', 'BEST', 'MODEL', 'CREATED'],
          ...list.sweeps.map((s) => [
            s.id,
            s.status,
            `${s.counts.succeeded! + s.counts.pruned! + s.counts.failed! + s.counts.cancelled!}/${s.trialCount}`,
            `${s.objective.goal} ${s.objective.metric}`,
            s.best ? `${fixed(s.best.metric)} (trial ${s.best.index})` : '-',
            s.model ? `${s.model.name}@${s.model.version}` : '-',
            s.createdAt,
          ]),
        ]);
        if (list.sweeps.length === 0) say('no sweeps');
        if (list.nextCursor) say(`more: backprop sweeps list --cursor ${list.nextCursor}`);
      },
    );
  withServer(sweeps.command('show'))
    .description("one sweep: status, counts, its trials' leaderboard, the best")
    .argument('<id>', 'the sweep id')
    .option('--json', 'print the JSON answer')
    .action(async (id: string, o: ServerOptions & { json?: boolean }) => {
      const sweep = await sweepClient(connect(o.server, o.apiKey)).get(id);
      if (o.json) print(JSON.stringify(sweep));
      else print(describeSweep(sweep));
    });
  withServer(sweeps.command('cancel'))
    .description('cancel a running sweep: no trial starts any more, running ones stop')
    .argument('<id>', 'the sweep id')
    .action(async (id: string, o: ServerOptions) => {
      const sweep = await sweepClient(connect(o.server, o.apiKey)).cancel(id);
      print(`sweep ${id} ${sweep.status}`);
    });
}

async function sweepCommand(file: string, o: SweepOptions): Promise<number> {
  const sweeps = sweepClient(connect(o.server, o.apiKey));
  const sweep = await sweeps.submit(readJson(file, 'sweep file'));
  if (o.json && !o.follow) {
    print(JSON.stringify(sweep));
    return 0;
  }
  if (!o.json) print(sweep.id);
  if (o.follow) return followSweep(sweeps, sweep, o);
  if (process.stderr.isTTY) say(`see it with: backprop sweeps show ${sweep.id}`);
  return 0;
}

function describeSweep(s: Sweep): string {
  const counts = Object.entries(s.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const fields: [string, string | undefined][] = [
    ['sweep', s.id],
    ['status', s.status],
    ['objective', `${s.objective.goal} ${s.objective.metric}`],
    ['trials', `${s.trialCount} (${s.method}, ${s.parallel} at once): ${counts}`],
    ['best', s.best ? `trial ${s.best.index}, ${fixed(s.best.metric)}` : undefined],
    ['model', s.model ? `${s.model.name}@${s.model.version}` : undefined],
    ['error', s.error],
    ['created', s.createdAt],
    ['finished', s.finishedAt],
  ];
  return [
    ...fields.filter(([, v]) => v !== undefined).map(([name, v]) => `${name.padEnd(9)} ${v}`),
    '',
    ...leaderboardLines(s),
  ].join('\n');
}
