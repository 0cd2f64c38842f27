// A sweep's leaderboard: every trial in one table, the succeeded ones ranked by the objective
// (ascending to minimize, descending to maximize; of equals the lower index, as the service picks
// the best), then the pruned ones by the metric at their rung, then those still to finish, and
// each row's parameters, status, metric, epochs and a link to its job's page. Pure rendering.
import { h, num, statusBadge } from './dom.js';

// the order of the groups: the ones that could be the best first
const groups = ['succeeded', 'pruned', 'running', 'queued', 'pending', 'failed', 'cancelled'];

/** The trials in leaderboard order, each with its rank (succeeded trials only) or null. */
export function ranked(trials, goal) {
  const better = goal === 'maximize' ? (a, b) => b - a : (a, b) => a - b;
  const sorted = [...trials].sort((a, b) => {
    const group = groups.indexOf(a.status) - groups.indexOf(b.status);
    if (group !== 0) return group;
    if (a.metric !== null && b.metric !== null && a.metric !== b.metric)
      return better(a.metric, b.metric);
    if ((a.metric === null) !== (b.metric === null)) return a.metric === null ? 1 : -1;
    return a.index - b.index;
  });
  let rank = 0;
  return sorted.map((trial) => ({
    trial,
    rank: trial.status === 'succeeded' && trial.metric !== null ? ++rank : null,
  }));
}

/** A parameter's value as shown: numbers to four significant digits. */
export function paramText(value) {
  return typeof value === 'number' ? num(value) : String(value);
}

export function leaderboard(sweep) {
  const paths = Object.keys(sweep.trials[0]?.params ?? {});
  const bestIndex = sweep.best?.index;
  return h(
    'table',
    { dataset: { testid: 'leaderboard' } },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col', className: 'num' }, 'Rank'),
        h('th', { scope: 'col', className: 'num' }, 'Trial'),
        paths.map((path) => h('th', { scope: 'col' }, h('code', {}, path))),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col', className: 'num' }, sweep.objective.metric),
        h('th', { scope: 'col', className: 'num' }, 'Epochs'),
        h('th', { scope: 'col' }, 'Job'),
      ),
    ),
    h(
      'tbody',
      {},
      ranked(sweep.trials, sweep.objective.goal).map(({ trial, rank }) =>
        h(
          'tr',
          {
            className: trial.index === bestIndex ? 'best' : undefined,
            dataset: {
              testid: 'trial-row',
              index: trial.index,
              status: trial.status,
              metric: trial.metric ?? '',
              epochs: trial.epochs,
            },
          },
          h('td', { className: 'num', dataset: { testid: 'trial-rank' } }, rank ?? '—'),
          h('td', { className: 'num' }, trial.index),
          paths.map((path) =>
            h('td', { className: 'num', dataset: { param: path } }, paramText(trial.params[path])),
          ),
          h('td', {}, statusBadge(trial.status, 'trial-status')),
          h('td', { className: 'num', dataset: { testid: 'trial-metric' } }, num(trial.metric)),
          h('td', { className: 'num', dataset: { testid: 'trial-epochs' } }, trial.epochs),
          h(
            'td',
            {},
            trial.status === 'pending'
              ? h('span', { className: 'muted' }, 'not started')
              : h(
                  'a',
                  {
                    href: `#/jobs/${encodeURIComponent(trial.jobId)}`,
                    className: 'mono',
                    dataset: { testid: 'trial-job-link' },
                  },
                  trial.jobId,
                ),
          ),
        ),
      ),
    ),
  );
}
