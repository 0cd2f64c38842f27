// A model document as an ONNX model (issue 15, "Carry it away, bring it back"): the same answers
// as our own predict, run by any ONNX runtime. Pure: a document in, the model's bytes out,
// serialized by onnx-proto (generated from the official onnx.proto with protobufjs).
//   matrix models  one input `input` float32 [N, D0]; the input scaler as Sub/Div
//   table models   one input per column the preprocessing reads, named after it, [N, 1]: float32
//                  for numbers and booleans (NaN missing), string for categories ("" or a missing
//                  token missing); imputation, missing indicators, standardisation and one-hot as
//                  operators, concatenated in the preprocessing's input order (steps.ts)
//   the network    each layer Gemm (W as stored, [D_k][D_k-1], transposed by the operator) and
//                  its activation; maxout as Reshape + ReduceMax over each group of adjacent units
//   outputs        classifiers: `probabilities` [N, K] and `label` [N] (the class values, or the
//                  int64 index when the model has none); others: `value` [N, outputs], a table
//                  regression un-scaled to the label's units
// Opsets: ai.onnx 13, and ai.onnx.ml 2 (LabelEncoder) for a categorical column. A step with no
// ONNX form (datetime) throws OnnxUnsupported naming its column. Not the route (download).
import onnxProto from 'onnx-proto';
import { defaultLeakyAlpha, type LayerShape, layersOf } from '../engine/index.js';
import type { ModelDocument } from '../spec/model.js';
import type { ColumnStep } from '../spec/preprocessing.js';
import { GraphBuilder, type ValueType } from './graph.js';

const { onnx } = onnxProto;

/** The document cannot be written as ONNX; `column` names the column at fault. */
export class OnnxUnsupported extends Error {
  readonly column: string;

  constructor(column: string, message: string) {
    super(message);
    this.name = 'OnnxUnsupported';
    this.column = column;
  }
}

export const onnxOpset = 13;
export const onnxMlOpset = 2;
const irVersion = 7;

/** The ONNX model's bytes; throws OnnxUnsupported for a column the graph cannot express. */
export function exportOnnx(doc: ModelDocument): Uint8Array {
  const g = new GraphBuilder();
  let features = doc.preprocessing ? tableInputs(g, doc) : matrixInput(g, doc);
  if (doc.scaler) {
    const width = doc.scaler.mean.length;
    const mean = g.floats('scaler_mean', [1, width], doc.scaler.mean);
    const std = g.floats('scaler_std', [1, width], doc.scaler.std);
    features = g.node('Div', [g.node('Sub', [features, mean]), std]);
  }
  let y = features;
  layersOf(doc.network).forEach((layer, k) => {
    const { W, b } = doc.weights[k]!;
    const w = g.floats(`W${k + 1}`, [layer.units, layer.nIn], W.flat());
    const bias = g.floats(`b${k + 1}`, [layer.units], b);
    const z = g.node('Gemm', [y, w, bias], { transB: 1 }, `z${k + 1}`);
    y = activation(g, z, doc.network.layers[k]!, k + 1);
  });
  outputs(g, doc, y);
  const model = onnx.ModelProto.create({
    irVersion,
    producerName: 'backprop-service',
    producerVersion: doc.format,
    opsetImport: [
      { domain: '', version: onnxOpset },
      ...(g.usesMl ? [{ domain: 'ai.onnx.ml', version: onnxMlOpset }] : []),
    ],
    graph: g.graph('backprop'),
  });
  return onnx.ModelProto.encode(model).finish();
}

function matrixInput(g: GraphBuilder, doc: ModelDocument): string {
  return g.input('input', 'float', doc.network.inputSize);
}

// Every column step's inputs, concatenated as the preprocessing lays them out.
function tableInputs(g: GraphBuilder, doc: ModelDocument): string {
  const pre = doc.preprocessing!;
  const unsupported = pre.columns.find((s) => s.type === 'datetime');
  if (unsupported) {
    throw new OnnxUnsupported(
      unsupported.name,
      `column "${unsupported.name}" is a datetime, which has no ONNX form here (its calendar features need the UTC calendar): retrain with "${unsupported.name}" as "ignored" in dataset.columns to export this model as ONNX`,
    );
  }
  const parts = pre.columns.flatMap((step) => stepInputs(g, step, pre.missingTokens));
  const width = parts.reduce((n, p) => n + p.width, 0);
  if (width !== pre.width) {
    throw new Error(`the steps make ${width} inputs, the preprocessing says ${pre.width}`);
  }
  const names = parts.map((p) => p.name);
  return names.length === 1 ? names[0]! : g.node('Concat', names, { axis: 1 }, 'features');
}

interface Part {
  name: string;
  width: number;
}

