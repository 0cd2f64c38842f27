// `backprop predict --model REF inputs`: the local predict command's inputs and output, with the
// model on the server (REF: its id, NAME, NAME@VERSION or NAME@ALIAS). Reading inputs and matching columns is predict-command.ts's.
import { rowsOf } from '../data/index.js';
import { connect } from './client.js';
import { UsageError } from './io.js';
import { checkedRef } from './model-commands.js';
import { readInputs, selectFeatures } from './predict-command.js';
import { print, type ServerOptions } from './server-options.js';

/** `backprop predict --model REF inputs`: the local command's inputs and output, on the server. */
export async function remotePredictCommand(
  o: ServerOptions & { model?: string },
  files: (string | undefined)[],
): Promise<number> {
  if (!o.model)
    throw new UsageError(
      'give --model REF: the model on the server to predict with (its id, NAME, NAME@VERSION or NAME@ALIAS)',
    );
  const paths = files.filter((f): f is string => f !== undefined);
  if (paths.length !== 1)
    throw new UsageError('give one inputs file: backprop predict --model REF inputs.csv');
  const server = connect(o.server, o.apiKey);
  const path = paths[0]!;
  // the reference resolved once: the columns read and the predictions are of the same model,
  // even if its alias moves in between
  const model = await server.model(checkedRef(o.model));
  const data = selectFeatures(readInputs(path), model, path);
  print(
    JSON.stringify(await server.predict(model.id, rowsOf(data.inputs, data.rows, data.features))),
  );
  return 0;
}
