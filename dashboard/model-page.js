// One trained model (#/models/:id, from GET /v1/models/:id): its evaluation on held-out rows
// (headline numbers, confusion matrix heatmap and ROC curves, or predicted against actual), the
// columns it reads and its classes, a predict form (by column for a table model, as on the
// job's page) and its training metrics.
import { api, issuesOf, Unauthorized } from './api.js';
import { columnsCard } from './columns-card.js';
import { h, issueList, shapeOf, when } from './dom.js';
import { evaluationCard } from './evaluation-card.js';
import { metricsCard } from './metrics-card.js';
import { predictFormFor } from './predict-form.js';

export function modelPage(main, { id }) {
  let gone = false;
  let chart;
  const about = h('p', { className: 'muted', dataset: { testid: 'model-about' } });
  const body = h('div');
  main.append(
    h(
      'div',
      { className: 'title-row' },
      h('h1', {}, 'Model ', h('span', { className: 'mono' }, id)),
    ),
    about,
    body,
  );

  function show(model) {
    about.replaceChildren(
      `${shapeOf(model.network)} network, trained ${when(model.createdAt)} by job `,
      h('a', { href: `#/jobs/${encodeURIComponent(model.jobId)}`, className: 'mono' }, model.jobId),
    );
    const sections = [];
    let evaluation;
    if (model.evaluation) {
      evaluation = evaluationCard(model.evaluation);
      sections.push(evaluation.card);
    } else
      sections.push(
        h(
          'p',
          { className: 'card muted', dataset: { testid: 'no-evaluation' } },
          'No evaluation: the job held out no test rows (training.testSplit).',
        ),
      );
    if (model.preprocessing || model.target) sections.push(columnsCard(model));
    sections.push(
      h(
        'section',
        { className: 'card', 'aria-labelledby': 'predict-title' },
        h('h2', { id: 'predict-title' }, 'Predict'),
        predictFormFor(model),
      ),
    );
    sections.push(metricsCard(model.metrics));
    body.replaceChildren(...sections);
    chart = evaluation?.draw();
  }

  api(`/v1/models/${encodeURIComponent(id)}`)
    .then(({ ok, body: answer }) => {
      if (gone) return;
      if (ok) show(answer);
      else body.replaceChildren(issueList('model-errors', issuesOf(answer)));
    })
    .catch((error) => {
      if (gone || error instanceof Unauthorized) return;
      body.replaceChildren(h('p', { className: 'error', role: 'alert' }, error.message));
    });

  return () => {
    gone = true;
    chart?.destroy();
  };
}
