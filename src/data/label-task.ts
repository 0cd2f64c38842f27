// Whether a label column is a class label or a regression target, from its profile (issue 14,
// "Labels and targets"), and which rows are dropped because their label is missing.
//   - categorical, boolean and text labels are classes;
//   - a numeric label is classes when every value is an integer and it has at most
//     maxClassCodes distinct values, and at most classCodeFraction of its present rows
//     (0/1, 1..5 ratings, iris's 0/1/2); otherwise a regression target;
//   - `task` overrides that for numbers; regression on a label of words is refused;
//   - datetime, id and ignored columns cannot be labels.
// Not the encoding of labels (labels.ts).
import { ValidationError } from '../errors.js';
import type { ColumnProfile, NumericColumn } from './column-profile.js';
import { maxClasses } from './labels.js';

export const tasks = ['classification', 'regression'] as const;
export type Task = (typeof tasks)[number];

/** Integer labels with more distinct values than this are quantities, not class codes. */
export const maxClassCodes = 20;
/** …and so are integer labels with more distinct values than this fraction of their rows. */
export const classCodeFraction = 0.5;
/** Row numbers listed for dropped rows (all are counted). */
export const maxListedRows = 20;

export interface TaskChoice {
  task: Task;
  /** Why, in words for a report. */
  reason: string;
}

export interface DroppedRows {
  count: number;
  /** The first maxListedRows row numbers, counted from 1 (the first row after the header). */
  rows: number[];
}

/** The label's task; a ValidationError (under `label` or `task`) when it cannot be one. */
export function inferTask(column: ColumnProfile, rows: number, requested?: Task): TaskChoice {
  switch (column.type) {
    case 'numeric':
      return numericTask(column, rows, requested);
    case 'categorical':
    case 'boolean':
    case 'text':
      if (requested === 'regression') {
        throw refusal(
          'task',
          `is regression, but the label ${column.name} is ${column.type}, not numbers; set task to classification or choose a numeric label`,
        );
      }
      return classes(column, `${column.type} label: ${column.distinct} classes`);
    default:
      throw refusal(
        'label',
        `${column.name} is ${column.type}${column.type === 'datetime' ? '' : ` (${column.reason})`} and cannot be a label; choose another column, or set its type in columns`,
      );
  }
}

function numericTask(column: NumericColumn, rows: number, requested?: Task): TaskChoice {
  const { distinct } = column;
  if (requested === 'classification') return classes(column, 'task set to classification');
  if (requested === 'regression') return { task: 'regression', reason: 'task set to regression' };
  const present = rows - column.missing;
  if (column.integer && distinct <= maxClassCodes && distinct <= classCodeFraction * present) {
    return classes(
      column,
      `integer label with ${distinct} distinct values in ${present} rows: class codes (set task to regression to predict a number)`,
    );
  }
  const kind = column.integer
    ? `integer label with ${distinct} distinct values`
    : 'real-valued label';
  return { task: 'regression', reason: `${kind} in ${present} rows: a regression target` };
}

function classes(column: ColumnProfile, reason: string): TaskChoice {
  if (column.distinct > maxClasses) {
    throw refusal(
      'label',
      `${column.name} has ${column.distinct} distinct values; a class label has at most ${maxClasses}: choose another column or set task to regression`,
    );
  }
  return { task: 'classification', reason };
}

/** Rows whose label is missing (`present[r]` undefined), counted, the first few listed. */
export function droppedRows(present: readonly unknown[]): DroppedRows {
  const listed: number[] = [];
  let count = 0;
  for (let r = 0; r < present.length; r++) {
    if (present[r] !== undefined) continue;
    count++;
    if (listed.length < maxListedRows) listed.push(r + 1);
  }
  return { count, rows: listed };
}

function refusal(path: string, message: string): ValidationError {
  return new ValidationError([{ path, message }]);
}
