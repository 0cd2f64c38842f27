// The network part of a job spec: layers (units, activation, maxout groups, leaky slope) and the
// divergence, with every combination the engine cannot train rejected up front.
import { z } from 'zod';
import { activationNames, divergenceNames, outputWidth } from '../engine/index.js';

const oneOf = (names: readonly string[]) => `must be one of ${names.join(', ')}`;

export const layerSchema = z.strictObject({
  units: z
    .number()
    .int('must be a whole number of units')
    .min(1, 'must be at least 1')
    .max(100_000, 'must be at most 100000'),
  activation: z.enum(activationNames, { error: oneOf(activationNames) }),
  groups: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .optional()
    .describe('maxout only: pre-activations per output (the layer outputs units / groups values)'),
  alpha: z
    .number()
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .optional()
    .describe('leaky_relu only: the slope below zero (default 0.01)'),
});

export type LayerSpec = z.infer<typeof layerSchema>;

const inputSize = z
  .number()
  .int('must be a whole number of features')
  .min(1, 'must be at least 1')
  .max(1_000_000, 'must be at most 1000000');
const layers = z
  .array(layerSchema, { error: 'must be a list of layers ({units, activation})' })
  .max(64, 'has more than 64 layers: use at most 64');
const divergence = z.enum(divergenceNames, { error: oneOf(divergenceNames) });

type NetworkFields = {
  layers?: LayerSpec[] | undefined;
  divergence?: (typeof divergenceNames)[number] | undefined;
};

// Every layer's own rules, and (with a divergence) the last layer against it.
const checkLayers = (network: NetworkFields, ctx: z.RefinementCtx) => {
  const layers = network.layers ?? [];
  layers.forEach((layer, k) => {
    const at = (field: string) => ['layers', k, field];
    if (layer.activation === 'maxout') {
      if (layer.groups === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: at('groups'),
          message: 'maxout needs groups: how many units each output takes the max over',
        });
      } else if (layer.groups >= 1 && layer.units % layer.groups !== 0) {
        // groups < 1 is reported by its own range check; dividing by it gives no useful fix.
        const down = layer.units - (layer.units % layer.groups);
        const fix = down > 0 ? `${down} or ${down + layer.groups}` : `${layer.groups}`;
        ctx.addIssue({
          code: 'custom',
          path: at('units'),
          message: `maxout units (${layer.units}) must be divisible by groups (${layer.groups}): use ${fix} units`,
        });
      }
    } else if (layer.groups !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: at('groups'),
        message: `groups applies only to maxout, not ${layer.activation}: remove it`,
      });
    }
    if (layer.alpha !== undefined && layer.activation !== 'leaky_relu') {
      ctx.addIssue({
        code: 'custom',
        path: at('alpha'),
        message: `alpha applies only to leaky_relu, not ${layer.activation}: remove it`,
      });
    }
    if (layer.activation === 'softmax' && layer.units < 2) {
      ctx.addIssue({
        code: 'custom',
        path: at('units'),
        message:
          'softmax over one unit is always 1: use at least 2 units, or sigmoid for a single output',
      });
    }
  });
  const k = layers.length - 1;
  const last = layers[k];
  if (network.divergence === undefined) return;
  if (!last) return;
  if (network.divergence === 'cross_entropy' && last.activation !== 'softmax') {
    ctx.addIssue({
      code: 'custom',
      path: ['divergence'],
      message: `cross_entropy needs probabilities that sum to 1, but the last layer is ${last.activation}: make layers.${k}.activation softmax, or use l2`,
    });
  }
  if (
    network.divergence === 'binary_cross_entropy' &&
    last.activation !== 'sigmoid' &&
    last.activation !== 'softmax'
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['divergence'],
      message: `binary_cross_entropy needs outputs in (0, 1), but the last layer is ${last.activation}: make layers.${k}.activation sigmoid, or use l2`,
    });
  }
};

/** A complete network: the input width, every layer including the output layer, the divergence. */
export const networkSchema = z
  .strictObject({
    inputSize,
    layers: layers.min(1, 'needs at least one layer (the output layer)'),
    divergence,
  })
  .superRefine(checkLayers);

/**
 * The network a job may give (issue 14): with `divergence`, its layers end with the output layer
 * and only `inputSize` may be left out (the dataset's width after preprocessing). Without it, the
 * layers are hidden layers and an output layer matching the target is appended (softmax and
 * cross_entropy for classes, identity and l2 for numbers); without layers, the default hidden
 * layers are used. A job may leave out `network` altogether.
 */
export const networkInputSchema = z
  .strictObject({
    inputSize: inputSize
      .optional()
      .describe('the input width; derived from the dataset when left out'),
    layers: layers
      .optional()
      .describe('with divergence: every layer, the output layer last; without: the hidden layers'),
    divergence: divergence
      .optional()
      .describe(
        'the loss of the output layer given last in layers; leave both out to have them derived',
      ),
  })
  .superRefine((network, ctx) => {
    if (network.divergence !== undefined && (network.layers ?? []).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['layers'],
        message:
          'with a divergence, layers must end with the output layer: give at least one layer, or leave divergence out to have the output layer derived',
      });
    }
    checkLayers(network, ctx);
  });

export type NetworkInput = z.infer<typeof networkInputSchema>;

export type NetworkSpec = z.infer<typeof networkSchema>;

/** Width of the network's output (the last layer's units, or units / groups for maxout). */
export function outputSizeOfSpec(network: NetworkSpec): number {
  return outputWidth(network.layers[network.layers.length - 1]!);
}
