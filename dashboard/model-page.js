// One trained model (#/models/:ref, from GET /v1/models/:ref; the reference is an id, NAME,
// NAME@VERSION or NAME@ALIAS): its name@version, aliases, tags and description, its lineage (the
// job, the dataset and its SHA-256, seed, engine version, the model it was warm-started from),
// downloads (the native model file and ONNX), its evaluation on held-out rows (headline numbers,
// confusion matrix heatmap and ROC curves, or predicted against actual), the columns it reads and
// its classes, a predict form (by column for a table model, as on the job's page) and its
// training metrics.
import { api, download, issuesOf, Unauthorized } from './api.js';
import { columnsCard } from './columns-card.js';
import { datasetName, h, issueList, shapeOf, when } from './dom.js';
import { evaluationCard } from './evaluation-card.js';
import { metricsCard } from './metrics-card.js';
import { predictFormFor } from './predict-form.js';
import { aliasBadges, modelLabel, nameHref, refPath, tagChips } from './registry.js';

export function modelPage(main, { id }) {
  let gone = false;
  let chart;
  const title = h('span', { className: 'mono', dataset: { testid: 'model-title' } }, id);
  const registry = h('div', { dataset: { testid: 'model-registry' } });
  const about = h('p', { className: 'muted', dataset: { testid: 'model-about' } });
  const body = h('div');
  main.append(
    h('div', { className: 'title-row' }, h('h1', {}, 'Model ', title)),
    registry,
    about,
    body,
  );

  function show(model) {
    title.textContent = modelLabel(model);
    registry.replaceChildren(...registryParts(model));
    about.replaceChildren(
      `${shapeOf(model.network)} network, `,
      ...(model.jobId
        ? [
            `trained ${when(model.createdAt)} by job `,
            h(
              'a',
              { href: `#/jobs/${encodeURIComponent(model.jobId)}`, className: 'mono' },
              model.jobId,
            ),
          ]
        : [`imported ${when(model.importedAt)}`]),
    );
    const sections = [lineageCard(model), downloadsCard(model)];
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

  api(`/v1/models/${refPath(id)}`)
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

// The name's line (the id, aliases, a link to all its versions), its tags and description.
function registryParts(model) {
  const parts = [];
  const line = [
    h('span', { className: 'mono small muted', dataset: { testid: 'model-id' } }, model.id),
  ];
  if (model.name)
    line.push(
      aliasBadges(model.aliases),
      h(
        'a',
        { href: nameHref(model.name), dataset: { testid: 'name-link' } },
        `All versions of ${model.name}`,
      ),
    );
  parts.push(h('p', { className: 'registry-line' }, line));
  if (model.tags && Object.keys(model.tags).length > 0)
    parts.push(h('p', {}, tagChips(model.tags)));
  if (model.description)
    parts.push(
      h(
        'p',
        { className: 'description', dataset: { testid: 'model-description' } },
        model.description,
      ),
    );
  return parts;
}

// Where the model came from (its lineage, from its receipt): each entry a <dt>/<dd> with
// data-lineage naming it.
function lineageCard(model) {
  const { lineage } = model;
  const entries = [];
  const add = (key, label, ...value) =>
    entries.push(
      h('div', {}, h('dt', {}, label), h('dd', { dataset: { lineage: key } }, ...value)),
    );
  if (lineage.job)
    add(
      'job',
      'job',
      h('a', { href: `#/jobs/${encodeURIComponent(lineage.job)}`, className: 'mono' }, lineage.job),
    );
  else add('job', 'job', model.importedAt ? `none: imported ${when(model.importedAt)}` : '—');
  if (lineage.dataset) {
    add(
      'dataset',
      'dataset',
      lineage.dataset.id
        ? h('span', { className: 'mono' }, lineage.dataset.id)
        : datasetName(lineage.dataset.ref),
    );
    add('sha256', 'dataset SHA-256', h('code', { className: 'hash' }, lineage.dataset.sha256));
  }
  if (lineage.seed !== null) add('seed', 'seed', String(lineage.seed));
  if (lineage.engineVersion) add('engineVersion', 'engine version', lineage.engineVersion);
  if (lineage.initFrom)
    add(
      'initFrom',
      'warm-started from',
      h(
        'a',
        { href: `#/models/${encodeURIComponent(lineage.initFrom)}`, className: 'mono' },
        lineage.initFrom,
      ),
    );
  return h(
    'section',
    { className: 'card', 'aria-labelledby': 'lineage-title', dataset: { testid: 'lineage' } },
    h('h2', { id: 'lineage-title' }, 'Lineage'),
    entries.length > 0
      ? h('dl', { className: 'lineage' }, entries)
      : h(
          'p',
          { className: 'muted' },
          'No lineage: this model was stored before models carried receipts.',
        ),
  );
}

// The model as a file: links to the API's download (the href, for curl), fetched with the key
// when clicked, the service's refusal (an ONNX export it cannot express) shown as its detail.
function downloadsCard(model) {
  const outcome = h('div', { role: 'status' });
  const base = `/v1/models/${encodeURIComponent(model.id)}/download`;
  const link = (testid, href, text) =>
    h(
      'a',
      {
        href,
        className: 'button',
        dataset: { testid },
        onclick: (event) => {
          event.preventDefault();
          outcome.replaceChildren();
          download(href)
            .then((answer) => {
              if (answer.ok)
                outcome.replaceChildren(
                  h(
                    'p',
                    { className: 'muted', dataset: { testid: 'download-saved' } },
                    `Saved ${answer.filename} (${answer.bytes} bytes).`,
                  ),
                );
              else outcome.replaceChildren(issueList('download-errors', issuesOf(answer.body)));
            })
            .catch((error) => {
              if (error instanceof Unauthorized) return;
              outcome.replaceChildren(h('p', { className: 'error', role: 'alert' }, error.message));
            });
        },
      },
      text,
    );
  return h(
    'section',
    { className: 'card', 'aria-labelledby': 'download-title', dataset: { testid: 'downloads' } },
    h('h2', { id: 'download-title' }, 'Download'),
    h(
      'p',
      { className: 'muted' },
      'The model file runs locally with `backprop predict FILE rows.csv` and imports with POST /v1/models; ONNX runs in onnxruntime with the preprocessing inside.',
    ),
    h(
      'div',
      { className: 'row' },
      link('download-native', base, 'Model file (.bpmodel)'),
      link('download-onnx', `${base}?format=onnx`, 'ONNX (.onnx)'),
    ),
    outcome,
  );
}
