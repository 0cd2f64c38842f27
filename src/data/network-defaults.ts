// A job's network made whole from what it gave and its data's shape (issue 14, "Labels and
// targets"): the input width when left out, the output layer and divergence when left out, and
// the default hidden layers when the job gives no network at all.
//
// The default, two ReLU layers of 64 and 32 units, is the common shape of tabular MLPs (a wide
// first layer to mix one-hot and numeric inputs, a narrower second to combine them); small enough
// to train in seconds on thousands of rows and, with early stopping and weight decay (the
// tables' training defaults), not to overfit a few hundred. Measured against scikit-learn's
// pipeline in BENCHMARKS.md (bench/tables.ts).
import type { LayerSpec, NetworkInput, NetworkSpec } from '../spec/index.js';
import type { DataShape } from './shape.js';

export const defaultHiddenLayers: readonly LayerSpec[] = [
  { units: 64, activation: 'relu' },
  { units: 32, activation: 'relu' },
];

/** Whether the shape's targets are classes (one-hot rows of a class list). */
export function hasClasses(shape: DataShape): boolean {
  return shape.classes !== undefined && shape.targetKind === 'distribution';
}

/**
 * The network to train: `given` with its input width and, when it names no divergence, an output
 * layer matching the data appended to its hidden layers (softmax and cross_entropy for classes,
 * sigmoid and binary_cross_entropy for a single class column of 0/1, identity and l2 for numbers).
 * A width the job gave is kept, so a wrong one is reported against the data (checkShape).
 */
export function completeNetwork(given: NetworkInput | undefined, shape: DataShape): NetworkSpec {
  const inputSize = given?.inputSize ?? shape.features;
  if (given?.divergence !== undefined && given.layers && given.layers.length > 0) {
    return { inputSize, layers: given.layers, divergence: given.divergence };
  }
  const hidden = given?.layers ?? defaultHiddenLayers;
  const units = shape.outputs;
  const [output, divergence]: [LayerSpec, NetworkSpec['divergence']] = hasClasses(shape)
    ? units >= 2
      ? [{ units, activation: 'softmax' }, 'cross_entropy']
      : [{ units, activation: 'sigmoid' }, 'binary_cross_entropy']
    : [{ units, activation: 'identity' }, 'l2'];
  return { inputSize, layers: [...hidden, output], divergence };
}

/**
 * A sweep's spec with the default hidden layers written in when it gives none and a parameter
 * varies one of them (`network.layers.0.units`): the trials then vary the network a job on the
 * same data would train, and the output layer is appended to each as to any job's.
 */
export function withDefaultLayers<S extends { spec: { network?: NetworkInput } }>(
  sweep: S,
  parameterPaths: readonly string[],
): S {
  if (sweep.spec.network?.layers !== undefined) return sweep;
  if (!parameterPaths.some((path) => path.startsWith('network.layers.'))) return sweep;
  const network = { ...sweep.spec.network, layers: defaultHiddenLayers.map((l) => ({ ...l })) };
  return { ...sweep, spec: { ...sweep.spec, network } };
}
