// The data module's public surface: datasets, their CSV and built-in sources, and generators.
// Not a place for logic; import from here rather than from the individual files.

export {
  type BuiltinName,
  type BuiltinSubset,
  builtinClassNames,
  builtinNames,
  loadBuiltin,
} from './builtin.js';
export { type ColumnProfile, type ColumnType, columnTypes } from './column-profile.js';
export { type CsvOptions, parseCsv, parseCsvFile } from './csv.js';
export {
  type DataRows,
  type Dataset,
  fromInputs,
  fromLabels,
  fromTargets,
  maxFloat32,
  readLabelled,
  rowsOf,
  subsetRows,
} from './dataset.js';
export { foldsStream, stratifiedFolds } from './folds.js';
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
export { type Task, tasks } from './label-task.js';
export { maxClasses, oneHot, oneHotTooLarge, withTargets } from './labels.js';
export { defaultMissingTokens } from './missing.js';
export { fitPreprocessor, fitTarget } from './preprocess/fit.js';
export { type PlanSpec, planTable } from './preprocess/plan.js';
export {
  type PreparedTable,
  type PrepareOptions,
  prepareTable,
} from './preprocess/prepare.js';
export { type TestSplit, testSplitOf, testSplitStream } from './preprocess/split.js';
export {
  type ClassAnswers,
  decodeOutputs,
  type RecordInputs,
  transformRecords,
  transformTable,
  type ValueAnswers,
} from './preprocess/transform.js';
export type {
  ColumnPlan,
  ColumnStep,
  PreprocessOptions,
  Preprocessor,
  TablePlan,
  TargetEncoding,
} from './preprocess/types.js';
export {
  type LabelProfile,
  type ProfileOptions,
  profileTable,
  type TableProfile,
} from './profile.js';
export { type Cell, type Table, tableFromRecords } from './table.js';
