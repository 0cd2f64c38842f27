// The `backprop` commands that talk to a server, registered together: submit (and follow),
// jobs, status, cancel, datasets upload, models (list, show, alias, unalias, delete, download),
// batch-predict, sweep --server and sweeps (list, show, cancel); predict --model is called from
// main.ts's predict.
// Each lives in a file of its own; the HTTP part is client.ts.
import type { Command } from 'commander';
import { registerBatchCommand } from './batch-command.js';
import { registerDatasetCommands } from './dataset-commands.js';
import { registerJobCommands } from './job-commands.js';
import { registerModelCommands } from './model-commands.js';
import { type ServerOptions, withServer } from './server-options.js';
import { submitCommand } from './submit-command.js';
import { registerSweepCommands } from './sweep-commands.js';

export { remotePredictCommand } from './remote-predict.js';
export { type ServerOptions, withServer } from './server-options.js';

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
  registerJobCommands(cli);
  registerDatasetCommands(cli);
  registerModelCommands(cli);
  registerBatchCommand(cli);
  registerSweepCommands(cli);
}
