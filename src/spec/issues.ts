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
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(fromZod(result.error, prefix));
  return result.data;
}
