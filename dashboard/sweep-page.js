// One sweep (#/sweeps/:id), live from its event stream while it runs: its status and counts, a
// Cancel button, the best trial (and the model registered from it), the trials' curves overlaid,
// one scatter per parameter against the objective, the leaderboard, and the sweep as submitted.
// The curves are trial-curves.js's (each trial's job stream); the drawings sweep-charts.js's.
import { api, cancelOnClick, eventsUrl, issuesOf, Unauthorized } from './api.js';
import { h, issueList, num, statusBadge, when } from './dom.js';
import { refPath } from './registry.js';
import { curvesChart, parameterChart } from './sweep-charts.js';
import { leaderboard, paramText } from './sweep-leaderboard.js';
import { trialCurves } from './trial-curves.js';

const countOrder = ['pending', 'queued', 'running', 'succeeded', 'pruned', 'failed', 'cancelled'];

export function sweepPage(main, { id }) {
  let sweep;
  let source;
  let curves;
  let chart;
  let gone = false;
  let scatterKey = '';
  let scatterDestroys = [];
  let pendingDraw = false;
  let latestCurves = [];

  const status = h('span', { dataset: { testid: 'sweep-status-slot' } });
  const cancel = h(
    'button',
    { type: 'button', className: 'danger', dataset: { testid: 'cancel-sweep' }, hidden: true },
    'Cancel',
  );
  const summary = h('p', {
    className: 'muted',
    dataset: { testid: 'sweep-summary' },
    'aria-live': 'polite',
  });
  const notice = h('div');
  const best = h('section', {
    className: 'card',
    dataset: { testid: 'sweep-best' },
    'aria-labelledby': 'best-title',
  });
  const curvesPlot = h('div', { className: 'chart', dataset: { testid: 'trial-curves' } });
  const curvesTitle = h('h2', { id: 'curves-title' }, 'Trials per epoch');
  const scatters = h('div', { className: 'param-plots', dataset: { testid: 'param-plots' } });
  const board = h('div', { className: 'table-wrap' });
  const request = h('pre', { className: 'spec', dataset: { testid: 'sweep-request' } });
  main.append(
    h(
      'div',
      { className: 'title-row' },
      h('h1', {}, 'Sweep ', h('span', { className: 'mono' }, id)),
      status,
      cancel,
    ),
    summary,
    notice,
    best,
    h('section', { className: 'card', 'aria-labelledby': 'curves-title' }, curvesTitle, curvesPlot),
    h(
      'section',
      { className: 'card', 'aria-labelledby': 'params-title' },
      h('h2', { id: 'params-title' }, 'Parameters against the objective'),
      scatters,
    ),
    h(
      'section',
      { className: 'card', 'aria-labelledby': 'board-title' },
      h('h2', { id: 'board-title' }, 'Leaderboard'),
      board,
    ),
    h(
      'section',
      { className: 'card', 'aria-labelledby': 'request-title' },
      h('h2', { id: 'request-title' }, 'The sweep as submitted (defaults filled in)'),
      request,
    ),
  );

  function render() {
    status.replaceChildren(statusBadge(sweep.status, 'sweep-status'));
    cancel.hidden = sweep.status !== 'running';
    const counts = countOrder
      .filter((s) => sweep.counts[s] > 0)
      .map((s) => `${sweep.counts[s]} ${s}`)
      .join(', ');
    const { metric, goal } = sweep.objective;
    summary.textContent = [
      `${goal} ${metric}`,
      `${sweep.method}, ${sweep.trialCount} trials, ${sweep.parallel} at once`,
      counts,
      `started ${when(sweep.createdAt)}`,
    ].join(' · ');
    notice.replaceChildren(
      sweep.error
        ? h(
            'p',
            { className: 'error', role: 'alert', dataset: { testid: 'sweep-error' } },
            sweep.error,
          )
        : '',
    );
    best.replaceChildren(...bestCard(sweep));
    board.replaceChildren(leaderboard(sweep));
    drawScatters();
    curves?.update(sweep.trials);
  }

  // one scatter per parameter, drawn anew only when a trial's metric came or changed
  function drawScatters() {
    const withMetric = sweep.trials.filter((t) => t.metric !== null);
    const key = withMetric.map((t) => `${t.index}:${t.metric}:${t.status}`).join('|');
    if (key === scatterKey) return;
    scatterKey = key;
    for (const destroy of scatterDestroys) destroy();
    const paths = Object.keys(sweep.trials[0]?.params ?? {});
    const boxes = paths.map((path) => {
      const plot = h('div', { className: 'param-plot', dataset: { testid: 'param-plot', path } });
      return { path, plot, box: h('figure', {}, h('figcaption', {}, h('code', {}, path)), plot) };
    });
    scatters.replaceChildren(...boxes.map((b) => b.box));
    scatterDestroys = boxes.map(({ path, plot }) =>
      parameterChart(plot, {
        path,
        metric: sweep.objective.metric,
        points: withMetric.map((t) => ({
          value: t.params[path],
          metric: t.metric,
          pruned: t.status === 'pruned',
        })),
      }),
    );
  }

  function drawCurves(list) {
    latestCurves = list;
    if (pendingDraw) return;
    pendingDraw = true;
    requestAnimationFrame(() => {
      pendingDraw = false;
      if (!gone) chart.draw(latestCurves);
    });
  }

  function updateTrial(change) {
    const trial = sweep.trials.find((t) => t.index === change.index);
    if (!trial) return;
    if (change.status !== undefined && change.status !== trial.status) {
      sweep.counts[trial.status] -= 1;
      sweep.counts[change.status] = (sweep.counts[change.status] ?? 0) + 1;
    }
    Object.assign(trial, change);
  }

  async function refresh() {
    const { ok, body } = await api(`/v1/sweeps/${encodeURIComponent(id)}`);
    if (gone) return false;
    if (!ok) {
      notice.replaceChildren(issueList('sweep-errors', issuesOf(body)));
      return false;
    }
    sweep = body;
    render();
    return true;
  }

  function listen() {
    source = new EventSource(eventsUrl(id, 'sweeps'));
    const on = (type, handle) =>
      source.addEventListener(type, (event) => {
        if (gone) return;
        handle(JSON.parse(event.data));
        render();
      });
    on('sweep', (view) => {
      sweep = view;
    });
    on('trial', updateTrial);
    on('epoch', ({ index, epoch }) => updateTrial({ index, epochs: epoch }));
    on('best', (next) => {
      sweep.best = next;
    });
    source.addEventListener('end', () => {
      // the stream ends here; an EventSource would reconnect and hear it all again
      source.close();
      refresh().catch(failed);
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) refresh().catch(failed);
    });
  }

  cancelOnClick(cancel, `/v1/sweeps/${encodeURIComponent(id)}/cancel`, {
    done: (body) => {
      sweep = body;
      render();
    },
    refused: (problem) => notice.replaceChildren(issueList('sweep-errors', issuesOf(problem))),
    failed,
  });

  function failed(error) {
    if (gone || error instanceof Unauthorized) return;
    notice.replaceChildren(h('p', { className: 'error', role: 'alert' }, error.message));
  }

  refresh()
    .then((found) => {
      if (!found || gone) return;
      request.textContent = JSON.stringify(sweep.request, null, 2);
      curvesTitle.textContent = `${sweep.objective.metric} per epoch, every trial`;
      chart = curvesChart(curvesPlot, sweep.objective.metric);
      curves = trialCurves(sweep.objective.metric, drawCurves);
      curves.update(sweep.trials);
      listen();
    })
    .catch(failed);

  return () => {
    gone = true;
    source?.close();
    curves?.close();
    chart?.destroy();
    for (const destroy of scatterDestroys) destroy();
  };
}

