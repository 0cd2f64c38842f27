// A sweep body that runs in seconds (iris, a small network, ASHA), for the tests of sweeps on the
// service, the CLI and the dashboard; `overrides` replaces top-level fields (undefined removes).
export function irisSweep(
  overrides: Record<string, unknown> = {},
  training: Record<string, unknown> = {},
) {
  const body: Record<string, unknown> = {
    spec: {
      network: {
        inputSize: 4,
        layers: [
          { units: 8, activation: 'relu' },
          { units: 3, activation: 'softmax' },
        ],
        divergence: 'cross_entropy',
      },
      dataset: { builtin: 'iris' },
      training: {
        epochs: 18,
        batchSize: 4,
        optimizer: 'adam',
        validationSplit: 0.3,
        seed: 7,
        ...training,
      },
    },
    parameters: {
      'training.learningRate': { logUniform: [0.0003, 0.3] },
      'network.layers.0.units': { intUniform: [2, 16] },
    },
    method: 'random',
    trials: 6,
    parallel: 2,
    earlyStopping: { method: 'asha', minEpochs: 2, reductionFactor: 3 },
    ...overrides,
  };
  for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key];
  return body as Record<string, any>;
}
