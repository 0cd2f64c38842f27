import { buildApp } from '/work/main/src/api/app.js';
import { loadConfig } from '/work/main/src/config.js';
const config = loadConfig({ ...process.env, KEY_PREFIX: 'bp:probe:x', LOG_LEVEL: 'silent' });
const app = await buildApp({ config });
const base = {
  spec: { network: { inputSize: 4, layers: [{ units: 8, activation: 'relu' }, { units: 3, activation: 'softmax' }], divergence: 'cross_entropy' }, dataset: { builtin: 'iris' }, training: { epochs: 10, validationSplit: 0.2 } },
  parameters: { 'training.learningRate': { logUniform: [0.001, 0.1] } }, trials: 3,
};
const cases: [string, unknown][] = [
  ['not object', 5], ['array', []], ['no spec', { parameters: base.parameters, trials: 2 }],
  ['proto path', { ...base, parameters: { '__proto__.x': { values: [1] } } }],
  ['constructor', { ...base, parameters: { 'constructor.prototype': { values: [1] } } }],
  ['empty path', { ...base, parameters: { '': { values: [1] } } }],
  ['dots', { ...base, parameters: { 'training..x': { values: [1] } } }],
  ['uniform reversed', { ...base, parameters: { 'training.learningRate': { uniform: [0.1, 0.001] } } }],
  ['two dists', { ...base, parameters: { 'training.learningRate': { uniform: [0.001, 0.1], values: [1] } } }],
  ['string in values', { ...base, parameters: { 'training.learningRate': { values: ['x'] } } }],
  ['huge trials', { ...base, trials: 1e9 }],
  ['parallel 0', { ...base, parallel: 0 }],
  ['grid continuous', { ...base, method: 'grid' }],
  ['objective bad', { ...base, objective: { metric: 'r2' } }],
  ['asha bad', { ...base, earlyStopping: { method: 'hyperband' } }],
  ['units param float', { ...base, parameters: { 'network.layers.0.units': { uniform: [2, 9] } } }],
  ['layer index gap', { ...base, parameters: { 'network.layers.5.units': { values: [3] } } }],
  ['activation param', { ...base, parameters: { 'network.layers.0.activation': { values: ['relu', 'nope'] } } }],
  ['dataset param', { ...base, parameters: { 'dataset.builtin': { values: ['iris', 'digits'] } } }],
  ['epochs param w asha', { ...base, parameters: { 'training.epochs': { intUniform: [1, 3] } }, earlyStopping: { method: 'asha', minEpochs: 5 } }],
  ['accuracy regression', { ...base, objective: { metric: 'accuracy' }, spec: { ...base.spec, dataset: { generator: 'sine' }, network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' } } }],
  ['model bad name', { ...base, model: { name: 'has space' } }],
  ['1000 trials', { ...base, trials: 1000 }],
];
for (const [name, body] of cases) {
  const res = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: body as any });
  console.log(name, res.statusCode, res.body.slice(0, 260));
}
await app.close();
