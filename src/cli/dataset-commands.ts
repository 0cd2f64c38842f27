// `backprop datasets upload`: a CSV to the server, its id on stdout and its shape on stderr.
// The CSV is sent as it is; the server reads and checks it.
import type { Command } from 'commander';
import { connect, type DatasetMeta } from './client.js';
import { readText, UsageError } from './io.js';
import { print, type ServerOptions, say, withServer } from './server-options.js';

export function registerDatasetCommands(cli: Command): void {
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

export function describeShape(meta: DatasetMeta): string {
  const outputs = meta.classes
    ? `${meta.classes.length} classes (${meta.classes.join(', ')})`
    : `${meta.outputs} target${meta.outputs === 1 ? '' : 's'}`;
  return `${meta.rows} rows, ${meta.features} feature${meta.features === 1 ? '' : 's'} → ${outputs}`;
}
