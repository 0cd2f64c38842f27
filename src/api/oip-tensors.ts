// The Open Inference Protocol v2's tensors for our models: the request and response schemas,
// reading the one input tensor into rows (checked against the model), and writing the output
// tensors. Not here: the routes (routes/inference-v2.ts).
import { z } from 'zod';
import { argmaxRows, outputSizeOf } from '../engine/index.js';
import {
  hasOnly,
  isCount,
  isListOf,
  isObject,
  isString,
  optional,
  trustedResponse,
  withFastCheck,
} from './fast-path.js';
import {
  checkRowCount,
  expectedWidth,
  Issues,
  inputName,
  readRow,
  shown,
  valueProblem,
} from './predict.js';
import type { CachedModel } from './services.js';
import { classesOf, type TableAnswer } from './table-predict.js';

// A model trained on a numeric matrix has one input tensor, [-1, D0]; one trained on a table has
// one per column (oip-columns.ts). Every model has one output, [-1, K]: the probabilities in the
// order of its class list, or the predicted values (a table regressor's in its target's units);
// a classifier also answers its arg-max class per row as `class` (INT64 for numeric classes,
// else BYTES, i.e. strings).
export const outputName = 'output';
export const className = 'class';

// https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol

const parameters = z.record(z.string(), z.unknown()).optional();
export const tensorMeta = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(z.number().int()),
});
// JSON carries every numeric datatype as numbers; the model computes in FP32 whatever comes.
export const numericDatatype = /^(FP(16|32|64)|U?INT(8|16|32|64))$/;

const inferRequest = z
  .strictObject({
    id: z.string().optional(),
    parameters,
    inputs: z
      .array(
        z.strictObject({
          name: z.string(),
          shape: z.array(z.number().int().min(0)),
          datatype: z.string(),
          parameters,
          data: z
            .array(z.unknown())
            .describe('row-major: flat, or nested as rows of the shape (both are in the spec)'),
        }),
      )
      .min(1, 'needs the input tensor'),
    outputs: z.array(z.strictObject({ name: z.string(), parameters })).optional(),
  })
  .meta({
    id: 'InferRequest',
    description: `One input tensor (any name) of shape [rows, D0], datatype FP32; or, for a model trained on a table, one input per column named as the column, shape [rows] or [rows, 1]: numbers as FP32 (FP64, INT types too), strings (categories, ISO dates) as BYTES, booleans as BOOL, a missing cell as null (or "" in BYTES), a column left out missing in every row (GET /v2/models/ID lists the inputs). Outputs "${outputName}" and, for classifiers, "${className}"`,
    examples: [
      {
        id: '42',
        inputs: [
          {
            name: inputName,
            shape: [2, 4],
            datatype: 'FP32',
            data: [5.1, 3.5, 1.4, 0.2, 6.7, 3, 5.2, 2.3],
          },
        ],
        outputs: [{ name: outputName }],
      },
    ],
  });

export // What inferRequest accepts unchanged, checked by hand for the common request (fast-path.ts).
const isParameters = (v: unknown) => optional(v, isObject);
const isInput = (v: unknown) =>
  isObject(v) &&
  hasOnly(v, ['name', 'shape', 'datatype', 'parameters', 'data']) &&
  isString(v.name) &&
  isListOf(v.shape, isCount) &&
  isString(v.datatype) &&
  isParameters(v.parameters) &&
  Array.isArray(v.data);
const isOutput = (v: unknown) =>
  isObject(v) &&
  hasOnly(v, ['name', 'parameters']) &&
  isString(v.name) &&
  isParameters(v.parameters);

export const inferRequestSchema = withFastCheck(
  inferRequest,
  (v) =>
    isObject(v) &&
    hasOnly(v, ['id', 'parameters', 'inputs', 'outputs']) &&
    optional(v.id, isString) &&
    isParameters(v.parameters) &&
    isListOf(v.inputs, isInput) &&
    (v.inputs as unknown[]).length > 0 &&
    optional(v.outputs, (o) => isListOf(o, isOutput)),
);

export const inferResponseSchema = trustedResponse(
  z
    .object({
      model_name: z.string(),
      model_version: z
        .string()
        .optional()
        .describe('the version of a named model that answered (a reference resolves to one)'),
      id: z.string().optional(),
      parameters: z
        .object({ warnings: z.array(z.string()) })
        .optional()
        .describe(
          'table models, when there are any: unseen categories (read as "other") named at their tensor',
        ),
      outputs: z.array(tensorMeta.extend({ data: z.array(z.union([z.number(), z.string()])) })),
    })
    .meta({ id: 'InferResponse' }),
);

