// A table model's plan (issue 14): from a dataset's profile and a job's `dataset.columns`,
// `dataset.task` and `dataset.preprocessing`, which columns feed the model and as what, how wide
// each becomes, and the label's task. From the profile alone (no rows), so a job is checked and
// its network's input width known when it is submitted; the rows are read when it runs
// (prepare.ts), where every statistic is fitted on the training rows.
//
// Widths, fixed by the profile and the options, never by the split:
//   numeric      1, and 1 more "NAME (missing)" with missingIndicator when the column has blanks
//   boolean      1 (0/1)
//   categorical  min(maxCategories, distinct) category slots, 1 "missing" slot with
//                categoricalImpute "missing" when the column has blanks, and 1 "other" slot
//   datetime     5: the year (fractional, standardised), month and day of week as sin/cos pairs;
//                and 2 more (hour of day, sin/cos) when the column holds times, not only dates
// Overrides are checked against the profile: a column can always be read as categorical (by its
// texts) or skipped (text, id, ignored); as numeric only if it was inferred numeric, as datetime
// only if inferred datetime, as boolean if inferred boolean or numeric holding only 0 and 1.
// Paths in errors are under `columns`, `task`, `preprocessing` (the caller prefixes `dataset`).
import { ValidationError } from '../../errors.js';
import { defined } from '../../spec/defined.js';
import {
  defaultPreprocessOptions,
  type PreprocessOptions,
  type PreprocessOptionsSpec,
} from '../../spec/preprocessing.js';
import type { ColumnProfile, ColumnType } from '../column-profile.js';
import { IssueList } from '../issue-list.js';
import { inferTask, type Task } from '../label-task.js';
import { describe } from '../labels.js';
import { type TableProfile, unknownColumn } from '../profile.js';
import type { ColumnPlan, SkippedPlan, TablePlan } from './types.js';

export interface PlanSpec {
  /** Column name -> type, in place of the profile's. */
  columns?: Readonly<Record<string, ColumnType>>;
  /** Classification or regression, in place of the label's inferred task. */
  task?: Task;
  preprocessing?: PreprocessOptionsSpec;
}

const readTypes = ['numeric', 'categorical', 'boolean', 'datetime'] as const;
const skipTypes = ['text', 'id', 'ignored'] as const;

/** Inputs a datetime column becomes: year, month sin/cos, day-of-week sin/cos (+ hour sin/cos). */
export function datetimeWidth(hours: boolean): number {
  return hours ? 7 : 5;
}

/** Whether a datetime column's profile shows times of day (its range is not dates alone). */
export function hasTimes(column: ColumnProfile): boolean {
  return column.type === 'datetime' && (column.min.length > 10 || column.max.length > 10);
}

/** The plan, or a ValidationError naming every override that cannot hold. */
export function planTable(profile: TableProfile, spec: PlanSpec = {}): TablePlan {
  if (!profile.label) throw new Error('a table plan needs a profile with its label');
  const options: PreprocessOptions = {
    ...defaultPreprocessOptions,
    ...defined(spec.preprocessing),
  };
  const issues = new IssueList();
  const header = profile.columns.map((c) => c.name);
  const overrides = spec.columns ?? {};
  for (const name of Object.keys(overrides)) {
    if (!header.includes(name)) issues.add(`columns.${name}`, unknownColumn(header, name));
  }
  const labelName = profile.label.name;
  const inputs: ColumnPlan[] = [];
  const skipped: SkippedPlan[] = [];
  let labelIndex = -1;
  let labelColumn: ColumnProfile | undefined;
  profile.columns.forEach((column, index) => {
    const override = Object.hasOwn(overrides, column.name) ? overrides[column.name] : undefined;
    if (column.name === labelName) {
      labelIndex = index;
      labelColumn = labelAs(issues, column, override);
      return;
    }
    const type = override === undefined ? column.type : readAs(issues, column, override);
    if (type === undefined) return;
    if ((skipTypes as readonly string[]).includes(type)) {
      const reason =
        override !== undefined
          ? 'set in columns'
          : 'reason' in column
            ? column.reason
            : `${column.type} column`;
      skipped.push({ name: column.name, type: type as SkippedPlan['type'], reason });
      return;
    }
    const read = type as ColumnPlan['type'];
    inputs.push({ name: column.name, index, type: read, width: widthOf(column, read, options) });
  });
  let label: TablePlan['label'] | undefined;
  if (labelColumn) {
    try {
      const choice = inferTask(labelColumn, profile.rows, spec.task);
      label = { name: labelName, index: labelIndex, ...choice };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const issue of error.issues) issues.add(issue.path, issue.message);
    }
  }
  if (label && inputs.length === 0) {
    issues.add(
      'columns',
      `no column is left to learn from: every column but the label ${labelName} is skipped (${skipped.map((s) => `${s.name}: ${s.type}`).join(', ')}); set one to numeric or categorical`,
    );
  }
  issues.throwIfAny();
  const width = inputs.reduce((sum, c) => sum + c.width, 0);
  return { inputs, skipped, label: label!, width, options };
}

