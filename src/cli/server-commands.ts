// The `backprop` commands that talk to a server: submit (and follow), jobs, status, cancel,
// datasets upload, and predict --model. Ids go to stdout, alone on their lines, so scripts can
// capture them; progress and summaries go to stderr. The HTTP part is in client.ts.
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { rowsOf } from '../data/index.js';
import { baseDirOf } from '../data/resolve.js';
import { csvSchema, type ModelMetrics, parseOrThrow } from '../spec/index.js';
import { type JobEvent, jobStatuses } from '../store/events.js';
import { connect, type DatasetMeta, type Job, type ServerClient, ServerError } from './client.js';
import { readJson, readText, UsageError } from './io.js';
import { readInputs, selectFeatures } from './predict-command.js';
import { formatEpoch } from './progress.js';

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

const say = (line: string) => process.stderr.write(`${line}\n`);
const print = (line: string) => process.stdout.write(`${line}\n`);
const fixed = (n: number | null | undefined) => (n == null ? '-' : n.toFixed(6));

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new InvalidArgumentError('must be a whole number from 1 to 100');
  return n;
}

export function registerServerCommands(cli: Command): void {
  withServer(cli.command('submit'))
    .description('submit a job spec to the server and print the job id')
    .argument('<job.json>', 'job spec; a {csv: path} dataset is uploaded first')
    .option('-f, --follow', 'show its progress until it ends; print the model id')
    .option('--idempotency-key <key>', 'a retry with the same key returns the same job')
    .action(
      async (file: string, o: ServerOptions & { follow?: boolean; idempotencyKey?: string }) => {
        process.exitCode = await submitCommand(file, o);
      },
    );
  withServer(cli.command('jobs'))
    .description('list your jobs, newest first')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(jobStatuses))
    .option('--limit <n>', 'at most this many (1-100, default 20)', parseLimit)
    .option('--cursor <cursor>', 'the next page, as the previous one said')
    .option('--json', 'print the JSON answer')
    .action(
      async (
        o: ServerOptions & { status?: string; limit?: number; cursor?: string; json?: boolean },
      ) => {
        process.exitCode = await jobsCommand(o);
      },
    );
  withServer(cli.command('status'))
    .description("one job's status, spec, progress and outcome")
    .argument('<id>', 'the job id')
    .option('--json', 'print the JSON answer')
    .option('-f, --follow', 'show its progress until it ends; print the model id')
    .action(async (id: string, o: ServerOptions & { json?: boolean; follow?: boolean }) => {
      const server = connect(o.server, o.apiKey);
      const job = await server.job(id);
      if (o.follow) process.exitCode = await followJob(server, job);
      else print(o.json ? JSON.stringify(job) : describeJob(job));
    });
  withServer(cli.command('cancel'))
    .description('cancel a queued or running job')
    .argument('<id>', 'the job id')
    .action(async (id: string, o: ServerOptions) => {
      const job = await connect(o.server, o.apiKey).cancel(id);
      print(
        `job ${id} ${job.status === 'cancelled' ? 'cancelled' : `still ${job.status}: it stops within a mini-batch`}`,
      );
    });
  withServer(cli.command('datasets').description('datasets on the server').command('upload'))
    .description('upload a CSV dataset and print its id (its shape on stderr)')
    .argument('<file.csv>', 'a CSV with a header row')
    .option('--label <column>', 'the column holding the class (classification)')
    .option('--targets <a,b>', 'the columns holding the targets (regression)')
    .action(async (file: string, o: ServerOptions & { label?: string; targets?: string }) => {
      if ((o.label === undefined) === (o.targets === undefined))
        throw new UsageError(
          'give one of --label COLUMN (classification) or --targets a,b (regression)',
        );
      const targets = o.targets?.split(',').map((t) => t.trim());
      const meta = await connect(o.server, o.apiKey).uploadCsv(readText(file, 'dataset file'), {
        ...(o.label !== undefined ? { label: o.label } : {}),
        ...(targets ? { targets } : {}),
      });
      print(meta.id);
      say(describeShape(meta));
    });
}

async function submitCommand(
  file: string,
  o: ServerOptions & { follow?: boolean; idempotencyKey?: string },
): Promise<number> {
  const server = connect(o.server, o.apiKey);
  const { spec, datasetId } = await uploadLocalCsv(server, readJson(file, 'job file'), file);
  let submitted: Awaited<ReturnType<ServerClient['submitJob']>>;
  try {
    submitted = await server.submitJob(spec, o.idempotencyKey);
  } catch (error) {
    // the spec was refused: the dataset uploaded for it would be left behind
    if (datasetId && error instanceof ServerError && error.exitCode === 2)
      await server.deleteDataset(datasetId).catch(() => {});
    throw error;
  }
  const { job, created } = submitted;
  print(job.id);
  if (!created)
    say(`an earlier submission with this idempotency key: job ${job.id}, ${job.status}`);
  if (o.follow) return followJob(server, job);
  if (process.stderr.isTTY) say(`follow it with: backprop status ${job.id} --follow`);
  return 0;
}

// A {csv: path} dataset names a file on this machine: upload it and submit with its id.
async function uploadLocalCsv(
  server: ServerClient,
  spec: unknown,
  file: string,
): Promise<{ spec: unknown; datasetId?: string }> {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(spec) || !isObject(spec.dataset) || !('csv' in spec.dataset)) return { spec };
  const csv = parseOrThrow(csvSchema, spec.dataset, 'dataset');
  const path = resolve(baseDirOf(file), csv.csv);
  const meta = await server.uploadCsv(readText(path, 'dataset file'), csv);
  say(`uploaded ${csv.csv} as dataset ${meta.id}: ${describeShape(meta)}`);
  return { spec: { ...spec, dataset: { id: meta.id } }, datasetId: meta.id };
}

