// Model names, versions and aliases (issue 15): how a job names its model, and how a model is
// referred to wherever one is accepted (predict, the protocols, download, warm start, reproduce):
// by id, `NAME@VERSION`, `NAME@ALIAS`, or a bare `NAME`, its latest version (as TF Serving and
// KServe read a model name). Parsing only; the store resolves a reference (store/models.ts).
import { z } from 'zod';

const nameRule = /^[A-Za-z0-9][\w.-]{0,63}$/;
const nameMessage = 'must be 1–64 letters, digits, _, . or -, starting with a letter or digit';

/** A model's name: unique within its tenant; each trained or imported model adds a version. */
export const modelNameSchema = z.string().regex(nameRule, nameMessage);

/** `latest` always means the newest version; an alias cannot take it over. */
export const latestAlias = 'latest';

/** An alias (production, staging, …): not all digits, which would read as a version. */
export const aliasNameSchema = z
  .string()
  .regex(
    /^[A-Za-z_][\w.-]{0,63}$/,
    'must be 1–64 letters, digits, _, . or -, starting with a letter or _ (so it never reads as a version)',
  )
  .refine(
    (alias) => alias !== latestAlias,
    `"${latestAlias}" always means the newest version: choose another alias`,
  );

const tagsSchema = z
  .record(
    z.string().regex(/^[\w.-]{1,64}$/, 'tag names are 1–64 letters, digits, _, . or -'),
    z.string().max(256),
  )
  .refine((tags) => Object.keys(tags).length <= 20, 'at most 20 tags')
  .describe(
    'free-form key → value labels, e.g. {"team": "bio"}; GET /v1/models?tag=team:bio filters on them',
  );

/** A job's `model` block: the name its model is registered under, with tags and a description. */
export const modelNamingSchema = z
  .strictObject(
    {
      name: modelNameSchema.describe(
        'each successful job adds the next version (1, 2, …) of this name',
      ),
      tags: tagsSchema.optional(),
      description: z.string().max(2000).optional(),
    },
    {
      // a bare string is the likely slip: say what the block looks like (other issues: the usual words)
      error: (issue) =>
        issue.code === 'invalid_type'
          ? 'must be {"name": "…"} (with tags and a description if you like): the name the model is registered under'
          : undefined,
    },
  )
  .meta({ id: 'ModelNaming' });
export type ModelNaming = z.infer<typeof modelNamingSchema>;

/** What a reference names. A bare word is an id if a model has it, else a name's latest version. */
export type ModelRef =
  | { kind: 'plain'; text: string }
  | { kind: 'version'; name: string; version: number }
  | { kind: 'alias'; name: string; alias: string };

/** The reference in a URL path or a spec: `ID`, `NAME`, `NAME@VERSION` or `NAME@ALIAS`. */
export const modelRefPattern = /^[\w][\w.-]{0,63}(@[\w.-]{1,64})?$/;

export const modelRefMessage =
  'must be a model id, NAME, NAME@VERSION (penguins@3) or NAME@ALIAS (penguins@production)';

export const modelRefSchema = z.string().regex(modelRefPattern, modelRefMessage);

/** The reference's parts, or null when it is not one (modelRefMessage says what would be). */
export function parseModelRef(ref: string): ModelRef | null {
  if (!modelRefPattern.test(ref)) return null;
  const at = ref.indexOf('@');
  if (at < 0) return { kind: 'plain', text: ref };
  const name = ref.slice(0, at);
  const after = ref.slice(at + 1);
  if (!nameRule.test(name)) return null;
  if (/^\d+$/.test(after)) {
    const version = Number(after);
    return Number.isSafeInteger(version) && version >= 1
      ? { kind: 'version', name, version }
      : null;
  }
  return { kind: 'alias', name, alias: after };
}

/** How a model is named in messages: `penguins@3 (01J…)`, or its id. */
export function modelLabel(m: {
  id: string;
  name?: string | undefined;
  version?: number | undefined;
}): string {
  return m.name && m.version ? `${m.name}@${m.version} (${m.id})` : m.id;
}
