// Which of a CSV's columns are features, targets or the label, from its header and the upload's
// options; every naming problem reported at once. Not the reading of rows (csv-rows.ts).
import type { CsvOptions } from './csv-options.js';
import { IssueList } from './dataset.js';

export interface Columns {
  features: number[];
  targets: number[];
  label: number | undefined;
}

export function chooseColumns(header: string[], options: CsvOptions): Columns {
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

export function listColumns(header: string[]): string {
  const shown = header.slice(0, 12).join(', ');
  return header.length > 12 ? `${shown}, ... (${header.length} columns)` : shown;
}
