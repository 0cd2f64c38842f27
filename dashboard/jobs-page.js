// The job list: newest first, a page at a time ("Load more" follows the cursor), refreshed every
// two seconds while any job shown is queued or running.
import { newestItems, Unauthorized } from './api.js';
import {
  activeStatuses,
  datasetName,
  h,
  jobDuration,
  num,
  shapeOf,
  statusBadge,
  when,
} from './dom.js';

const pageSize = 20;
const refreshMs = 2000;

export function jobsPage(main) {
  let jobs = [];
  let nextCursor = null;
  let timer;
  let gone = false;

  const body = h('tbody', { dataset: { testid: 'job-rows' } });
  const empty = h(
    'p',
    { className: 'muted', hidden: true },
    'No jobs yet. ',
    h('a', { href: '#/new' }, 'Start one.'),
  );
  const more = h(
    'button',
    {
      type: 'button',
      dataset: { testid: 'load-more' },
      hidden: true,
      onclick: () => load(jobs.length + pageSize).catch(failed),
    },
    'Load more',
  );
  main.append(
    h(
      'div',
      { className: 'title-row' },
      h('h1', {}, 'Jobs'),
      h('a', { className: 'button', href: '#/new' }, 'New job'),
    ),
    h(
      'div',
      { className: 'card table-wrap' },
      h(
        'table',
        { dataset: { testid: 'job-list' } },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'Job',
              'Status',
              'Network',
              'Dataset',
              'Epoch',
              'Last error',
              'Duration',
              'Created',
            ].map((name) => h('th', { scope: 'col' }, name)),
          ),
        ),
        body,
      ),
      empty,
    ),
    more,
  );

  // Fetches pages from the newest until `count` jobs (or the last page) are in hand.
  async function load(count) {
    clearTimeout(timer);
    const page = await newestItems('/v1/jobs', 'jobs', count, pageSize);
    if (gone) return;
    jobs = page.items;
    nextCursor = page.nextCursor;
    render();
    if (jobs.some((job) => activeStatuses.has(job.status)))
      timer = setTimeout(() => load(jobs.length).catch(failed), refreshMs);
  }

  function render() {
    body.replaceChildren(...jobs.map(row));
    empty.hidden = jobs.length > 0;
    more.hidden = !nextCursor;
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

function row(job) {
  const { network, dataset } = job.spec;
  const lastError = job.metrics?.error ?? job.progress.error;
  // a batch of predictions (issue 15): its model in place of a shape, rows in place of epochs
  const batch = job.kind === 'batch-predictions';
  // a job waiting for its dataset (issue 16) has no network or model settled yet
  const awaiting = job.spec.kind === 'awaiting-dataset';
  const shape = awaiting
    ? 'waiting for its dataset'
    : batch
      ? `batch: ${job.spec.model.ref}`
      : shapeOf(network);
  const done = awaiting
    ? '—'
    : batch
      ? `${job.progress.rows} / ${job.progress.of} rows`
      : `${job.progress.epoch} / ${job.progress.epochs}`;
  return h(
    'tr',
    { dataset: { testid: 'job-row', jobId: job.id, status: job.status } },
    h('td', {}, h('a', { href: `#/jobs/${job.id}`, className: 'mono' }, job.id)),
    h('td', {}, statusBadge(job.status)),
    h('td', { className: 'mono', dataset: { testid: 'job-shape' } }, shape),
    h('td', {}, datasetName(dataset)),
    h('td', { className: 'num' }, done),
    h('td', { className: 'num', dataset: { testid: 'job-last-error' } }, num(lastError)),
    h('td', { className: 'num' }, jobDuration(job)),
    h('td', {}, when(job.createdAt)),
  );
}
