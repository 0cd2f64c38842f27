// Reading one present cell as a number, a boolean or a date, each by its text: the JSON string
// "42" reads as the number 42 does. A reader answers undefined when the cell is not of its kind.
// Not the choice of a column's type (profile.ts).
import type { Present } from './missing.js';

// Decimal with an optional sign and exponent: 1e3, -0.5, +7, .5, 5. — not 1,000, 0x1F or Infinity.
const numberPattern = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

// YYYY-MM-DD, optionally with [T or space]HH:MM[:SS[.fff]][Z or ±HH:MM].
const datePattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

const booleanWords = new Map([
  ['true', true],
  ['false', false],
  ['yes', true],
  ['no', false],
]);

/** A finite number, or undefined. */
export function readNumber(cell: Present): number | undefined {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : undefined;
  if (typeof cell !== 'string' || !numberPattern.test(cell)) return undefined;
  const n = Number(cell);
  return Number.isFinite(n) ? n : undefined;
}

/** true/false/yes/no (any case) and JSON booleans; 0 and 1 too when `binary` (an override). */
export function readBoolean(cell: Present, binary: boolean): boolean | undefined {
  if (typeof cell === 'boolean') return cell;
  if (typeof cell === 'string') {
    const word = booleanWords.get(cell.toLowerCase());
    if (word !== undefined) return word;
  }
  if (!binary) return undefined;
  const n = readNumber(cell);
  return n === 0 || n === 1 ? n === 1 : undefined;
}

export interface DateValue {
  /** Milliseconds since 1970 UTC; a time without a zone is read as UTC. */
  ms: number;
  /** True for YYYY-MM-DD alone. */
  dateOnly: boolean;
}

/** An ISO 8601 date or date-time that names a real moment (no 2023-02-30, no 24:00). */
export function readDate(cell: Present): DateValue | undefined {
  const m = typeof cell === 'string' ? datePattern.exec(cell) : null;
  if (!m) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m
    .slice(1, 7)
    .map((v) => Number(v ?? 0));
  const ms = Number((m[7] ?? '0').slice(0, 3).padEnd(3, '0'));
  if (hour! > 23 || minute! > 59 || second! > 59) return undefined;
  const t = new Date(0);
  t.setUTCFullYear(year!, month! - 1, day);
  t.setUTCHours(hour!, minute!, second!, ms);
  if (t.getUTCMonth() !== month! - 1 || t.getUTCDate() !== day) return undefined;
  const offset = zoneOffsetMinutes(m[8]);
  if (offset === undefined) return undefined;
  return { ms: t.getTime() - offset * 60_000, dateOnly: m[4] === undefined };
}

/** Minutes east of UTC for Z or ±HH:MM (0 when absent), undefined past ±23:59. */
function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** The category a cell names: its trimmed text; a JSON number or boolean as JSON writes it. */
export function categoryOf(cell: Present): string {
  return typeof cell === 'string' ? cell : String(cell);
}
