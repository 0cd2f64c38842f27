// The kinds of setting: how an environment variable's text becomes a value, each a zod schema
// with one refusal message that says what the value must be, and the range the README shows.
// Not the settings themselves (the files beside this one), nor the reading of process.env
// (src/config.ts).
import { z } from 'zod';

/** The part of a setting its kind supplies. */
export interface Kind<T> {
  /** From the variable's text to the value; its first issue's message is the refusal. */
  schema: z.ZodType<T, string>;
  /** The values it takes, for the README: `100 – 65535`, `0`, `1`. */
  range: string;
}

/** One setting, declared once: everything else (Config, the README table) is derived. */
export interface Setting<T = unknown> extends Kind<T> {
  /** The environment variable. */
  env: string;
  /** As it would be written in the environment; an unset or empty variable takes it. */
  default: string;
  /** The default as the README says it, when the text depends on the machine. */
  defaultDoc?: string;
  /** One line: what it does, and what 0 or empty means when that is special. */
  doc: string;
  /** Never repeat the value in an error (keys, secrets). */
  secret?: boolean;
}

function rangeOf(min: number, max: number | undefined): string {
  return max === undefined ? `≥ ${min}` : `${min} – ${max}`;
}

/** A whole number from min (to max): counts, sizes in bytes, times in ms or seconds. */
export function int(min: number, max?: number): Kind<number> {
  const error =
    max === undefined
      ? `must be a whole number of at least ${min}`
      : `must be a whole number from ${min} to ${max}`;
  const schema = z.coerce.number({ error }).int({ error }).min(min, { error });
  return {
    schema: (max === undefined ? schema : schema.max(max, { error })) as z.ZodType<number, string>,
    range: rangeOf(min, max),
  };
}

/** A number above 0, which may be written 1e15. */
export function positive(): Kind<number> {
  const error = 'must be a number above 0 (1e15 is fine)';
  return {
    schema: z.coerce.number({ error }).positive({ error }) as z.ZodType<number, string>,
    range: '> 0',
  };
}

/** `1` or `0`, read as true or false; the message says what 1 means. */
export function flag(error: string): Kind<boolean> {
  return {
    schema: z.enum(['0', '1'], { error }).transform((text) => text === '1'),
    range: '`0`, `1`',
  };
}

/** One of a few words. */
export function oneOf(words: readonly [string, ...string[]]): Kind<string> {
  return {
    schema: z.enum(words, { error: `must be one of ${words.join(', ')}` }),
    range: words.map((w) => `\`${w}\``).join(', '),
  };
}

/** Any text (a path, a host name); empty is the default's business. */
export function text(range = 'text'): Kind<string> {
  return { schema: z.string(), range };
}

/** Text matching a pattern. */
export function matching(pattern: RegExp, error: string, range: string): Kind<string> {
  return { schema: z.string().regex(pattern, { error }), range };
}

/** Comma-separated names, each matching a pattern; blanks are skipped. */
export function list(item: RegExp, error: string, range: string): Kind<readonly string[]> {
  const schema = z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .refine((items) => items.every((t) => item.test(t)), { error });
  return { schema, range };
}

/** A parser of its own (a URL, keys, secrets), for what no kind above says. */
export function custom<T>(schema: z.ZodType<T, string>, range: string): Kind<T> {
  return { schema, range };
}
