// A small builder for one ONNX graph: nodes with unique output names, constant tensors
// (initializers), and the graph's inputs and outputs with a free batch dimension "N". It makes
// onnx-proto messages and knows nothing of our models (export.ts does). Pure.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DataType = onnx.TensorProto.DataType;

export type ValueType = 'float' | 'double' | 'int64' | 'string';

const elemTypes: Record<ValueType, number> = {
  float: DataType.FLOAT,
  double: DataType.DOUBLE,
  int64: DataType.INT64,
  string: DataType.STRING,
};

export type AttributeValue = number | string | number[] | string[];

const utf8 = new TextEncoder();

export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  /** Whether a node of the ai.onnx.ml domain was added. */
  usesMl = false;

  /** A name not used yet: `base`, else `base_2`, `base_3`… */
  private fresh(base: string): string {
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** A graph input [N] or [N, width]; its name must be free (inputs are named by the caller). */
  input(name: string, type: ValueType, width?: number): string {
    if (this.used.has(name)) throw new Error(`two graph values are named ${JSON.stringify(name)}`);
    this.used.add(name);
    this.inputs.push(valueInfo(name, type, width));
    return name;
  }

  /** Marks `name` (a node's output) as a graph output [N] or [N, width]. */
  output(name: string, type: ValueType, width?: number): void {
    this.outputs.push(valueInfo(name, type, width));
  }

  /** A node with one output; returns the output's name. */
  node(
    op: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    outputName?: string,
    domain = '',
  ): string {
    const out = this.fresh(outputName ?? op.toLowerCase());
    if (domain === 'ai.onnx.ml') this.usesMl = true;
    this.nodes.push({
      opType: op,
      domain,
      name: out,
      input: inputs,
      output: [out],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return out;
  }

  floats(name: string, dims: number[], values: number[]): string {
    return this.constant(name, { dims, dataType: DataType.FLOAT, floatData: values });
  }

  doubles(name: string, dims: number[], values: number[]): string {
    return this.constant(name, { dims, dataType: DataType.DOUBLE, doubleData: values });
  }

  int64s(name: string, dims: number[], values: number[]): string {
    return this.constant(name, { dims, dataType: DataType.INT64, int64Data: values });
  }

  strings(name: string, dims: number[], values: string[]): string {
    const stringData = values.map((v) => utf8.encode(v));
    return this.constant(name, { dims, dataType: DataType.STRING, stringData });
  }

  private constant(base: string, tensor: onnxProto.onnx.ITensorProto): string {
    const name = this.fresh(base);
    this.initializers.push({ ...tensor, name });
    return name;
  }

  graph(name: string): onnxProto.onnx.IGraphProto {
    return {
      name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }
}

function valueInfo(name: string, type: ValueType, width?: number): onnxProto.onnx.IValueInfoProto {
  const dim = [{ dimParam: 'N' }, ...(width === undefined ? [] : [{ dimValue: width }])];
  return { name, type: { tensorType: { elemType: elemTypes[type], shape: { dim } } } };
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: utf8.encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value) && !isFloatAttribute(name)
      ? { name, type: AttributeType.INT, i: value }
      : { name, type: AttributeType.FLOAT, f: value };
  }
  if (value.length > 0 && typeof value[0] === 'string') {
    return {
      name,
      type: AttributeType.STRINGS,
      strings: (value as string[]).map((v) => utf8.encode(v)),
    };
  }
  return { name, type: AttributeType.INTS, ints: value as number[] };
}

// Attributes that are floats even when their value is whole (LeakyRelu's alpha 1, Elu's alpha).
function isFloatAttribute(name: string): boolean {
  return name === 'alpha' || name === 'beta';
}
