// Turning zod's issues into the service's {path, message} issues, with paths in dotted form.
import type { z } from 'zod';
import { type Issue, ValidationError } from '../errors.js';

export function pathOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** zod's issues with one entry per unknown key, each naming the key in its path. */
export function friendlyIssues(
  issues: readonly z.core.$ZodIssue[],
): { path: PropertyKey[]; message: string }[] {
  return issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({
          path: [...i.path, key],
          message: 'is not a known field: remove it or check its spelling',
        }))
      : [{ path: [...i.path], message: i.message }],
  );
}

const kinds: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

function shown(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return Array.isArray(value) ? 'a list' : `a value of type ${typeof value}`;
}

/**
 * zod's messages ("Invalid input: expected number, received string") in the service's words,
 * for the fields whose schema gives none of its own. Pass as `error` to `safeParse`.
 */
export const plainMessages: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const kind = kinds[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `is required: give ${kind}`;
      // JSON has no NaN or Infinity, but 1e999 parses to Infinity and JS callers can pass NaN.
      if (issue.expected === 'number' && typeof issue.input === 'number')
        return `must be a finite number (got ${issue.input})`;
      return `must be ${kind} (got ${shown(issue.input)})`;
    }
    case 'too_small': {
      const n = Number(issue.minimum);
      if (issue.origin === 'array') return `needs at least ${n} item${n === 1 ? '' : 's'}`;
      if (issue.origin === 'string')
        return n === 1 ? 'must not be empty' : `needs ${n}+ characters`;
      return issue.inclusive ? `must be at least ${n}` : `must be greater than ${n}`;
    }
    case 'too_big': {
      const n = Number(issue.maximum);
      if (issue.origin === 'array') return `has too many items: at most ${n}`;
      if (issue.origin === 'string') return `is too long: at most ${n} characters`;
      return issue.inclusive ? `must be at most ${n}` : `must be less than ${n}`;
    }
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    default:
      return undefined;
  }
};

export function fromZod(error: z.ZodError, prefix = ''): Issue[] {
  return friendlyIssues(error.issues).map((i) => {
    const path = pathOf(i.path);
    return { path: prefix && path ? `${prefix}.${path}` : prefix || path, message: i.message };
  });
}

/** Parses with the schema or throws a ValidationError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix = '',
): z.output<S> {
  const result = schema.safeParse(value, { error: plainMessages });
  if (!result.success) throw new ValidationError(fromZod(result.error, prefix));
  return result.data;
}
