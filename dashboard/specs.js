// The spec the editor starts from: a small network that trains in seconds on the chosen data.
const training = { optimizer: 'adam', validationSplit: 0.2 };

const builtins = {
  iris: {
    network: {
      inputSize: 4,
      layers: [
        { units: 16, activation: 'relu' },
        { units: 3, activation: 'softmax' },
      ],
      divergence: 'cross_entropy',
    },
    dataset: { builtin: 'iris', subset: 'train' },
    training: { epochs: 200, batchSize: 16, learningRate: 0.01, ...training },
  },
  digits: {
    network: {
      inputSize: 64,
      layers: [
        { units: 64, activation: 'relu' },
        { units: 10, activation: 'softmax' },
      ],
      divergence: 'cross_entropy',
    },
    dataset: { builtin: 'digits', subset: 'train' },
    training: { epochs: 30, batchSize: 32, learningRate: 0.001, ...training },
  },
};

// the output layer each kind of target wants (classes one-hot, targets in [0, 1], real values)
const outputFor = {
  distribution: { activation: 'softmax', divergence: 'cross_entropy' },
  unit: { activation: 'sigmoid', divergence: 'binary_cross_entropy' },
  real: { activation: 'identity', divergence: 'l2' },
};

/** {builtin: 'iris' | 'digits'} or {uploaded: the dataset's metadata from POST /v1/datasets}. */
export function suggestedSpec({ builtin, uploaded }) {
  if (builtin) return structuredClone(builtins[builtin]);
  const output = outputFor[uploaded.targetKind] ?? outputFor.real;
  return {
    network: {
      inputSize: uploaded.features,
      layers: [
        { units: 16, activation: 'relu' },
        { units: uploaded.outputs, activation: output.activation },
      ],
      divergence: output.divergence,
    },
    dataset: { id: uploaded.id },
    training: { epochs: 100, batchSize: 32, learningRate: 0.01, ...training },
  };
}
