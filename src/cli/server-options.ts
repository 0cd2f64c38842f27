// What every `backprop` command that talks to a server shares: --server and --api-key, and
// where its output goes (ids alone on stdout lines, for scripts; the rest on stderr). It sends
// no request itself: client.ts does.
import { type Command, Option } from 'commander';

export interface ServerOptions {
  server?: string;
  apiKey?: string;
}

/** Adds --server and --api-key (defaults: BACKPROP_SERVER, BACKPROP_API_KEY) to a command. */
export function withServer(command: Command): Command {
  return command
    .addOption(
      new Option('--server <url>', 'the service, e.g. http://127.0.0.1:3000').env(
        'BACKPROP_SERVER',
      ),
    )
    .addOption(
      new Option(
        '--api-key <key>',
        'sent as Authorization: Bearer (none: a development server)',
      ).env('BACKPROP_API_KEY'),
    );
}

/** A line on stderr: progress, summaries, hints. */
export const say = (line: string) => process.stderr.write(`${line}\n`);
/** A line on stdout: ids and answers, which scripts capture. */
export const print = (line: string) => process.stdout.write(`${line}\n`);
export const fixed = (n: number | null | undefined) => (n == null ? '-' : n.toFixed(6));

/** Rows of cells (the first the header) on stdout, each column padded to its widest cell. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows)
    print(
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    );
}
