// `backprop predict model.json inputs.csv|inputs.json`: prints {"outputs": [[…]], "classes": […]}
// (classes for classification models only). Inputs are raw features; the model's scaler applies.

import { type Dataset, fromInputs, parseCsv, rowsOf } from '../data/index.js';
import { argmaxRows, outputSizeOf, predict } from '../engine/index.js';
import { ValidationError } from '../errors.js';
import {
  checkWeights,
  type ModelDocument,
  modelFromDocument,
  modelSchema,
  parseOrThrow,
} from '../spec/index.js';
import { readJson, readText, UsageError } from './io.js';

export function loadModelFile(path: string): ModelDocument {
  const doc = parseOrThrow(modelSchema, readJson(path, 'model file'));
  const issues = checkWeights(doc.network, doc.weights);
  if (issues.length > 0) throw new ValidationError(issues);
  return doc;
}

/** Inputs to predict for: a CSV (by its name) or JSON rows, bare or as {inputs}. */
export function readInputs(path: string): Dataset {
  const text = readText(path, 'inputs file');
  if (/\.csv$/i.test(path)) return parseCsv(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `inputs file ${path} is neither CSV (by its name) nor valid JSON: ${(error as Error).message}`,
    );
  }
  const rows = Array.isArray(json) ? json : (json as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    throw new UsageError(`inputs file ${path} must hold a list of rows, or {"inputs": [[…], …]}`);
  }
  return fromInputs(rows as unknown[][]);
}

// A CSV whose header names the model's features (in any order, extra columns such as a label
// allowed) is read by name; anything else must be exactly the model's width.
export function selectFeatures(
  data: Dataset,
  doc: { featureNames?: string[] | undefined; network: { inputSize: number } },
  path: string,
): Dataset {
  const want = doc.featureNames;
  const have = data.featureNames;
  if (want && have && want.every((n) => have.includes(n)) && have.length !== want.length) {
    const columns = want.map((n) => have.indexOf(n));
    const inputs = new Float32Array(data.rows * want.length);
    for (let r = 0; r < data.rows; r++) {
      columns.forEach(
        (c, i) => (inputs[r * want.length + i] = data.inputs[r * data.features + c]!),
      );
    }
    return { ...data, features: want.length, inputs, featureNames: [...want] };
  }
  const width = doc.network.inputSize;
  if (data.features !== width) {
    const names = want ? ` (${want.join(', ')})` : '';
    throw new UsageError(
      `${path} has ${data.features} feature columns but the model expects ${width}${names}`,
    );
  }
  return data;
}

export function predictCommand(modelPath: string, inputsPath: string): number {
  const doc = loadModelFile(modelPath);
  const data = selectFeatures(readInputs(inputsPath), doc, inputsPath);
  const model = modelFromDocument(doc);
  const n = outputSizeOf(doc.network);
  const outputs = predict(model, data.inputs, data.rows);
  const result: { outputs: number[][]; classes?: (string | number)[] } = {
    outputs: rowsOf(outputs, data.rows, n),
  };
  if (doc.classes) {
    const classes = doc.classes;
    result.classes = Array.from(argmaxRows(outputs, data.rows, n), (i) => classes[i]!);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}
