// The data module's public surface: datasets, their CSV and built-in sources, and generators.
// Not a place for logic; import from here rather than from the individual files.

export {
  type BuiltinName,
  type BuiltinSubset,
  builtinClassNames,
  builtinNames,
  loadBuiltin,
} from './builtin.js';
export { type CsvOptions, parseCsv, parseCsvFile } from './csv.js';
export {
  type Dataset,
  fromInputs,
  fromLabels,
  fromTargets,
  maxClasses,
  maxFloat32,
  oneHot,
  rowsOf,
  subsetRows,
} from './dataset.js';
export {
  type CirclesParams,
  circles,
  type GeneratorName,
  type GeneratorParams,
  generators,
  maxSamples,
  type SineParams,
  type SpiralsParams,
  sine,
  spirals,
  type XorParams,
  xor,
} from './generators.js';
