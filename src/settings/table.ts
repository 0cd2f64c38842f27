// The README's settings table, made from the declarations: one table per group, and the
// rewriting of README.md between its two marker comments (npm run docs:settings; a test checks
// that README.md is what this makes). Pure: no file is read or written here.
import { type Setting, settingGroups } from './index.js';

export const tableStart =
  '<!-- settings:start (made by `npm run docs:settings` from src/settings/: edit there) -->';
export const tableEnd = '<!-- settings:end -->';

const byteUnits = [
  [1024 ** 3, 'GiB', 'GiB'],
  [1024 ** 2, 'MiB', 'MiB'],
  [1024, 'KiB', 'KiB'],
] as const;
const secondUnits = [
  [24 * 3600, 'day', 'days'],
  [3600, 'hour', 'hours'],
] as const;

/** ` (10 MiB)`, ` (7 days)`: a size or a time as a person says it, when it comes out whole. */
function spoken(env: string, value: number): string {
  const units = env.endsWith('_BYTES') ? byteUnits : env.endsWith('_SECONDS') ? secondUnits : [];
  const unit = units.find(([size]) => value >= size && value % size === 0);
  if (unit === undefined) return '';
  const [size, one, many] = unit;
  return ` (${value / size} ${value === size ? one : many})`;
}

function defaultCell(setting: Setting): string {
  if (setting.defaultDoc !== undefined) return setting.defaultDoc;
  if (setting.default === '') return 'empty';
  return `\`${setting.default}\`${spoken(setting.env, Number(setting.default))}`;
}

function row(setting: Setting): string {
  const cells = [`\`${setting.env}\``, defaultCell(setting), setting.range, setting.doc];
  return `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
}

/** The tables, one per group, as they stand between the markers. */
export function settingsTable(): string {
  return settingGroups
    .map((group) =>
      [
        `#### ${group.title}`,
        '',
        '| variable | default | range | what |',
        '|---|---|---|---|',
        ...Object.values(group.settings).map(row),
      ].join('\n'),
    )
    .join('\n\n');
}

/** The README with the tables between its markers made afresh; throws without the markers. */
export function withSettingsTable(readme: string): string {
  const start = readme.indexOf(tableStart);
  const end = readme.indexOf(tableEnd);
  if (start < 0 || end < start) {
    throw new Error(`README.md needs the lines ${tableStart} and ${tableEnd}, in that order`);
  }
  const before = readme.slice(0, start + tableStart.length);
  return `${before}\n${settingsTable()}\n${readme.slice(end)}`;
}