function stepInputs(g: GraphBuilder, step: ColumnStep, missingTokens: string[]): Part[] {
  switch (step.type) {
    case 'numeric': {
      const x = g.input(step.name, 'float', 1);
      const nan = g.node('IsNaN', [x]);
      const filled = g.node('Where', [nan, g.floats(`${step.name} fill`, [], [step.fill]), x]);
      const mean = g.floats(`${step.name} mean`, [], [step.mean]);
      const std = g.floats(`${step.name} std`, [], [step.std]);
      const scaled = { name: g.node('Div', [g.node('Sub', [filled, mean]), std]), width: 1 };
      if (!step.indicator) return [scaled];
      return [
        scaled,
        { name: g.node('Cast', [nan], { to: onnx.TensorProto.DataType.FLOAT }), width: 1 },
      ];
    }
    case 'boolean': {
      const x = g.input(step.name, 'float', 1);
      const fill = g.floats(`${step.name} fill`, [], [step.fill]);
      return [{ name: g.node('Where', [g.node('IsNaN', [x]), fill, x]), width: 1 }];
    }
    case 'categorical': {
      const x = g.input(step.name, 'string', 1);
      const width = step.slots + (step.missingSlot ? 1 : 0) + 1;
      const other = width - 1;
      const slots = new Map(step.categories.map((c, k) => [c, k]));
      // as slotOf (steps.ts) for a missing cell
      const missing =
        step.fill !== null
          ? (slots.get(step.fill) ?? other)
          : step.missingSlot
            ? step.slots
            : other;
      const keys = [...step.categories];
      const values = step.categories.map((_, k) => k);
      const missingKeys = new Set(['', ...missingTokens.flatMap(tokenSpellings)]);
      for (const key of missingKeys) {
        if (slots.has(key)) continue;
        keys.push(key);
        values.push(missing);
      }
      const slot = g.node(
        'LabelEncoder',
        [x],
        { keys_strings: keys, values_int64s: values, default_int64: other },
        undefined,
        'ai.onnx.ml',
      );
      const range = g.int64s(
        `${step.name} slots`,
        [1, width],
        Array.from({ length: width }, (_, k) => k),
      );
      const hot = g.node('Equal', [slot, range]);
      return [{ name: g.node('Cast', [hot], { to: onnx.TensorProto.DataType.FLOAT }), width }];
    }
    case 'datetime':
      throw new OnnxUnsupported(step.name, `column "${step.name}" is a datetime`);
  }
}

// A missing token as it is likely written: tokens match case-insensitively after trimming.
function tokenSpellings(token: string): string[] {
  const t = token.trim();
  const title = t.charAt(0).toUpperCase() + t.slice(1).toLowerCase();
  return [t, t.toLowerCase(), t.toUpperCase(), title];
}

function activation(g: GraphBuilder, z: string, layer: LayerShape, k: number): string {
  const out = `y${k}`;
  switch (layer.activation) {
    case 'identity':
      return z;
    case 'sigmoid':
      return g.node('Sigmoid', [z], {}, out);
    case 'tanh':
      return g.node('Tanh', [z], {}, out);
    case 'relu':
      return g.node('Relu', [z], {}, out);
    case 'leaky_relu':
      return g.node('LeakyRelu', [z], { alpha: layer.alpha ?? defaultLeakyAlpha }, out);
    case 'softplus':
      return g.node('Softplus', [z], {}, out);
    case 'elu':
      return g.node('Elu', [z], { alpha: 1 }, out);
    case 'softmax':
      return g.node('Softmax', [z], { axis: -1 }, out);
    case 'maxout': {
      const size = layer.groups ?? 1;
      const shape = g.int64s(`maxout${k} shape`, [3], [-1, layer.units / size, size]);
      const grouped = g.node('Reshape', [z, shape]);
      return g.node('ReduceMax', [grouped], { axes: [2], keepdims: 0 }, out);
    }
  }
}

function outputs(g: GraphBuilder, doc: ModelDocument, y: string): void {
  const layers = layersOf(doc.network);
  const width = layers[layers.length - 1]!.nOut;
  const target = doc.target;
  if (target?.task === 'regression') {
    const std = g.floats('target std', [], [target.std]);
    const mean = g.floats('target mean', [], [target.mean]);
    g.output(g.node('Add', [g.node('Mul', [y, std]), mean], {}, 'value'), 'float', width);
    return;
  }
  const classes = target?.task === 'classification' ? target.classes : doc.classes;
  if (!classes && doc.network.divergence !== 'cross_entropy') {
    g.output(g.node('Identity', [y], {}, 'value'), 'float', width);
    return;
  }
  g.output(g.node('Identity', [y], {}, 'probabilities'), 'float', width);
  const index = g.node('ArgMax', [y], { axis: 1, keepdims: 0 });
  if (!classes) {
    g.output(g.node('Identity', [index], {}, 'label'), 'int64');
    return;
  }
  let type: ValueType;
  let values: string;
  if (classes.every((c) => typeof c === 'number')) {
    type = 'double';
    values = g.doubles('classes', [classes.length], classes as number[]);
  } else {
    type = 'string';
    values = g.strings('classes', [classes.length], classes.map(String));
  }
  g.output(g.node('Gather', [values, index], { axis: 0 }, 'label'), type);
}
