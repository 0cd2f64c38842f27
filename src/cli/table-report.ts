// A table dataset's profile as the CLI prints it after an upload: the shape, the label and its
// task, the dropped rows, and one line per column (name, type, missing, distinct, its stats).
// Text only; the numbers are the server's (GET /v1/datasets/:id has them all).
import type { components } from '../client.generated.js';

type TableMeta = components['schemas']['TableDataset'];
type Column = components['schemas']['ColumnProfile'];

/** Values listed of a categorical or boolean column, and row numbers of dropped rows. */
const listed = 3;
const listedRows = 10;

/** A number in at most 4 significant digits: 23.51, 0.0012, 1.2e+39. */
const short = (n: number) => String(Number(n.toPrecision(4)));

function statsOf(column: Column): string {
  switch (column.type) {
    case 'numeric':
      return `min ${short(column.min)}  max ${short(column.max)}  mean ${short(column.mean)}  std ${short(column.std)}`;
    case 'categorical':
    case 'boolean': {
      const top = column.top.slice(0, listed).map((t) => `${t.value} ${t.count}`);
      const more = column.distinct - top.length;
      return `${top.join(', ')}${more > 0 ? `, … ${more} more` : ''}`;
    }
    case 'datetime':
      return `${column.min} … ${column.max}`;
    default:
      return column.reason;
  }
}

/** Lines for stderr: the label, dropped rows, then the columns as an aligned table. */
export function describeTable(meta: TableMeta): string[] {
  const { label } = meta;
  const lines = [
    label
      ? `label ${label.name}: ${label.task} (${label.reason})`
      : 'no label: for scoring (backprop batch-predict), not training',
  ];
  for (const dropped of meta.droppedRows) {
    const rows = dropped.rows.slice(0, listedRows).join(', ');
    const more = dropped.count > listedRows ? ', …' : '';
    const count = `${dropped.count} row${dropped.count === 1 ? '' : 's'}`;
    lines.push(
      `dropped ${count}: ${dropped.reason} (row${dropped.count === 1 ? '' : 's'} ${rows}${more})`,
    );
  }
  const table = [
    ['COLUMN', 'TYPE', 'MISSING', 'DISTINCT', 'STATS'],
    ...meta.columns.map((c) => [c.name, c.type, String(c.missing), String(c.distinct), statsOf(c)]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const row of table) {
    lines.push(
      row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    );
  }
  return lines;
}
