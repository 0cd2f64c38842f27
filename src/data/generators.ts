// Seeded synthetic data sets (xor, spirals, circles, sine): the same parameters and seed give
// bit-identical rows on every machine. Rows interleave the classes so any prefix is balanced.
// Not random splits or scaling: those belong to the caller.

import { createRandom } from '../engine/random.js';
import { generatorDefaults } from '../spec/dataset.js';
import { defined } from '../spec/defined.js';
import { type Dataset, IssueList } from './dataset.js';
import { oneHot } from './labels.js';

export { generatorDefaults };

export interface XorParams {
  /** 4 with noise 0 gives exactly the four corners; more cycle through them. */
  samples?: number;
  /** Standard deviation of gaussian noise added to each input. */
  noise?: number;
  seed?: number;
}

export interface SpiralsParams {
  samples?: number;
  classes?: number;
  /** Standard deviation of gaussian noise added to each coordinate. */
  noise?: number;
  /** How many full turns each arm makes from the centre to radius 1. */
  turns?: number;
  seed?: number;
}

export interface CirclesParams {
  samples?: number;
  /** Standard deviation of gaussian noise added to each coordinate. */
  noise?: number;
  /** Radius of the inner circle (class 1); the outer circle (class 0) has radius 1. */
  factor?: number;
  seed?: number;
}

export interface SineParams {
  samples?: number;
  /** Standard deviation of gaussian noise added to the target. */
  noise?: number;
  seed?: number;
}

/** XOR of two inputs as one 0/1 target (regression form, no labels). */
export function xor(params: XorParams = {}): Dataset {
  const { samples, noise, seed } = { ...generatorDefaults.xor, ...defined(params) };
  checkParams({ samples, noise, seed });
  const random = createRandom(seed);
  const inputs = new Float32Array(samples * 2);
  const targets = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    const a = (i >> 1) & 1;
    const b = i & 1;
    inputs[i * 2] = a + noise * random.normal();
    inputs[i * 2 + 1] = b + noise * random.normal();
    targets[i] = a ^ b;
  }
  return { rows: samples, features: 2, outputs: 1, inputs, targets, featureNames: ['x1', 'x2'] };
}

/** Interleaved spiral arms, one per class, from the centre out to radius 1 (cs231n style). */
export function spirals(params: SpiralsParams = {}): Dataset {
  const { samples, classes, noise, turns, seed } = {
    ...generatorDefaults.spirals,
    ...defined(params),
  };
  const issues = checkParams({ samples, noise, seed, classes }, false);
  if (!(typeof turns === 'number' && Number.isFinite(turns) && turns > 0)) {
    issues.add('turns', 'must be a finite number above 0');
  }
  issues.throwIfAny();
  const random = createRandom(seed);
  const inputs = new Float32Array(samples * 2);
  const labels = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const k = i % classes;
    const j = Math.floor(i / classes);
    const r = (j + 1) / classCount(samples, classes, k);
    const angle = 2 * Math.PI * (k / classes + turns * r);
    inputs[i * 2] = r * Math.cos(angle) + noise * random.normal();
    inputs[i * 2 + 1] = r * Math.sin(angle) + noise * random.normal();
    labels[i] = k;
  }
  return labelled(inputs, labels, classes);
}

/** Two concentric circles: class 0 at radius 1, class 1 at radius `factor` (sklearn make_circles). */
export function circles(params: CirclesParams = {}): Dataset {
  const { samples, noise, factor, seed } = { ...generatorDefaults.circles, ...defined(params) };
  const issues = checkParams({ samples, noise, seed, classes: 2 }, false);
  if (!(typeof factor === 'number' && factor >= 0 && factor < 1)) {
    issues.add('factor', 'must be a number from 0 up to (not including) 1');
  }
  issues.throwIfAny();
  const random = createRandom(seed);
  const inputs = new Float32Array(samples * 2);
  const labels = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const k = i % 2;
    const angle = (2 * Math.PI * Math.floor(i / 2)) / classCount(samples, 2, k);
    const radius = k === 0 ? 1 : factor;
    inputs[i * 2] = radius * Math.cos(angle) + noise * random.normal();
    inputs[i * 2 + 1] = radius * Math.sin(angle) + noise * random.normal();
    labels[i] = k;
  }
  return labelled(inputs, labels, 2);
}

/** y = sin(x) + noise for x uniform in [-pi, pi]. */
export function sine(params: SineParams = {}): Dataset {
  const { samples, noise, seed } = { ...generatorDefaults.sine, ...defined(params) };
  checkParams({ samples, noise, seed });
  const random = createRandom(seed);
  const inputs = new Float32Array(samples);
  const targets = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    const x = Math.PI * (2 * random.next() - 1);
    inputs[i] = x;
    targets[i] = Math.sin(x) + noise * random.normal();
  }
  return { rows: samples, features: 1, outputs: 1, inputs, targets, featureNames: ['x'] };
}

export const generators = { xor, spirals, circles, sine } as const;
export type GeneratorName = keyof typeof generators;
export interface GeneratorParams {
  xor: XorParams;
  spirals: SpiralsParams;
  circles: CirclesParams;
  sine: SineParams;
}

export const maxSamples = 1_000_000;

interface CommonParams {
  samples: unknown;
  noise: unknown;
  seed: unknown;
  classes?: unknown;
}

/** Checks the shared ranges; throws unless `throwNow` is false, when the caller adds its own. */
function checkParams(p: CommonParams, throwNow = true): IssueList {
  const issues = new IssueList();
  const { samples, noise, seed, classes } = p;
  if (
    !(Number.isInteger(samples) && (samples as number) >= 1 && (samples as number) <= maxSamples)
  ) {
    issues.add('samples', `must be an integer from 1 to ${maxSamples}`);
  }
  if (!(typeof noise === 'number' && Number.isFinite(noise) && noise >= 0)) {
    issues.add('noise', 'must be a finite number, 0 or more');
  }
  if (!Number.isInteger(seed)) issues.add('seed', 'must be an integer');
  if (classes !== undefined) {
    if (!(Number.isInteger(classes) && (classes as number) >= 2 && (classes as number) <= 100)) {
      issues.add('classes', 'must be an integer from 2 to 100');
    } else if (Number.isInteger(samples) && (samples as number) < (classes as number)) {
      issues.add('samples', `must be at least ${classes}, one per class`);
    }
  }
  if (throwNow) issues.throwIfAny();
  return issues;
}

/** How many of `samples` interleaved rows (row i has class i % classes) belong to class k. */
function classCount(samples: number, classes: number, k: number): number {
  return Math.floor((samples - 1 - k) / classes) + 1;
}

function labelled(inputs: Float32Array, labels: Int32Array, classes: number): Dataset {
  return {
    rows: labels.length,
    features: 2,
    outputs: classes,
    inputs,
    targets: oneHot(labels, classes),
    featureNames: ['x1', 'x2'],
    labels,
    classes: Array.from({ length: classes }, (_, i) => i),
  };
}
