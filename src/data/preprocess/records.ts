// Predict's records (issue 14, "Predict by column name") as network inputs: each record an
// object of column name -> value, read by a fitted preprocessing. A field left out, null, blank
// or a missing token is imputed; an unseen category goes to "other" with a warning; a value its
// column cannot read (a word for a number) is an issue at `records.<i>.<field>`, all of them
// thrown at once as one ValidationError. Only a record's own fields are read (Object.hasOwn), so
// `__proto__`, `constructor` or `toString` as field names are data like any other. Fields the
// model does not read are ignored: the label and skipped columns silently, other names with one
// warning. Pure; not the table path (transform.ts) nor the layout of inputs (steps.ts).
import type { ColumnStep, Preprocessor } from '../../spec/preprocessing.js';
import { categoryOf, readBoolean, readDate, readNumber } from '../cell-readers.js';
import { maxFloat32, notAFloat32 } from '../dataset.js';
import { IssueList } from '../issue-list.js';
import { describe } from '../labels.js';
import { missingSet, type Present, presentOf } from '../missing.js';
import type { Cell } from '../table.js';
import { encodeDate, encodeNumber, slotMap, slotOf, stepNames, stepWidth } from './steps.js';

export interface RecordInputs {
  /** rows × pre.width, row-major. */
  inputs: Float32Array;
  rows: number;
  /** Unseen categories and unknown fields, for the answer. */
  warnings: string[];
}

/** Issues and unseen categories listed; the rest are counted. */
export const maxListed = 10;
/** Unknown field names counted (hostile records may hold millions). */
const maxUnknown = 1000;

/** Reads one present value into out[at…], or returns what is wrong with it. */
type Reader = (
  out: Float32Array,
  at: number,
  value: Present | undefined,
  where: string,
) => string | undefined;

/**
 * The records' inputs; a ValidationError listing (up to maxListed) fields at fault under `path`.
 * `label`, the model's label name, is ignored without a warning.
 */
export function transformRecords(
  pre: Preprocessor,
  records: readonly unknown[],
  path = 'records',
  label?: string,
): RecordInputs {
  const missing = missingSet(pre.missingTokens);
  const unseen: Unseen = { listed: [], count: 0 };
  const readers = pre.columns.map((step) => readerFor(step, unseen));
  const quiet = new Set([...pre.columns.map((s) => s.name), ...pre.skipped.map((s) => s.name)]);
  if (label !== undefined) quiet.add(label);
  const unknown = new Set<string>();
  const issues = new IssueList(maxListed);
  const inputs = new Float32Array(records.length * pre.width);
  for (let i = 0; i < records.length && !issues.full; i++) {
    const record = records[i];
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      issues.add(`${path}.${i}`, `must be an object of column: value (got ${describe(record)})`);
      continue;
    }
    for (const key of Object.keys(record)) {
      if (!quiet.has(key) && unknown.size < maxUnknown) unknown.add(key);
    }
    let at = i * pre.width;
    pre.columns.forEach((step, k) => {
      const where = `${path}.${i}.${step.name}`;
      const raw: unknown = Object.hasOwn(record, step.name)
        ? (record as Record<string, unknown>)[step.name]
        : undefined;
      if (
        raw !== null &&
        raw !== undefined &&
        !['string', 'number', 'boolean'].includes(typeof raw)
      ) {
        issues.add(where, `must be a string, number, boolean or null (got ${describe(raw)})`);
      } else {
        const problem = readers[k]!(inputs, at, presentOf(raw as Cell, missing), where);
        if (problem) issues.add(where, problem);
      }
      at += stepWidth(step);
    });
  }
  issues.throwIfAny();
  return { inputs, rows: records.length, warnings: warningsOf(path, unseen, unknown) };
}

interface Unseen {
  listed: string[];
  count: number;
}

function readerFor(step: ColumnStep, unseen: Unseen): Reader {
  switch (step.type) {
    case 'numeric':
      return (out, at, value) => {
        if (value === undefined) return void encodeNumber(out, at, step, undefined);
        const x = readNumber(value);
        if (x === undefined) {
          return `must be a number (got ${describe(value)}): give a number such as 12.5, or leave it out or null to impute it`;
        }
        if (Math.abs(x) > maxFloat32) return notAFloat32(x);
        encodeNumber(out, at, step, x);
        if (!Number.isFinite(out[at])) {
          return `is ${x}, too far from the training rows (mean ${step.mean}, std ${step.std}) to be a 32-bit input`;
        }
        return undefined;
      };
    case 'boolean':
      return (out, at, value) => {
        const b = value === undefined ? undefined : readBoolean(value, true);
        if (value !== undefined && b === undefined) {
          return `must be true/false, yes/no or 0/1 (got ${describe(value)}), or leave it out or null to impute it`;
        }
        out[at] = b === undefined ? step.fill : b ? 1 : 0;
        return undefined;
      };
    case 'categorical': {
      const slots = slotMap(step);
      const names = stepNames(step);
      return (out, at, value, where) => {
        const text = value === undefined ? undefined : categoryOf(value);
        const slot = slotOf(step, slots, text);
        out[at + slot] = 1;
        if (text !== undefined && !slots.has(text)) {
          if (unseen.listed.length < maxListed) {
            unseen.listed.push(
              `${where}: ${describe(text)} was not among the training rows' categories; read as ${names[slot]}`,
            );
          }
          unseen.count++;
        }
        return undefined;
      };
    }
    case 'datetime':
      return (out, at, value) => {
        const date = value === undefined ? undefined : readDate(value);
        if (value !== undefined && date === undefined) {
          return `must be an ISO 8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ) (got ${describe(value)}), or leave it out or null to impute it`;
        }
        encodeDate(out, at, step, date?.ms);
        return undefined;
      };
  }
}

function warningsOf(path: string, unseen: Unseen, unknown: ReadonlySet<string>): string[] {
  const warnings = [...unseen.listed];
  if (unseen.count > unseen.listed.length) {
    warnings.push(`and ${unseen.count - unseen.listed.length} more unseen categories`);
  }
  if (unknown.size > 0) {
    const names = [...unknown];
    const shown = names
      .slice(0, maxListed)
      .map((n) => JSON.stringify(n))
      .join(', ');
    const atLeast = names.length >= maxUnknown ? 'at least ' : '';
    const more = names.length > maxListed ? ` and ${atLeast}${names.length - maxListed} more` : '';
    warnings.push(
      `${path}: ${names.length === 1 ? 'field' : 'fields'} ${shown}${more} ignored: not a column the model reads or its label`,
    );
  }
  return warnings;
}
