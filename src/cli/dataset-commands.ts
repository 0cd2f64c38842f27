// `backprop datasets upload`: a dataset file to the server, its id on stdout and its shape on
// stderr (for a table, its profile: the label, the dropped rows, a line per column). The file is
// sent as it is, as CSV, JSON, NDJSON, Parquet or Arrow IPC by its extension; the server reads and checks it.
// A gzipped file (cars.csv.gz) is sent compressed, with content-encoding: gzip.
import { extname } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { type AnyDatasetMeta, connect, type DatasetMeta } from './client.js';
import { openFileBody, UsageError } from './io.js';
import { parseLimit } from './model-commands.js';
import { print, printTable, type ServerOptions, say, withServer } from './server-options.js';
import { describeTable } from './table-report.js';

const contentTypes: Record<string, string> = {
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.ndjson': 'application/x-ndjson',
  '.jsonl': 'application/x-ndjson',
  '.parquet': 'application/vnd.apache.parquet',
  '.arrow': 'application/vnd.apache.arrow.file',
  '.feather': 'application/vnd.apache.arrow.file',
  '.arrows': 'application/vnd.apache.arrow.stream',
};

interface UploadOptions extends ServerOptions {
  label?: string;
  targets?: string;
  task?: string;
  missing?: string;
}

export function registerDatasetCommands(cli: Command): void {
  const datasets = cli.command('datasets').description('datasets on the server');
  withServer(datasets.command('list'))
    .description('list your uploaded datasets, newest first: id, status, shape, created')
    .addOption(
      new Option('--status <status>', 'only those in this status').choices([
        'processing',
        'ready',
        'failed',
      ]),
    )
    .option('--limit <n>', 'at most this many (1-100, default 20)')
    .option('--cursor <cursor>', 'the next page, as the previous one said')
    .option('--json', 'print the JSON answer')
    .action(async (o: ListOptions) => {
      const query = {
        ...(o.status ? { status: o.status } : {}),
        ...(o.limit ? { limit: parseLimit(o.limit)! } : {}),
        ...(o.cursor ? { cursor: o.cursor } : {}),
      };
      const list = await connect(o.server, o.apiKey).datasets(query);
      if (o.json) {
        print(JSON.stringify(list));
        return;
      }
      printTable([
        ['ID', 'STATUS', 'SHAPE', 'CREATED'],
        ...list.datasets.map((d) => [d.id, d.status, shapeOrReason(d), d.createdAt]),
      ]);
      if (list.datasets.length === 0) say('no datasets');
      if (list.nextCursor) say(`more: backprop datasets list --cursor ${list.nextCursor}`);
    });
  withServer(datasets.command('upload'))
    .description(
      'upload a table (CSV, JSON records, NDJSON, Parquet or Arrow IPC, by extension) and print its id (its profile on stderr)',
    )
    .argument(
      '<file>',
      'a .csv with a header row, a .json list of records, .ndjson / .jsonl, .parquet, or .arrow / .feather / .arrows (Arrow IPC); gzipped: .csv.gz and so on',
    )
    .option('--label <column>', 'the column to predict (a table; none: a table for batch-predict)')
    .addOption(
      new Option('--task <task>', "the label's task, in place of the inferred one").choices([
        'classification',
        'regression',
      ]),
    )
    .option(
      '--missing <tokens>',
      'comma-separated cell values read as missing, in place of NA,N/A,NaN,null,? (blank always is)',
    )
    .option('--targets <a,b>', 'a CSV of numbers: the columns holding regression targets')
    .action(async (file: string, o: UploadOptions) => {
      const gzipped = file.toLowerCase().endsWith('.gz');
      const type = contentTypes[extname(gzipped ? file.slice(0, -3) : file).toLowerCase()];
      if (!type)
        throw new UsageError(
          `cannot tell the format of ${file}: name it .csv, .json, .ndjson, .jsonl, .parquet, .arrow, .feather or .arrows (and .gz after it when gzipped)`,
        );
      if (o.label !== undefined && o.targets !== undefined)
        throw new UsageError(
          'give one of --label COLUMN (a table: the column to predict; none: a table to score with batch-predict) or --targets a,b (a CSV of numbers: regression)',
        );
      if (o.targets !== undefined && type !== 'text/csv')
        throw new UsageError('--targets reads a CSV of numbers; for other formats give --label');
      const body = openFileBody(file, 'dataset file');
      const query = {
        label: o.label,
        task: o.task,
        missing: o.missing,
        targets: o.targets
          ?.split(',')
          .map((t) => t.trim())
          .join(','),
      };
      const encoding = gzipped ? 'gzip' : undefined;
      const meta = await connect(o.server, o.apiKey).uploadDataset(body, type, query, encoding);
      print(meta.id);
      say(describeShape(meta));
      if ('format' in meta && meta.format === 'table')
        for (const line of describeTable(meta)) say(line);
    });
}

interface ListOptions extends ServerOptions {
  status?: string;
  limit?: string;
  cursor?: string;
  json?: boolean;
}

// A ready dataset's shape; a big upload's size while it is read, or why it failed.
function shapeOrReason(d: AnyDatasetMeta): string {
  if (d.status === 'ready') return describeShape(d);
  if (d.status === 'processing') return `${d.upload.kind}, ${d.upload.bytes} bytes being read`;
  return d.error?.message ?? 'failed';
}

export function describeShape(meta: DatasetMeta): string {
  const classes = meta.classes?.slice(0, 10).join(', ');
  const more = (meta.classes?.length ?? 0) > 10 ? ', …' : '';
  const outputs = meta.classes
    ? `${meta.classes.length} classes (${classes}${more})`
    : `${meta.outputs} target${meta.outputs === 1 ? '' : 's'}`;
  return `${meta.rows} rows, ${meta.features} feature${meta.features === 1 ? '' : 's'} → ${outputs}`;
}