function bestCard(sweep) {
  const title = h('h2', { id: 'best-title' }, 'Best trial');
  const b = sweep.best;
  if (!b)
    return [
      title,
      h(
        'p',
        { className: 'muted', dataset: { testid: 'no-best' } },
        sweep.status === 'running' ? 'No trial has succeeded yet.' : 'No trial succeeded.',
      ),
    ];
  const facts = [
    ['trial', String(b.index)],
    [sweep.objective.metric, num(b.metric)],
    ...Object.entries(b.params).map(([path, value]) => [path, paramText(value)]),
  ];
  const model = sweep.model;
  const ref = model ? `${model.name}@${model.alias ?? model.version}` : null;
  return [
    title,
    h(
      'dl',
      { className: 'metrics' },
      facts.map(([label, value]) =>
        h('div', {}, h('dt', {}, label), h('dd', { dataset: { best: label } }, value)),
      ),
    ),
    h(
      'p',
      {},
      h(
        'a',
        { href: `#/jobs/${encodeURIComponent(b.jobId)}`, dataset: { testid: 'best-job-link' } },
        `its job ${b.jobId}`,
      ),
      model
        ? [
            ' · registered as ',
            h(
              'a',
              { href: `#/models/${refPath(ref)}`, dataset: { testid: 'best-model-link' } },
              `${model.name}@${model.version}`,
              model.alias ? ` (${model.alias})` : '',
            ),
          ]
        : sweep.status === 'running'
          ? ' · its model is registered when the sweep ends'
          : '',
    ),
  ];
}
