// `backprop grad case.json`: one forward and backward pass over a small batch, printed in the
// fixtures' conventions ({outputs, err, gradients: [{W, b}], gradZ}). A teaching tool: the
// notes' per-layer gradients for any small network, from the engine that trains.
import { z } from 'zod';
import { fromTargets, rowsOf } from '../data/index.js';
import {
  backward,
  batchError,
  createNetwork,
  createWorkspace,
  forward,
  outputSizeOf,
  rowsSumToOne,
  zeroGradients,
} from '../engine/index.js';
import { type Issue, ValidationError } from '../errors.js';
import {
  checkWeights,
  networkSchema,
  parseOrThrow,
  weightsFromJson,
  weightsSchema,
  weightsToJson,
} from '../spec/index.js';
import { readJson } from './io.js';

// The fixture format (test/fixtures/README.md); other keys, such as expected values, are ignored.
const caseSchema = z.object({
  network: networkSchema,
  weights: weightsSchema,
  inputs: z.array(z.array(z.unknown())),
  targets: z.array(z.array(z.unknown())),
});

export function gradCommand(casePath: string): number {
  const c = parseOrThrow(caseSchema, readJson(casePath, 'case file'));
  const issues: Issue[] = checkWeights(c.network, c.weights);
  let data: ReturnType<typeof fromTargets> | undefined;
  try {
    data = fromTargets(c.inputs, c.targets);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...error.issues);
  }
  if (data && data.features !== c.network.inputSize) {
    issues.push({
      path: 'inputs',
      message: `rows have ${data.features} values but network.inputSize is ${c.network.inputSize}`,
    });
  }
  const nOut = outputSizeOf(c.network);
  if (data && data.outputs !== nOut) {
    issues.push({
      path: 'targets',
      message: `rows have ${data.outputs} values but the network gives ${nOut} outputs`,
    });
  }
  if (issues.length > 0 || !data) throw new ValidationError(issues);

  const T = data.rows;
  const params = weightsFromJson(c.weights);
  const fuseOutput =
    c.network.divergence !== 'cross_entropy' || rowsSumToOne(data.targets, T, nOut);
  const network = createNetwork(c.network, params, { fuseOutput });
  const ws = createWorkspace(network, T);
  zeroGradients(ws);
  const y = forward(network, ws, data.inputs, T);
  const err = batchError(network, ws, data.targets, T) / T;
  backward(network, ws, data.inputs, data.targets, T, 1 / T);
  const result = {
    outputs: rowsOf(y, T, nOut),
    err,
    gradients: weightsToJson(c.network, { W: ws.dW, b: ws.db }),
    gradZ: network.layers.map((l, k) => rowsOf(ws.dZ[k]!, T, l.units)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}
