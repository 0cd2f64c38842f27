// The sweep list (#/sweeps): newest first, a page at a time ("Load more" follows the cursor),
// each with its status, objective, best metric, its trials' counts and the model registered from
// it; refreshed every two seconds while any sweep shown is running.
import { newestItems, Unauthorized } from './api.js';
import { h, num, statusBadge, when } from './dom.js';
import { refPath } from './registry.js';

const pageSize = 20;
const refreshMs = 2000;
const countOrder = ['succeeded', 'pruned', 'running', 'queued', 'pending', 'failed', 'cancelled'];

export function sweepsPage(main) {
  let sweeps = [];
  let nextCursor = null;
  let timer;
  let gone = false;

  const body = h('tbody', { dataset: { testid: 'sweep-rows' } });
  const empty = h(
    'p',
    { className: 'muted', hidden: true },
    'No sweeps yet: POST one to /v1/sweeps, or run backprop sweep sweep.json --server URL.',
  );
  const more = h(
    'button',
    {
      type: 'button',
      dataset: { testid: 'load-more' },
      hidden: true,
      onclick: () => load(sweeps.length + pageSize).catch(failed),
    },
    'Load more',
  );
  main.append(
    h('div', { className: 'title-row' }, h('h1', {}, 'Sweeps')),
    h(
      'div',
      { className: 'card table-wrap' },
      h(
        'table',
        { dataset: { testid: 'sweep-list' } },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Sweep', 'Status', 'Objective', 'Best', 'Trials', 'Model', 'Created'].map((name) =>
              h('th', { scope: 'col' }, name),
            ),
          ),
        ),
        body,
      ),
      empty,
    ),
    more,
  );

  // Fetches pages from the newest until `count` sweeps (or the last page) are in hand.
  async function load(count) {
    clearTimeout(timer);
    const page = await newestItems('/v1/sweeps', 'sweeps', count, pageSize);
    if (gone) return;
    sweeps = page.items;
    nextCursor = page.nextCursor;
    body.replaceChildren(...sweeps.map(row));
    empty.hidden = sweeps.length > 0;
    more.hidden = !nextCursor;
    if (sweeps.some((sweep) => sweep.status === 'running'))
      timer = setTimeout(() => load(sweeps.length).catch(failed), refreshMs);
  }

  function failed(error) {
    if (gone || error instanceof Unauthorized) return;
    main.append(h('p', { className: 'error', role: 'alert' }, error.message));
  }

  load(pageSize).catch(failed);
  return () => {
    gone = true;
    clearTimeout(timer);
  };
}

function row(sweep) {
  const counts = countOrder
    .filter((s) => sweep.counts[s] > 0)
    .map((s) => `${sweep.counts[s]} ${s}`)
    .join(', ');
  const { model } = sweep;
  return h(
    'tr',
    { dataset: { testid: 'sweep-row', sweepId: sweep.id, status: sweep.status } },
    h('td', {}, h('a', { href: `#/sweeps/${sweep.id}`, className: 'mono' }, sweep.id)),
    h('td', {}, statusBadge(sweep.status)),
    h('td', {}, `${sweep.objective.goal} ${sweep.objective.metric}`),
    h(
      'td',
      { className: 'num', dataset: { testid: 'sweep-best-metric' } },
      sweep.best ? `${num(sweep.best.metric)} (trial ${sweep.best.index})` : '—',
    ),
    h('td', { dataset: { testid: 'sweep-counts' } }, `${sweep.trialCount}: ${counts}`),
    h(
      'td',
      {},
      model
        ? h(
            'a',
            { href: `#/models/${refPath(`${model.name}@${model.version}`)}` },
            `${model.name}@${model.version}`,
          )
        : '—',
    ),
    h('td', {}, when(sweep.createdAt)),
  );
}
