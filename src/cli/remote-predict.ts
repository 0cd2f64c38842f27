// `backprop predict --model ID inputs`: the local predict command's inputs and output, with the
// model on the server. Reading inputs and matching columns is predict-command.ts's.
import { rowsOf } from '../data/index.js';
import { connect } from './client.js';
import { UsageError } from './io.js';
import { readInputs, selectFeatures } from './predict-command.js';
import { print, type ServerOptions } from './server-options.js';

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
