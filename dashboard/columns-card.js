// What a table model reads (the model document's `preprocessing` and `target`, issue 14): each
// input column and what it becomes, the columns it skipped and why, and its label's classes or
// its target's scaling. Column and category names come from the user's file: text only.
import { h, num } from './dom.js';

const shown = 8; // categories named in a column's row before "and N more"

function listed(names) {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}

/** What one fitted step does, in a phrase. */
function stepText(step, options) {
  switch (step.type) {
    case 'numeric':
      return [
        `standardised (mean ${num(step.mean)}, std ${num(step.std)})`,
        `missing → ${num(step.fill)} (${options.numericImpute})`,
        step.indicator ? 'with a missing indicator' : null,
      ]
        .filter(Boolean)
        .join('; ');
    case 'boolean':
      return `0/1; missing → ${step.fill}`;
    case 'categorical':
      return [
        `one-hot: ${step.categories.length} ${step.categories.length === 1 ? 'category' : 'categories'} (${listed(step.categories)}) and "other"`,
        step.missingSlot ? 'missing → a slot of its own' : `missing → ${step.fill}`,
      ].join('; ');
    case 'datetime':
      return [
        `calendar features (year, month, day of week${step.hours ? ', hour' : ''})`,
        `missing → ${new Date(step.fill).toISOString().slice(0, 10)}`,
      ].join('; ');
    default:
      return '';
  }
}

function targetPart(target) {
  if (target.task === 'classification')
    return h(
      'p',
      { dataset: { testid: 'model-target' } },
      'Predicts ',
      h('strong', {}, target.name),
      `, one of ${target.classes.length} classes (in output order): `,
      h(
        'span',
        { dataset: { testid: 'model-classes' } },
        target.classes.flatMap((name, i) => [
          i > 0 ? ', ' : null,
          h('code', { dataset: { testid: 'model-class' } }, String(name)),
        ]),
      ),
    );
  return h(
    'p',
    { dataset: { testid: 'model-target' } },
    'Predicts ',
    h('strong', {}, target.name),
    ` (regression, in its own units; standardised for training with mean ${num(target.mean)} and std ${num(target.std)}).`,
  );
}

const columnTable = (testid, headers, rows) =>
  h(
    'div',
    { className: 'table-wrap' },
    h(
      'table',
      { dataset: { testid } },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );

export function columnsCard({ preprocessing, target }) {
  const parts = [];
  if (target) parts.push(targetPart(target));
  if (preprocessing) {
    const { columns, skipped, options, inputNames } = preprocessing;
    parts.push(
      h('h3', {}, `Reads ${columns.length} ${columns.length === 1 ? 'column' : 'columns'}`),
      columnTable(
        'model-columns',
        ['column', 'as', 'how'],
        columns.map((step) =>
          h(
            'tr',
            { dataset: { testid: 'model-column', type: step.type } },
            h('th', { scope: 'row' }, step.name),
            h('td', {}, step.type),
            h('td', { className: 'wrap' }, stepText(step, options)),
          ),
        ),
      ),
    );
    if (skipped.length > 0)
      parts.push(
        h('h3', {}, `Skips ${skipped.length} ${skipped.length === 1 ? 'column' : 'columns'}`),
        columnTable(
          'model-skipped',
          ['column', 'typed', 'why'],
          skipped.map((column) =>
            h(
              'tr',
              { dataset: { testid: 'skipped-column', type: column.type } },
              h('th', { scope: 'row' }, column.name),
              h('td', {}, column.type),
              h('td', { className: 'wrap' }, column.reason),
            ),
          ),
        ),
      );
    parts.push(
      h(
        'details',
        {},
        h(
          'summary',
          {},
          `The network's ${inputNames.length} ${inputNames.length === 1 ? 'input' : 'inputs'}`,
        ),
        h('p', { className: 'mono small' }, inputNames.join(' · ')),
      ),
    );
  }
  return h(
    'section',
    { className: 'card', 'aria-labelledby': 'columns-title', dataset: { testid: 'model-data' } },
    h('h2', { id: 'columns-title' }, 'Data'),
    parts,
  );
}
