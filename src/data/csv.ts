// CSV text (one header row) to a Dataset: a label column for classification, target columns
// for regression, or neither for prediction inputs. Errors name the line and column at fault.
// Not a general CSV library: cells are numbers, except class names in the label column.

import { readFileSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse/sync';
import { type Issue, ValidationError } from '../errors.js';
import { type Dataset, fromInputs, fromLabels, fromTargets, IssueList } from './dataset.js';

export interface CsvOptions {
  /** Column holding the class: non-negative integers are class indices, anything else names. */
  label?: string;
  /** Numeric regression target columns. */
  targets?: string[];
}

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

interface Columns {
  features: number[];
  targets: number[];
  label: number | undefined;
}

export function parseCsv(text: string, options: CsvOptions = {}): Dataset {
  const [head, ...body] = readRecords(text);
  const header = head!.record;
  const columns = chooseColumns(header, options);
  const issues = new IssueList();
  const inputs: number[][] = [];
  const targets: number[][] = [];
  const labelCells: string[] = [];
  for (const { record, info } of body) {
    if (issues.full) break;
    const at = `csv.line ${info.lines}`;
    if (record.length !== header.length) {
      issues.add(at, `has ${record.length} values; the header has ${header.length} columns`);
      continue;
    }
    inputs.push(columns.features.map((c) => readNumber(issues, at, header[c]!, record[c]!)));
    targets.push(columns.targets.map((c) => readNumber(issues, at, header[c]!, record[c]!)));
    if (columns.label !== undefined) {
      const cell = record[columns.label]!;
      if (cell === '') issues.add(at, `column ${header[columns.label]}: the class is empty`);
      labelCells.push(cell);
    }
  }
  issues.throwIfAny();
  const lines = body.map((r) => r.info.lines);
  const dataset = withCsvPaths(lines, () => {
    if (columns.label !== undefined) return fromLabels(inputs, classValues(labelCells));
    if (columns.targets.length > 0) return fromTargets(inputs, targets);
    return fromInputs(inputs);
  });
  dataset.featureNames = columns.features.map((c) => header[c]!);
  return dataset;
}

export function parseCsvFile(path: string, options: CsvOptions = {}): Dataset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ValidationError([{ path: 'csv', message: `cannot read ${path} (${code})` }]);
  }
  return parseCsv(text, options);
}

function readRecords(text: string): CsvRecord[] {
  let records: CsvRecord[];
  try {
    records = parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true, // ragged rows are reported below, all at once
      info: true,
    }) as unknown as CsvRecord[];
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    throw new ValidationError([{ path: `csv.line ${err.lines}`, message: err.message }]);
  }
  if (records.length === 0) {
    throw new ValidationError([
      { path: 'csv', message: 'is empty; it needs a header row and at least one data row' },
    ]);
  }
  if (records.length === 1) {
    throw new ValidationError([
      { path: 'csv', message: 'has a header row but no data rows; add at least one row' },
    ]);
  }
  return records;
}

function chooseColumns(header: string[], options: CsvOptions): Columns {
  const issues = new IssueList();
  const index = new Map<string, number>();
  header.forEach((name, c) => {
    if (name === '') issues.add('csv.line 1', `column ${c + 1} has no name; name every column`);
    else if (index.has(name)) issues.add('csv.line 1', `column ${name} appears twice; rename one`);
    else index.set(name, c);
  });
  const known = `the columns are ${listColumns(header)}`;
  const { label, targets = [] } = options;
  let labelColumn: number | undefined;
  const targetColumns: number[] = [];
  if (label !== undefined && options.targets !== undefined) {
    issues.add('targets', 'give either label (classification) or targets (regression), not both');
  } else if (label !== undefined) {
    labelColumn = index.get(label);
    if (labelColumn === undefined) issues.add('label', `no column named ${label}; ${known}`);
  } else if (options.targets !== undefined && targets.length === 0) {
    issues.add('targets', 'is empty; name at least one target column');
  }
  targets.forEach((name, i) => {
    const c = index.get(name);
    if (c === undefined) issues.add(`targets.${i}`, `no column named ${name}; ${known}`);
    else if (targetColumns.includes(c)) issues.add(`targets.${i}`, `names ${name} twice`);
    else targetColumns.push(c);
  });
  const used = new Set([...targetColumns, ...(labelColumn === undefined ? [] : [labelColumn])]);
  if (used.size > 0 && used.size === header.length) {
    issues.add(
      label !== undefined ? 'label' : 'targets',
      'uses every column; leave at least one feature column',
    );
  }
  issues.throwIfAny();
  const features = header.map((_, c) => c).filter((c) => !used.has(c));
  return { features, targets: targetColumns, label: labelColumn };
}

const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function readNumber(issues: IssueList, at: string, column: string, cell: string): number {
  if (decimal.test(cell)) {
    const v = Number(cell);
    if (Number.isFinite(v)) return v;
  }
  const shown = cell === '' ? 'is empty' : `${JSON.stringify(cell)} is not a number`;
  issues.add(at, `column ${column}: ${shown}; every cell must be a finite number`);
  return Number.NaN;
}

/** All non-negative integers: class indices. Anything else: class names. */
function classValues(cells: string[]): number[] | string[] {
  const asIndex = (cell: string): number =>
    decimal.test(cell) && Number.isInteger(Number(cell)) && Number(cell) >= 0
      ? Number(cell)
      : Number.NaN;
  const indices = cells.map(asIndex);
  return indices.some(Number.isNaN) ? cells : indices;
}

/** Dataset issues are about rows (`labels.7`); say which CSV line they came from instead. */
function withCsvPaths(lines: number[], build: () => Dataset): Dataset {
  try {
    return build();
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const toCsv = (issue: Issue): Issue => {
      const row = /^(?:inputs|targets|labels)\.(\d+)/.exec(issue.path);
      if (row) return { ...issue, path: `csv.line ${lines[Number(row[1])]}` };
      return issue.path === 'labels' ? { ...issue, path: 'label' } : issue;
    };
    throw new ValidationError(err.issues.map(toCsv));
  }
}

function listColumns(header: string[]): string {
  const shown = header.slice(0, 12).join(', ');
  return header.length > 12 ? `${shown}, ... (${header.length} columns)` : shown;
}
