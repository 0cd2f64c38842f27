// Fast paths for the predict routes, which answer many small requests: a hand check per request
// schema that accepts only bodies its zod schema accepts unchanged (any other body goes through
// zod, so every 400 is zod's, word for word), and JSON.stringify for the responses the handlers
// build to their schema (no zod pass over every output number). Not here: the schemas themselves.

import type { z } from 'zod';
import { maxFloat32 } from '../data/index.js';
import { modelRefPattern } from '../spec/model-ref.js';

/** True only if the schema would accept `data` and give it back as it is (no defaults, no transforms). */
export type FastCheck = (data: unknown) => boolean;

const checks = new WeakMap<z.ZodType, FastCheck>();
const trusted = new WeakSet<z.ZodType>();

/** Marks `schema` as checked by `accepts` first (see validatorCompiler in app.ts). */
export function withFastCheck<S extends z.ZodType>(schema: S, accepts: FastCheck): S {
  checks.set(schema, accepts);
  return schema;
}

export function fastCheckOf(schema: z.ZodType): FastCheck | undefined {
  return checks.get(schema);
}

/** Marks a response schema whose handlers build exactly its shape: serialized without zod. */
export function trustedResponse<S extends z.ZodType>(schema: S): S {
  trusted.add(schema);
  return schema;
}

export const isTrustedResponse = (schema: unknown) => trusted.has(schema as z.ZodType);

export type Fields = Record<string, unknown>;

export const isObject = (v: unknown): v is Fields =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object of only these keys, for zod's strictObject. */
export function hasOnly(v: Fields, keys: readonly string[]): boolean {
  for (const key in v) if (!keys.includes(key)) return false;
  return true;
}

export const isString = (v: unknown) => typeof v === 'string';
export const optional = (v: unknown, test: (v: unknown) => boolean) => v === undefined || test(v);

/** A feature: a number within float32's range (zod's `feature` in schemas.ts). */
export const isFeature = (v: unknown) => typeof v === 'number' && Math.abs(v) <= maxFloat32;

/** A non-empty list of rows of features. */
export function isFeatureRows(v: unknown): boolean {
  if (!Array.isArray(v) || v.length === 0) return false;
  for (const row of v) {
    if (!Array.isArray(row)) return false;
    for (const x of row) if (!isFeature(x)) return false;
  }
  return true;
}

export function isListOf(v: unknown, test: (item: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (const item of v) if (!test(item)) return false;
  return true;
}

export const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/** idParams: one id of letters, digits, _ and -, 1 to 64 of them. */
export const isIdParams = (v: unknown) =>
  isObject(v) && typeof v.id === 'string' && /^[\w-]{1,64}$/.test(v.id) && hasOnly(v, ['id']);

/** refParams: a model reference (spec/model-ref.ts modelRefPattern). */
export const isRefParams = (v: unknown) =>
  isObject(v) && typeof v.id === 'string' && modelRefPattern.test(v.id) && hasOnly(v, ['id']);