async function jobsCommand(
  o: ServerOptions & { status?: string; limit?: number; cursor?: string; json?: boolean },
): Promise<number> {
  const list = await connect(o.server, o.apiKey).jobs({
    status: o.status,
    limit: o.limit,
    cursor: o.cursor,
  });
  if (o.json) {
    print(JSON.stringify(list));
    return 0;
  }
  const rows = [
    ['ID', 'STATUS', 'EPOCH', 'ERROR', 'CREATED'],
    ...list.jobs.map((j) => [
      j.id,
      j.status,
      `${j.progress.epoch}/${j.progress.epochs}`,
      fixed(j.progress.error),
      j.createdAt,
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows)
    print(
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    );
  if (list.jobs.length === 0) say('no jobs');
  if (list.nextCursor) say(`more: backprop jobs --cursor ${list.nextCursor}`);
  return 0;
}

function summarize(m: ModelMetrics): string {
  const accuracy = m.accuracy !== undefined ? `, accuracy ${(100 * m.accuracy).toFixed(1)}%` : '';
  return `${m.epochs} epochs (${m.stopReason}), error ${fixed(m.error)}${accuracy}`;
}

function describeShape(meta: DatasetMeta): string {
  const outputs = meta.classes
    ? `${meta.classes.length} classes (${meta.classes.join(', ')})`
    : `${meta.outputs} target${meta.outputs === 1 ? '' : 's'}`;
  return `${meta.rows} rows, ${meta.features} feature${meta.features === 1 ? '' : 's'} → ${outputs}`;
}

function describeJob(j: Job): string {
  const { network: n, training: t, dataset } = j.spec;
  const p = j.progress;
  const fields: [string, string | undefined][] = [
    ['job', j.id],
    ['status', `${j.status}${j.cancelRequested && j.status === 'running' ? ' (cancelling)' : ''}`],
    [
      'network',
      `${n.inputSize}-${n.layers.map((l) => l.units).join('-')} (${n.layers.map((l) => l.activation).join(', ')}), ${n.divergence}`,
    ],
    ['dataset', JSON.stringify(dataset)],
    [
      'training',
      `${t.optimizer}, learning rate ${t.learningRate}, batch ${t.batchSize}, up to ${t.epochs} epochs, seed ${j.seed}`,
    ],
    ['progress', `epoch ${p.epoch}/${p.epochs}, error ${fixed(p.error)}`],
    ['metrics', j.metrics && summarize(j.metrics)],
    ['error', j.error && `${j.error.message} (${j.error.code})`],
    ['model', j.modelId],
    ['created', j.createdAt],
    ['started', j.startedAt],
    ['finished', j.finishedAt],
  ];
  return fields
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name.padEnd(9)} ${value}`)
    .join('\n');
}

interface FollowView {
  event(e: JobEvent): void;
  stop(): void;
}

// A bar on a terminal; otherwise a line for the first, the last and every Nth epoch (N: about
// twenty lines in all), and a line for each change of state.
function followView(job: Job, tty: boolean): FollowView {
  const epochs = job.progress.epochs;
  if (tty) {
    const bar = new SingleBar({
      format: `job ${job.id} [{bar}] {value}/{total} epochs | error {error} | ETA {eta_formatted}`,
      hideCursor: true,
      stream: process.stderr,
    });
    bar.start(epochs, job.progress.epoch, { error: fixed(job.progress.error) });
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

/** Follows a job to its end: 0 if it succeeded, 1 if not, 130 after Ctrl-C. */
async function followJob(server: ServerClient, job: Job): Promise<number> {
  const view = followView(job, Boolean(process.stderr.isTTY));
  let final: JobEvent | undefined;
  const stream = server.follow(job.id, (e) => {
    view.event(e);
    if (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled') final = e;
  });
  let interrupt = () => {};
  const interrupted = new Promise<'interrupted'>((r) => {
    interrupt = () => r('interrupted');
  });
  process.once('SIGINT', interrupt);
  let outcome: 'interrupted' | undefined;
  try {
    outcome = (await Promise.race([stream.ended, interrupted])) || undefined;
  } finally {
    process.off('SIGINT', interrupt);
    stream.close();
    view.stop();
  }
  if (outcome === 'interrupted') return askToCancel(server, job.id);
  switch (final?.type) {
    case 'done':
      say(`job ${job.id} succeeded: ${summarize(final.metrics)}; model:`);
      print(final.modelId);
      return 0;
    case 'failed':
      say(`job ${job.id} failed: ${final.error.message} (${final.error.code})`);
      return 1;
    case 'cancelled':
      say(`job ${job.id} was cancelled at epoch ${final.epoch}`);
      return 1;
    default:
      say(`the event stream of job ${job.id} ended before the job did`);
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
function ask(question: string): Promise<string | null> {
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

/** `backprop predict --model ID inputs`: the local command's inputs and output, on the server. */
export async function remotePredictCommand(
  o: ServerOptions & { model?: string },
  files: (string | undefined)[],
): Promise<number> {
  if (!o.model) throw new UsageError('give --model ID: the model on the server to predict with');
  const paths = files.filter((f): f is string => f !== undefined);
  if (paths.length !== 1)
    throw new UsageError('give one inputs file: backprop predict --model ID inputs.csv');
  const server = connect(o.server, o.apiKey);
  const path = paths[0]!;
  const data = selectFeatures(readInputs(path), await server.model(o.model), path);
  print(
    JSON.stringify(await server.predict(o.model, rowsOf(data.inputs, data.rows, data.features))),
  );
  return 0;
}
