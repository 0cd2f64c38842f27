// `backprop predict model.json inputs.csv|inputs.json`: prints {"outputs": [[…]], "classes": […]}
// (classes for classification models only). Inputs are raw features; the model's scaler applies.
// The model is a model's JSON (backprop train) or a downloaded model file (by its magic bytes).

import { readCsvTable } from '../data/csv-table.js';
import {
  type Dataset,
  decodeOutputs,
  fromInputs,
  parseCsv,
  rowsOf,
  transformRecords,
} from '../data/index.js';
import { argmaxRows, outputSizeOf, predict } from '../engine/index.js';
import { ValidationError } from '../errors.js';
import {
  checkWeights,
  decodeModelFile,
  isModelFile,
  type ModelDocument,
  modelFromDocument,
  modelSchema,
  parseOrThrow,
} from '../spec/index.js';
import { readBytes, readJson, readText, UsageError } from './io.js';

/** A model file as downloaded (GET /v1/models/:id/download: known by its magic bytes), or JSON. */
export function loadModelFile(path: string): ModelDocument {
  const bytes = readBytes(path, 'model file');
  if (isModelFile(bytes)) {
    try {
      return decodeModelFile(bytes);
    } catch (error) {
      if (error instanceof ValidationError)
        throw new UsageError(`model file ${path} ${error.message}`);
      throw error;
    }
  }
  const doc = parseOrThrow(modelSchema, readJson(path, 'model file'));
  const issues = checkWeights(doc.network, doc.weights);
  if (issues.length > 0) throw new ValidationError(issues);
  return doc;
}

/** Inputs to predict for: a CSV (by its name) or JSON rows, bare or as {inputs}. */
export function readInputs(path: string): Dataset {
  const text = readText(path, 'inputs file');
  if (/\.csv$/i.test(path)) return parseCsv(text);
  const json = parseInputsJson(text, path);
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
  if (doc.preprocessing && doc.target) {
    process.stdout.write(`${JSON.stringify(predictTable(doc, inputsPath))}\n`);
    return 0;
  }
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

/**
 * A table model's answers for a file of raw columns: a CSV by header name (blanks and missing
 * tokens imputed, extra columns such as the label ignored) or JSON records, bare or as
 * {records}. Classes: `outputs` the probabilities in the model's class order and `classes` the
 * predicted class per row; regression: `outputs` the predicted values in the label's units.
 * Warnings (unseen categories, unknown columns) go with the answer, as the service's do.
 */
export function predictTable(doc: ModelDocument, path: string) {
  const records = readRecords(path);
  const pre = doc.preprocessing!;
  const target = doc.target!;
  const { inputs, rows, warnings } = transformRecords(pre, records, 'rows', target.name);
  const y = predict(modelFromDocument(doc), inputs, rows);
  const extra = warnings.length > 0 ? { warnings } : {};
  if (target.task === 'regression') {
    const { predictions } = decodeOutputs(target, y, rows);
    return { outputs: predictions.map((v) => [v]), ...extra };
  }
  const { predictions, probabilities } = decodeOutputs(target, y, rows);
  return { outputs: probabilities, classes: predictions, ...extra };
}

// A CSV's rows as records by header name (a blank cell is a blank string: missing), or JSON
// records; rows are numbered from 0 in errors, as records are.
function readRecords(path: string): unknown[] {
  const text = readText(path, 'inputs file');
  if (/\.csv$/i.test(path)) {
    const { header, rows } = readCsvTable(text);
    return rows.map((row) => {
      const record: Record<string, unknown> = Object.create(null);
      header.forEach((name, c) => {
        record[name] = row[c];
      });
      return record;
    });
  }
  const json = parseInputsJson(text, path);
  const records = Array.isArray(json) ? json : (json as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) {
    throw new UsageError(
      `inputs file ${path} must hold a list of records, or {"records": [{…}, …]}`,
    );
  }
  return records;
}

// An inputs file that is not named .csv: JSON, or a usage error saying it is neither.
function parseInputsJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `inputs file ${path} is neither CSV (by its name) nor valid JSON: ${(error as Error).message}`,
    );
  }
}
