// `backprop models download ID`: a model on the server to a local model file (the native format,
// README "The model file"), which `backprop predict FILE inputs.csv` runs with no server. The
// file is checked before it is written, and written whole or not at all.
import type { Command } from 'commander';
import { decodeModelFile } from '../spec/index.js';
import { connect } from './client.js';
import { writeFileAtomic } from './io.js';
import { print, type ServerOptions, say, withServer } from './server-options.js';

export function registerModelCommands(cli: Command): void {
  withServer(cli.command('models').description('models on the server').command('download'))
    .description('download a model as one file that backprop predict runs locally')
    .argument('<id>', 'the model id')
    .option('-o, --out <file>', 'where to write it (default: <id>.bpmodel here)')
    .action(async (id: string, o: ServerOptions & { out?: string }) => {
      const bytes = await connect(o.server, o.apiKey).downloadModel(id);
      const doc = decodeModelFile(bytes); // a damaged download is refused, not written
      const path = o.out ?? `${id}.bpmodel`;
      writeFileAtomic(path, bytes);
      print(path);
      say(
        `${bytes.length} bytes: ${doc.network.inputSize} inputs, ${doc.network.layers.length} layers`,
      );
    });
}
