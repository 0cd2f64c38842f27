// The model list (#/models?name=&tag=&order=&limit=): every model of the user's, named or not,
// newest first or grouped by name, a page at a time ("Load more" follows the cursor), each with
// its name@version, aliases, tags, headline evaluation on held-out rows, job, dataset and date.
// The filters are the list's query parameters (GET /v1/models?name=&tag=), kept in the hash so a
// filtered list can be linked to.
import { api, issuesOf, Unauthorized } from './api.js';
import { h, issueList, when } from './dom.js';
import {
  aliasBadges,
  headline,
  modelHref,
  modelLabel,
  nameHref,
  shortId,
  tagChips,
} from './registry.js';

export function modelsPage(main, { query }, { navigate }) {
  const params = new URLSearchParams(query ?? '');
  const filters = { name: params.get('name') ?? '', tag: params.get('tag') ?? '' };
  const limit = params.get('limit');
  const order = params.get('order') === 'name' ? 'name' : 'newest';
  let models = [];
  let nextCursor = null;
  let gone = false;

  const nameInput = h('input', {
    type: 'text',
    id: 'models-name',
    name: 'name',
    value: filters.name,
    placeholder: 'penguins',
    dataset: { testid: 'filter-name' },
  });
  const tagInput = h('input', {
    type: 'text',
    id: 'models-tag',
    name: 'tag',
    value: filters.tag,
    placeholder: 'team:bio',
    dataset: { testid: 'filter-tag' },
  });
  const orderSelect = h(
    'select',
    { id: 'models-order', name: 'order', dataset: { testid: 'models-order' } },
    h('option', { value: 'newest', selected: order === 'newest' }, 'newest first'),
    h('option', { value: 'name', selected: order === 'name' }, 'grouped by name'),
  );

  // the hash for these filters and order (the page re-renders from it)
  const hashFor = (next) => {
    const q = new URLSearchParams();
    for (const [key, value] of Object.entries(next)) if (value) q.set(key, value);
    if (limit) q.set('limit', limit);
    const text = q.toString();
    return text ? `#/models?${text}` : '#/models';
  };
  const current = () => ({
    name: nameInput.value.trim(),
    tag: tagInput.value.trim(),
    order: orderSelect.value === 'name' ? 'name' : '',
  });
  orderSelect.addEventListener('change', () => navigate(hashFor(current())));

  const form = h(
    'form',
    {
      className: 'filters',
      dataset: { testid: 'models-filter' },
      onsubmit: (event) => {
        event.preventDefault();
        navigate(hashFor(current()));
      },
    },
    h('label', { for: 'models-name' }, 'Name'),
    nameInput,
    h('label', { for: 'models-tag' }, 'Tag'),
    tagInput,
    h('button', { type: 'submit', dataset: { testid: 'filter-submit' } }, 'Filter'),
    h('label', { for: 'models-order' }, 'Order'),
    orderSelect,
  );
  const problems = h('div');
  const body = h('tbody', { dataset: { testid: 'model-rows' } });
  const empty = h(
    'p',
    { className: 'muted', dataset: { testid: 'no-models' }, hidden: true },
    filters.name || filters.tag
      ? 'No model matches these filters.'
      : 'No models yet: a job that succeeds stores one (name it with the spec\'s "model": {"name": …}).',
  );
  const more = h(
    'button',
    {
      type: 'button',
      dataset: { testid: 'load-more' },
      hidden: true,
      onclick: () => load(nextCursor).catch(failed),
    },
    'Load more',
  );
  const table = h(
    'table',
    { dataset: { testid: 'model-list' } },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Model', 'Aliases', 'Tags', 'Evaluation (held out)', 'Job', 'Dataset', 'Created'].map(
          (name) => h('th', { scope: 'col' }, name),
        ),
      ),
    ),
    body,
  );
  main.append(
    h('div', { className: 'title-row' }, h('h1', {}, 'Models')),
    form,
    problems,
    h('div', { className: 'card table-wrap' }, table, empty),
    more,
  );

  // the list query of these filters (without the cursor), on the table once its rows are in
  const listQuery = new URLSearchParams();
  if (filters.name) listQuery.set('name', filters.name);
  if (filters.tag) listQuery.set('tag', filters.tag);
  if (limit) listQuery.set('limit', limit);

  async function load(cursor) {
    const q = new URLSearchParams(listQuery);
    if (cursor) q.set('cursor', cursor);
    const { ok, body: page } = await api(`/v1/models?${q}`);
    if (gone) return;
    if (!ok) {
      problems.replaceChildren(issueList('models-errors', issuesOf(page)));
      return;
    }
    problems.replaceChildren();
    models = [...models, ...page.models];
    nextCursor = page.nextCursor;
    render();
  }

  function render() {
    body.replaceChildren(...(order === 'name' ? grouped(models) : models.map(row)));
    table.dataset.query = listQuery.toString();
    table.dataset.rows = String(models.length);
    empty.hidden = models.length > 0;
    more.hidden = !nextCursor;
  }

  function failed(error) {
    if (gone || error instanceof Unauthorized) return;
    problems.replaceChildren(h('p', { className: 'error', role: 'alert' }, error.message));
  }

  load(null).catch(failed);
  return () => {
    gone = true;
  };
}

// The models loaded so far by name (names in order, each name's versions newest first), the
// unnamed ones last, each group under a row naming it.
function grouped(models) {
  const byName = new Map();
  for (const model of models) {
    const key = model.name ?? '';
    if (!byName.has(key)) byName.set(key, []);
    byName.get(key).push(model);
  }
  const names = [...byName.keys()].filter(Boolean).sort((a, b) => a.localeCompare(b));
  if (byName.has('')) names.push('');
  return names.flatMap((name) => {
    const group = byName.get(name).sort((a, b) => (b.version ?? 0) - (a.version ?? 0));
    const title = name
      ? [h('a', { href: nameHref(name) }, name), ` · ${countOf(group.length, 'version')} shown`]
      : [`Unnamed models · ${group.length} shown`];
    return [
      h(
        'tr',
        { className: 'group', dataset: { testid: 'name-group', name } },
        h('th', { scope: 'colgroup', colSpan: 7 }, title),
      ),
      ...group.map(row),
    ];
  });
}

const countOf = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function row(model) {
  return h(
    'tr',
    {
      dataset: {
        testid: 'model-row',
        modelId: model.id,
        name: model.name,
        version: model.version,
      },
    },
    h(
      'td',
      {},
      h(
        'a',
        { href: modelHref(model), className: 'mono', dataset: { testid: 'model-label' } },
        modelLabel(model),
      ),
      model.name
        ? [' ', h('a', { href: nameHref(model.name), className: 'small' }, 'versions')]
        : [' ', h('span', { className: 'muted small' }, 'unnamed')],
    ),
    h('td', {}, aliasBadges(model.aliases)),
    h('td', {}, tagChips(model.tags)),
    h('td', {}, headline(model.metrics)),
    h(
      'td',
      {},
      model.jobId
        ? shortId(model.jobId, `#/jobs/${encodeURIComponent(model.jobId)}`)
        : h('span', { className: 'muted' }, 'imported'),
    ),
    h('td', {}, model.datasetId ? shortId(model.datasetId) : '—'),
    h('td', {}, when(model.createdAt)),
  );
}
