// The job specs in examples/*.json as tests' fixtures, so that a test training "the iris
// example" trains what a user running it would, and a change to an example shows in the tests
// that use it. Variants (fewer epochs, another seed) are derived here, never copied.
import { readFileSync } from 'node:fs';

/** The examples that are job specs (softmax-grad.json is a `backprop grad` input). */
export const exampleNames = ['digits', 'iris', 'sine-regression', 'spirals', 'xor'] as const;
export type ExampleName = (typeof exampleNames)[number];

export interface ExampleLayer {
  units: number;
  activation: string;
  groups?: number;
}

export interface ExampleJob {
  network: { inputSize: number; layers: ExampleLayer[]; divergence: string };
  dataset: Record<string, unknown>;
  training: Record<string, unknown>;
}

/** examples/<name>.json, read afresh on each call (a caller may change what it gets). */
export function exampleJob(name: ExampleName): ExampleJob {
  const url = new URL(`../../examples/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as ExampleJob;
}

/**
 * The example with some of its training fields changed (fewer epochs, another seed). A field
 * given as undefined is dropped, so the variant is what its JSON file would hold.
 */
export function exampleVariant(name: ExampleName, training: Record<string, unknown>): ExampleJob {
  const job = exampleJob(name);
  const merged: Record<string, unknown> = { ...job.training, ...training };
  for (const [field, value] of Object.entries(merged)) {
    if (value === undefined) delete merged[field];
  }
  return { ...job, training: merged };
}

/** A 4-8-3 iris classifier, tanh then softmax: learns iris in a few dozen epochs. */
export const irisNetwork = {
  inputSize: 4,
  layers: [
    { units: 8, activation: 'tanh' as const },
    { units: 3, activation: 'softmax' as const },
  ],
  divergence: 'cross_entropy' as const,
};
