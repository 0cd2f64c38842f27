// Configuration enters here once: process.env read against the declared settings (src/settings/,
// where each one's default, range and doc live), checked, frozen. Nothing else reads process.env.
import type { z } from 'zod';
import { type Setting, type Settings, settings } from './settings/index.js';
import { redisRefusals } from './settings/redis.js';

export { type ApiKey, defaultTenant, tenantPattern } from './settings/index.js';

/** The service's configuration: a field per setting, typed by what its kind parses to. */
export type Config = { [Field in keyof Settings]: z.output<Settings[Field]['schema']> };

/** One or more settings refused: the message names each variable, its value and the fix. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the configuration; throws one ConfigError naming every bad variable. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<Config> {
  const values: Record<string, unknown> = {};
  const refusals: string[] = [];
  for (const [field, setting] of Object.entries(settings) as [string, Setting][]) {
    const given = env[setting.env];
    const text = given === undefined || given === '' ? setting.default : given;
    const parsed = setting.schema.safeParse(text);
    if (parsed.success) values[field] = parsed.data;
    else refusals.push(refusal(setting, text, parsed.error));
  }
  if (refusals.length === 0) refusals.push(...redisRefusals(values as Config));
  if (refusals.length > 0) throw new ConfigError(`bad configuration: ${refusals.join('; ')}`);
  const config = values as Config;
  // Node requires a request's headers time-out to be at most the request's
  config.headersTimeoutMs = Math.min(config.headersTimeoutMs, config.requestTimeoutMs);
  // In a cluster a script or MULTI touches keys of one hash slot only, and ours touch a job's keys
  // with prefix-wide ones (blob-refs, metrics): the whole prefix is one hash tag, and BullMQ's too
  if (config.redisClusterNodes.length > 0) config.keyPrefix = `{${config.keyPrefix}}`;
  return Object.freeze(config);
}

/** `NAME: what it must be (given "value"; default: …)`, on one line. */
function refusal(setting: Setting, text: string, error: z.ZodError): string {
  const why = error.issues[0]?.message ?? 'is not valid';
  const given = setting.secret ? '' : `given ${shown(text)}; `;
  const fallback = setting.defaultDoc ?? (setting.default === '' ? 'empty' : setting.default);
  return `${setting.env}: ${why} (${given}default: ${fallback})`;
}

/** The value as an error may repeat it: quoted, short, one line, a URL's password hidden. */
function shown(text: string): string {
  const hidden = text.replace(/(\/\/[^/@:]*:)[^/@]*@/, '$1***@');
  return JSON.stringify(hidden.length > 80 ? `${hidden.slice(0, 80)}…` : hidden);
}

/**
 * For a process's entry point: the configuration, or one line on stderr saying what to fix and
 * exit code 2 (the CLI's code for bad input), rather than a stack trace.
 */
export function loadConfigOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`backprop: ${error.message}\n`);
    process.exit(2);
  }
}

/** The one setting the CLI reads (it needs no other configuration): WASM_RELAXED_SIMD. */
export function relaxedSimdWanted(env: Record<string, string | undefined> = process.env): boolean {
  return env[settings.wasmRelaxedSimd.env] !== '0';
}
