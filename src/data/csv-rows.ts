// One CSV's rows, taken a record at a time: which columns are features, targets or the label
// (from the header and the options), numbers checked and written straight into float32 arrays,
// class cells kept as one id per distinct cell, turned into indices at the end. Not a CSV
// parser: csv-parse gives the records.
import { type Issue, ValidationError } from '../errors.js';
import { type Columns, chooseColumns } from './csv-columns.js';
import type { CsvOptions, CsvRecord } from './csv-options.js';
import { type DataRows, IssueList, maxFloat32, notAFloat32 } from './dataset.js';
import { maxClasses, noCellLimit, oneHotTooLarge, readLabels } from './labels.js';

/**
 * A CSV's rows taken one record at a time (so a stream can feed it between turns of the event
 * loop), numbers straight into growing float32 arrays; class cells become indices at the end.
 * Past `maxCells` values in inputs or targets it stops taking rows (`full`) and reports it.
 */
export class CsvRows {
  private readonly columns: Columns;
  private readonly issues = new IssueList();
  private inputs: Float32Array = new Float32Array(1024);
  private targets: Float32Array = new Float32Array(1024);
  // each row's class cell as the id of its distinct text: no string per row is kept, and the
  // class values are worked out once per distinct cell (a million rows hold a few classes)
  private cellIds: Int32Array = new Int32Array(1024);
  private readonly distinct = new Map<string, number>();
  /** The line each distinct cell first appears on, to name it in an issue. */
  private readonly firstLines: number[] = [];
  private rows = 0;
  private overLimit = false;

  constructor(
    private readonly header: string[],
    options: CsvOptions,
    private readonly maxCells = noCellLimit,
  ) {
    this.columns = chooseColumns(header, options);
  }

  /** True once nothing more can be taken: too many issues, or past the limit. */
  get full(): boolean {
    return this.issues.full || this.overLimit;
  }

  add({ record, info }: CsvRecord): void {
    if (this.full) return;
    const { header, columns, issues } = this;
    const at = `csv.line ${info.lines}`;
    if (record.length !== header.length) {
      issues.add(at, `has ${record.length} values; the header has ${header.length} columns`);
      return;
    }
    const width = Math.max(columns.features.length, columns.targets.length);
    if ((this.rows + 1) * width > this.maxCells) {
      this.overLimit = true;
      const seen = `has at least ${this.rows + 1} rows × ${width} values`;
      issues.add('csv', `${seen}; this service takes at most ${this.maxCells} (MAX_DATASET_CELLS)`);
      return;
    }
    this.inputs = this.put(this.inputs, columns.features, record, at);
    this.targets = this.put(this.targets, columns.targets, record, at);
    if (columns.label !== undefined) {
      const cell = record[columns.label]!;
      if (cell === '') issues.add(at, `column ${header[columns.label]}: the class is empty`);
      this.addLabel(cell, info.lines);
    }
    this.rows++;
  }

  private addLabel(cell: string, line: number): void {
    let id = this.distinct.get(cell);
    if (id === undefined) {
      id = this.distinct.size;
      if (id === maxClasses) {
        this.overLimit = true;
        this.issues.add(
          'label',
          `has more than ${maxClasses} distinct classes; at most ${maxClasses}`,
        );
        return;
      }
      this.distinct.set(cell, id);
      this.firstLines.push(line);
    }
    if (this.rows === this.cellIds.length) {
      const grown = new Int32Array(this.cellIds.length * 2);
      grown.set(this.cellIds);
      this.cellIds = grown;
    }
    this.cellIds[this.rows] = id;
  }

  // Writes this row's cells of `picked` columns into `into`, grown (doubled) when full.
  private put(into: Float32Array, picked: number[], record: string[], at: string): Float32Array {
    const width = picked.length;
    let out = into;
    if ((this.rows + 1) * width > out.length) {
      out = new Float32Array(Math.max(out.length * 2, (this.rows + 1) * width));
      out.set(into);
    }
    for (let i = 0; i < width; i++) {
      const c = picked[i]!;
      out[this.rows * width + i] = readNumber(this.issues, at, this.header[c]!, record[c]!);
    }
    return out;
  }

  /** The rows read, or a ValidationError with every issue found on the way. */
  finish(): DataRows {
    const { columns, rows, issues } = this;
    issues.throwIfAny();
    const features = columns.features.length;
    const base = {
      rows,
      features,
      inputs: this.inputs.slice(0, rows * features),
      featureNames: columns.features.map((c) => this.header[c]!),
    };
    if (columns.label !== undefined) return { ...base, ...this.labelled() };
    const outputs = columns.targets.length;
    return { ...base, outputs, targets: this.targets.slice(0, rows * outputs) };
  }

  // Distinct class cells to class indices, then each row's; issues name the CSV line where the
  // cell first appears (`labels.7` is the 8th distinct cell, not a row).
  private labelled(): Pick<DataRows, 'outputs' | 'labels' | 'classes'> {
    const issues = new IssueList();
    const encoded = readLabels(issues, classValues([...this.distinct.keys()]));
    if (encoded && this.rows * encoded.classes.length > this.maxCells)
      issues.add('label', oneHotTooLarge(this.rows, encoded.classes.length, this.maxCells));
    const toLine = (issue: Issue): Issue => {
      const cell = /^labels\.(\d+)/.exec(issue.path);
      if (cell) return { ...issue, path: `csv.line ${this.firstLines[Number(cell[1])]}` };
      return issue.path === 'labels' ? { ...issue, path: 'label' } : issue;
    };
    if (issues.issues.length > 0) throw new ValidationError(issues.issues.map(toLine));
    const { labels: byCell, classes } = encoded!;
    const labels = new Int32Array(this.rows);
    for (let r = 0; r < this.rows; r++) labels[r] = byCell[this.cellIds[r]!]!;
    return { outputs: classes.length, labels, classes };
  }
}

const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function readNumber(issues: IssueList, at: string, column: string, cell: string): number {
  if (decimal.test(cell)) {
    const v = Number(cell);
    if (Math.abs(v) <= maxFloat32) return v;
    if (Number.isFinite(v)) {
      issues.add(at, `column ${column}: ${notAFloat32(v)}`);
      return Number.NaN;
    }
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
