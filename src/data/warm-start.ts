// Warm start (training.initFrom, issue 15): whether a job's network has the shapes of the model
// it starts from, and the shape of a table encoded by that model's preprocessing. Shared by the
// service's submit checks and `backprop train`. Pure; not the loading of the model, nor training.
import { type Issue, ValidationError } from '../errors.js';
import type { ModelDocument, NetworkSpec } from '../spec/index.js';
import { shapeOfPlan, type TableMeta } from './job-data.js';
import type { TablePlan } from './preprocess/types.js';
import type { DataShape } from './shape.js';

/**
 * Where the job's network differs from the shapes of the model it starts from: its input width,
 * its number of layers, each layer's units, activation and maxout groups.
 */
export function checkStartShapes(network: NetworkSpec, model: NetworkSpec): Issue[] {
  const hint =
    "to start from the model's weights, the network must have its shapes (leave network out to take the model's)";
  if (network.inputSize !== model.inputSize) {
    return [
      {
        path: 'network.inputSize',
        message: `is ${network.inputSize} but the model to start from (training.initFrom) takes ${model.inputSize} inputs: ${hint}`,
      },
    ];
  }
  if (network.layers.length !== model.layers.length) {
    return [
      {
        path: 'network.layers',
        message: `has ${network.layers.length} layers (with the output layer) but the model to start from has ${model.layers.length}: ${hint}`,
      },
    ];
  }
  const issues: Issue[] = [];
  network.layers.forEach((layer, k) => {
    const theirs = model.layers[k]!;
    const differs = (['units', 'activation', 'groups'] as const).filter(
      (field) => (layer[field] ?? 1) !== (theirs[field] ?? 1),
    );
    if (differs.length === 0) return;
    const said = (l: typeof layer) => differs.map((f) => `${f} ${l[f] ?? 1}`).join(', ');
    issues.push({
      path: `network.layers.${k}`,
      message: `has ${said(layer)} but the model to start from (training.initFrom) has ${said(theirs)} in this layer: ${hint}`,
    });
  });
  return issues;
}

/**
 * A table's shape when a job starts from `start`: a table model's preprocessing gives its width
 * and its target the classes, and the label must be the one the model was trained for. Another
 * model (of numeric rows) leaves the table's own plan.
 */
export function shapeOfStart(
  plan: TablePlan,
  meta: TableMeta,
  start: ModelDocument,
  path = 'dataset.id',
): DataShape {
  const shape = shapeOfPlan(plan, meta);
  const { target } = start;
  if (!start.preprocessing || !target) return shape;
  if (target.name !== plan.label.name) {
    throw new ValidationError([
      {
        path,
        message: `is a table labelled ${plan.label.name} but the model to start from (training.initFrom) predicts ${target.name}: label the table by ${target.name}`,
      },
    ]);
  }
  const features = start.preprocessing.width;
  if (target.task !== 'classification') return { ...shape, features };
  const classes = [...target.classes];
  return { ...shape, features, outputs: classes.length, classes };
}
