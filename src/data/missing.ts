// Which cells are missing: blank (after trimming), JSON null, a cell a row leaves out, and the
// missing tokens (case-insensitive, trimmed). Missing is never an error; what is done about it
// (imputing, dropping a row whose label is missing) is decided by whoever reads the profile.
import type { Cell } from './table.js';

/** Read as missing unless the caller gives its own list; blank and null always are. */
export const defaultMissingTokens: readonly string[] = ['NA', 'N/A', 'NaN', 'null', '?'];

/** A cell that is not missing: strings trimmed, numbers and booleans as JSON gave them. */
export type Present = string | number | boolean;

/** The tokens as a set of lower-cased, trimmed words, for `presentOf`. */
export function missingSet(tokens: readonly string[] = defaultMissingTokens): ReadonlySet<string> {
  return new Set(tokens.map((t) => t.trim().toLowerCase()));
}

/** The cell's value, or undefined when it is missing. */
export function presentOf(cell: Cell, missing: ReadonlySet<string>): Present | undefined {
  if (cell === null || cell === undefined) return undefined;
  if (typeof cell === 'number' && Number.isNaN(cell)) return undefined; // as the token NaN
  if (typeof cell !== 'string') return cell;
  const text = cell.trim();
  return text === '' || missing.has(text.toLowerCase()) ? undefined : text;
}