/** The model's output tensors, shapes with -1 for the batch (worked out once per cached model). */
export function outputsOf(cached: CachedModel): z.infer<typeof tensorMeta>[] {
  let outputs = outputsByModel.get(cached);
  if (outputs) return outputs;
  const classes = classesOf(cached.doc);
  outputs = [{ name: outputName, datatype: 'FP32', shape: [-1, outputSizeOf(cached.model.shape)] }];
  if (classes) {
    const numeric = classes.every((c) => typeof c === 'number');
    outputs.push({ name: className, datatype: numeric ? 'INT64' : 'BYTES', shape: [-1] });
  }
  outputsByModel.set(cached, outputs);
  return outputs;
}

const outputsByModel = new WeakMap<CachedModel, z.infer<typeof tensorMeta>[]>();

type OutputTensor = z.infer<typeof inferResponseSchema>['outputs'][number];

/** The output tensors of `rows` rows by name: outputs row-major, and the arg-max class. */
export function outputTensors(
  cached: CachedModel,
  y: Float32Array,
  rows: number,
): Record<string, OutputTensor> {
  const n = outputSizeOf(cached.model.shape);
  const outputs: number[] = new Array(rows * n);
  for (let i = 0; i < rows * n; i++) outputs[i] = y[i]!;
  const tensors: Record<string, OutputTensor> = {
    [outputName]: { name: outputName, datatype: 'FP32', shape: [rows, n], data: outputs },
  };
  const classes = classesOf(cached.doc);
  const meta = outputsOf(cached)[1]; // the class tensor, for classifiers
  if (classes && meta) {
    const bytes = meta.datatype === 'BYTES';
    const best = argmaxRows(y, rows, n);
    const data: (number | string)[] = new Array(rows);
    for (let r = 0; r < rows; r++) data[r] = bytes ? String(classes[best[r]!]) : classes[best[r]!]!;
    tensors[className] = { name: className, datatype: meta.datatype, shape: [rows], data };
  }
  return tensors;
}

/** A table model's answer as output tensors by name (its outputs already decoded). */
export function answerTensors(
  cached: CachedModel,
  { outputs, classes }: TableAnswer,
): Record<string, OutputTensor> {
  const rows = outputs.length;
  const n = outputSizeOf(cached.model.shape);
  const tensors: Record<string, OutputTensor> = {
    [outputName]: { name: outputName, datatype: 'FP32', shape: [rows, n], data: outputs.flat() },
  };
  const meta = outputsOf(cached)[1];
  if (classes && meta) {
    const data = meta.datatype === 'BYTES' ? classes.map(String) : classes;
    tensors[className] = { name: className, datatype: meta.datatype, shape: [rows], data };
  }
  return tensors;
}

type InferInput = z.infer<typeof inferRequest>['inputs'][number];

/** The input tensor's rows, flat, after checking its datatype, shape and data against the model. */
export function readInput(input: InferInput, cached: CachedModel, maxRows: number) {
  const at = 'inputs.0';
  const width = cached.model.shape.inputSize;
  const issues = new Issues();
  const { datatype, shape, data } = input;
  if (!numericDatatype.test(datatype))
    issues.add(
      `${at}.datatype`,
      `is ${shown(datatype)}; send FP32 (FP64 and INT types are taken too)`,
    );
  if (shape.length !== 2) {
    issues.add(`${at}.shape`, `is [${shape.join(', ')}]; send [rows, ${width}]: a batch of rows`);
  } else {
    if (shape[1] !== width)
      issues.add(`${at}.shape.1`, `is ${shape[1]}; the model expects ${expectedWidth(cached)}`);
    checkRowCount(shape[0]!, maxRows, `${at}.shape.0`, issues);
  }
  issues.throwIfAny();
  const rows = shape[0]!;
  const kind = { integer: datatype.includes('INT'), unsigned: datatype.startsWith('U') };
  const nested = data.length > 0 && data.every(Array.isArray);
  let x: number[] | Float32Array = [];
  if (nested && data.length !== rows) {
    issues.add(`${at}.data`, `has ${data.length} rows; its shape says ${rows}`);
  } else if (nested) {
    const read: number[] = [];
    data.forEach((row, r) => readRow(read, row, `${at}.data.${r}`, cached, issues, kind));
    x = read;
  } else if (data.length !== rows * width) {
    issues.add(
      `${at}.data`,
      `has ${data.length} values; shape [${rows}, ${width}] needs ${rows * width}`,
    );
  } else {
    const flat = new Float32Array(data.length); // straight into the model's input
    for (let i = 0; i < data.length; i++) {
      const why = valueProblem(data[i], kind);
      if (why) issues.add(`${at}.data.${i}`, why);
      else flat[i] = data[i] as number;
    }
    x = flat;
  }
  issues.throwIfAny();
  const rowIssue = nested
    ? (r: number, message: string) => ({ path: `${at}.data.${r}`, message })
    : (r: number, message: string) => ({ path: `${at}.data`, message: `row ${r} ${message}` });
  return { x, rows, rowIssue };
}
