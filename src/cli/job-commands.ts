// `backprop jobs`, `status` and `cancel`: a job list as a table, one job described field by
// field, a cancel request. Following a job (status --follow) is follow-job.ts.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { jobStatuses } from '../spec/index.js';
import { connect, type Job } from './client.js';
import { evaluationReport } from './evaluation-report.js';
import { followJob, summarize } from './follow-job.js';
import { fixed, print, printTable, type ServerOptions, say, withServer } from './server-options.js';

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new InvalidArgumentError('must be a whole number from 1 to 100');
  return n;
}

type JobsOptions = ServerOptions & {
  status?: string;
  sweep?: string;
  limit?: number;
  cursor?: string;
  json?: boolean;
};

export function registerJobCommands(cli: Command): void {
  withServer(cli.command('jobs'))
    .description('list your jobs, newest first')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(jobStatuses))
    .option('--sweep <id>', "only this sweep's trials")
    .option('--limit <n>', 'at most this many (1-100, default 20)', parseLimit)
    .option('--cursor <cursor>', 'the next page, as the previous one said')
    .option('--json', 'print the JSON answer')
    .action(async (o: JobsOptions) => {
      process.exitCode = await jobsCommand(o);
    });
  withServer(cli.command('status'))
    .description("one job's status, spec, progress and outcome")
    .argument('<id>', 'the job id')
    .option('--json', 'print the JSON answer')
    .option('-f, --follow', 'show its progress until it ends; print the model id')
    .action(async (id: string, o: ServerOptions & { json?: boolean; follow?: boolean }) => {
      const server = connect(o.server, o.apiKey);
      const job = await server.job(id);
      if (o.follow) process.exitCode = await followJob(server, job);
      else if (o.json) print(JSON.stringify(job));
      else {
        print(describeJob(job));
        // a finished job's model: its held-out evaluation, as `backprop train` prints it
        const evaluation = job.modelId ? (await server.model(job.modelId)).evaluation : undefined;
        if (evaluation)
          print(['evaluation', ...evaluationReport(evaluation).map((l) => `  ${l}`)].join('\n'));
      }
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
}

async function jobsCommand(o: JobsOptions): Promise<number> {
  const list = await connect(o.server, o.apiKey).jobs({
    status: o.status,
    sweepId: o.sweep,
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
      'epoch' in j.progress
        ? `${j.progress.epoch}/${j.progress.epochs}`
        : `${j.progress.rows}/${j.progress.of} rows`,
      'epoch' in j.progress ? fixed(j.progress.error) : '',
      j.createdAt,
    ]),
  ];
  printTable(rows);
  if (list.jobs.length === 0) say('no jobs');
  if (list.nextCursor) say(`more: backprop jobs --cursor ${list.nextCursor}`);
  return 0;
}

function describeJob(j: Job): string {
  const head: [string, string | undefined][] = [
    ['job', j.id],
    ['status', `${j.status}${j.cancelRequested && j.status === 'running' ? ' (cancelling)' : ''}`],
  ];
  const tail: [string, string | undefined][] = [
    ['error', j.error && `${j.error.message} (${j.error.code})`],
    ['created', j.createdAt],
    ['started', j.startedAt],
    ['finished', j.finishedAt],
  ];
  const fields = [...head, ...kindFields(j), ...tail];
  return fields
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name.padEnd(9)} ${value}`)
    .join('\n');
}

// What a training job and a batch-predictions job each show besides their status and times.
function kindFields(j: Job): [string, string | undefined][] {
  const spec = j.spec;
  const p = j.progress;
  if ('kind' in spec && spec.kind === 'awaiting-dataset') {
    return [
      ['kind', j.kind],
      ['dataset', `${spec.dataset.id} (still being read: the job starts once it is ready)`],
    ];
  }
  if ('kind' in spec || !('epoch' in p)) {
    const rows = 'rows' in p ? `${p.rows}/${p.of} rows scored` : undefined;
    const model = 'kind' in spec ? `${spec.model.ref} (${spec.model.id})` : undefined;
    return [
      ['kind', j.kind],
      ['model', model],
      ['dataset', JSON.stringify(spec.dataset)],
      ['progress', rows],
      ['output', j.output],
    ];
  }
  const { network: n, training: t, dataset } = spec;
  return [
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
    ['model', j.modelId],
  ];
}
