// One job: its error curves drawn live from the event stream, its status and progress, a Cancel
// button while it may still run, its final metrics, a predict form and a link to its model's page
// once it succeeded, a link to its sweep when it is a sweep's trial, and the spec with every
// default resolved.
import { api, cancelOnClick, eventsUrl, issuesOf, Unauthorized } from './api.js';
import { errorChart } from './chart.js';
import {
  activeStatuses,
  datasetName,
  h,
  issueList,
  jobDuration,
  num,
  shapeOf,
  statusBadge,
} from './dom.js';
import { metricsCard } from './metrics-card.js';
import { predictFormOf } from './predict-form.js';

const finalEvents = ['done', 'failed', 'cancelled', 'pruned'];

export function jobPage(main, { id }) {
  let source;
  let chart;
  let gone = false;

  const status = h('span', { dataset: { testid: 'job-status-slot' } });
  const cancel = h(
    'button',
    { type: 'button', className: 'danger', dataset: { testid: 'cancel-job' }, hidden: true },
    'Cancel',
  );
  const progress = h('p', {
    className: 'muted',
    dataset: { testid: 'job-progress' },
    'aria-live': 'polite',
  });
  const notice = h('div');
  const sweepLink = h('p', { hidden: true });
  const plot = h('div', { className: 'chart', dataset: { testid: 'error-chart', points: '0' } });
  const outcome = h('div');
  const spec = h('pre', { className: 'spec', dataset: { testid: 'job-spec' } });
  const chartCard = h(
    'section',
    { className: 'card', 'aria-labelledby': 'chart-title' },
    h('h2', { id: 'chart-title' }, 'Error per epoch'),
    plot,
  );
  main.append(
    h(
      'div',
      { className: 'title-row' },
      h('h1', {}, 'Job ', h('span', { className: 'mono' }, id)),
      status,
      cancel,
    ),
    progress,
    sweepLink,
    notice,
    chartCard,
    outcome,
    h(
      'section',
      { className: 'card', 'aria-labelledby': 'spec-title' },
      h('h2', { id: 'spec-title' }, 'Spec (defaults resolved)'),
      spec,
    ),
  );

  let job;
  let last = {};

  function showJob(next) {
    job = next;
    status.replaceChildren(statusBadge(job.status, 'job-status'));
    cancel.hidden = !activeStatuses.has(job.status);
    // a sweep's trial (issue 17) links back to its sweep
    sweepLink.hidden = !job.sweepId;
    if (job.sweepId)
      sweepLink.replaceChildren(
        'A trial of ',
        h(
          'a',
          {
            href: `#/sweeps/${encodeURIComponent(job.sweepId)}`,
            dataset: { testid: 'sweep-link' },
          },
          `sweep ${job.sweepId}`,
        ),
        '.',
      );
    showProgress();
  }

  function showProgress() {
    // a batch of predictions (issue 15): rows scored, no epochs to chart
    chartCard.hidden = job.kind === 'batch-predictions';
    if (job.spec.kind === 'awaiting-dataset') {
      // issue 16: submitted on a dataset a worker is still reading; its spec is settled then
      progress.textContent = `waiting for ${datasetName(job.spec.dataset)} to be read`;
      return;
    }
    if (job.kind === 'batch-predictions') {
      const { rows, of } = last.rows !== undefined ? last : job.progress;
      progress.textContent = [
        `batch of ${job.spec.model.ref} on ${datasetName(job.spec.dataset)}`,
        `${rows} of ${of} rows scored`,
        `ran ${jobDuration(job)}`,
      ].join(' · ');
      return;
    }
    const epochs = job.spec.training.epochs;
    const epoch = last.epoch ?? job.progress.epoch;
    const error = last.error ?? job.metrics?.error ?? job.progress.error;
    const parts = [
      `${shapeOf(job.spec.network)} on ${datasetName(job.spec.dataset)}`,
      `epoch ${epoch} of ${epochs}`,
      `error ${num(error)}`,
    ];
    if (last.validationError !== undefined) parts.push(`validation ${num(last.validationError)}`);
    parts.push(`ran ${jobDuration(job)}`);
    progress.textContent = parts.join(' · ');
  }

  async function refresh() {
    const { ok, body } = await api(`/v1/jobs/${encodeURIComponent(id)}`);
    if (gone) return;
    if (!ok) {
      notice.replaceChildren(issueList('job-errors', issuesOf(body)));
      return false;
    }
    showJob(body);
    showOutcome();
    return true;
  }

  function showOutcome() {
    const sections = [];
    if (job.error)
      sections.push(
        h(
          'p',
          { className: 'error', role: 'alert', dataset: { testid: 'job-error' } },
          h('code', {}, job.error.code),
          ' ',
          job.error.message,
        ),
      );
    if (job.status === 'cancelled')
      sections.push(
        h(
          'p',
          { className: 'muted', role: 'status' },
          job.kind === 'batch-predictions'
            ? `Cancelled after ${job.progress.rows} rows.`
            : `Cancelled after epoch ${job.progress.epoch}.`,
        ),
      );
    if (job.status === 'pruned')
      sections.push(
        h(
          'p',
          { className: 'muted', role: 'status', dataset: { testid: 'job-pruned' } },
          `Pruned by its sweep's early stopping after epoch ${job.progress.epoch}.`,
        ),
      );
    if (job.metrics) sections.push(metricsCard(job.metrics));
    if (job.output)
      sections.push(
        h(
          'p',
          {},
          h('a', { href: job.output, dataset: { testid: 'output-link' } }, 'Download the CSV'),
        ),
      );
    if (job.status === 'succeeded' && job.modelId)
      sections.push(
        h(
          'section',
          { className: 'card', 'aria-labelledby': 'predict-title' },
          h('h2', { id: 'predict-title' }, 'Predict'),
          h(
            'p',
            { className: 'muted' },
            'Its evaluation on held-out rows and the columns it reads: ',
            h(
              'a',
              {
                href: `#/models/${encodeURIComponent(job.modelId)}`,
                dataset: { testid: 'model-link' },
              },
              'model ',
              job.modelId,
            ),
            '.',
          ),
          predictFormOf(job.modelId, job.spec.network?.inputSize),
        ),
      );
    outcome.replaceChildren(...sections);
  }

  function listen() {
    source = new EventSource(eventsUrl(id));
    let heard = false;
    source.addEventListener('epoch', (event) => {
      heard = true;
      last = JSON.parse(event.data);
      chart.push(last);
      showProgress();
    });
    source.addEventListener('progress', (event) => {
      heard = true;
      last = JSON.parse(event.data);
      showProgress();
    });
    source.addEventListener('status', (event) => {
      heard = true;
      const { status: next } = JSON.parse(event.data);
      if (activeStatuses.has(job.status) && job.status !== next) refresh().catch(failed);
    });
    for (const type of finalEvents)
      source.addEventListener(type, () => {
        source.close();
        refresh().catch(failed);
      });
    source.addEventListener('error', () => {
      // a refused stream (bad key, job gone) is closed for good; a dropped one reconnects itself
      if (source.readyState === EventSource.CLOSED) refresh().catch(failed);
    });
    // a finished job's events expire (FINISHED_JOB_TTL_SECONDS): then there is nothing to draw
    if (!activeStatuses.has(job.status))
      setTimeout(() => {
        if (!heard && !gone) {
          source.close();
          plot.append(h('p', { className: 'muted' }, 'This job’s event history has expired.'));
        }
      }, 5000);
  }

  cancelOnClick(cancel, `/v1/jobs/${encodeURIComponent(id)}/cancel`, {
    done: showJob,
    refused: (problem) => notice.replaceChildren(issueList('job-errors', issuesOf(problem))),
    failed,
  });

  function failed(error) {
    if (gone || error instanceof Unauthorized) return;
    notice.replaceChildren(h('p', { className: 'error', role: 'alert' }, error.message));
  }

  refresh()
    .then((found) => {
      if (!found || gone) return;
      spec.textContent = JSON.stringify(job.spec, null, 2);
      chart = errorChart(plot, { validation: (job.spec.training?.validationSplit ?? 0) > 0 });
      listen();
    })
    .catch(failed);

  return () => {
    gone = true;
    source?.close();
    chart?.destroy();
  };
}