/** Inputs one column becomes, read as `type`. */
export function widthOf(
  column: ColumnProfile,
  type: ColumnPlan['type'],
  options: PreprocessOptions,
): number {
  const blanks = column.missing > 0;
  switch (type) {
    case 'numeric':
      return options.missingIndicator && blanks ? 2 : 1;
    case 'boolean':
      return 1;
    case 'datetime':
      return datetimeWidth(hasTimes(column));
    case 'categorical': {
      const missingSlot = options.categoricalImpute === 'missing' && blanks ? 1 : 0;
      return Math.min(options.maxCategories, column.distinct) + missingSlot + 1;
    }
  }
}

// The type an override reads a column as, or undefined (with an issue) when it cannot hold.
function readAs(
  issues: IssueList,
  column: ColumnProfile,
  override: ColumnType,
): ColumnType | undefined {
  const at = `columns.${column.name}`;
  if (!(readTypes as readonly string[]).includes(override)) {
    if ((skipTypes as readonly string[]).includes(override)) return override;
    issues.add(
      at,
      `must be one of ${[...readTypes, ...skipTypes].join(', ')} (got ${describe(override)})`,
    );
    return undefined;
  }
  if (column.type === 'ignored' && column.missing > 0 && column.distinct === 0) {
    issues.add(at, `is set to ${override}, but every row is missing; set it to ignored`);
    return undefined;
  }
  if (override === 'categorical' || override === column.type) return override;
  if (override === 'boolean' && column.type === 'numeric' && column.min >= 0 && column.max <= 1) {
    if (column.integer) return override;
  }
  const holds =
    column.type === 'categorical'
      ? ` such as ${column.top
          .slice(0, 3)
          .map((t) => JSON.stringify(t.value))
          .join(', ')}`
      : '';
  const what: Record<string, string> = {
    numeric: 'finite numbers',
    boolean: 'true/false, yes/no or 0/1',
    datetime: 'ISO 8601 dates (YYYY-MM-DD) or date-times',
  };
  issues.add(
    at,
    `is set to ${override}, but the column holds values that are not ${what[override]} (it reads as ${column.type}${holds}); set it to ${[...new Set(['categorical', column.type])].join(', ')} or ignored`,
  );
  return undefined;
}

// The label's profile as the override reads it; the label is never skipped.
function labelAs(
  issues: IssueList,
  column: ColumnProfile,
  override: ColumnType | undefined,
): ColumnProfile | undefined {
  if (override === undefined || override === column.type) return column;
  const at = `columns.${column.name}`;
  if (override === 'categorical') {
    const top = 'top' in column ? column.top.map((t) => ({ ...t, value: String(t.value) })) : [];
    return {
      name: column.name,
      type: 'categorical',
      missing: column.missing,
      distinct: column.distinct,
      top,
    };
  }
  issues.add(
    at,
    `is the label; it can be read as categorical (classes) or as profiled (${column.type}), not ${describe(override)}: set task instead to choose classification or regression`,
  );
  return undefined;
}
