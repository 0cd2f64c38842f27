// Prediction with a succeeded job's model: rows of comma-separated numbers in, a table of
// classes (for classifiers) and outputs back. A table model (one with `preprocessing` and
// `target`) gets table-predict-form.js's form instead, one field per column: predictFormFor
// chooses from the model's document, predictFormOf fetches it first.
import { api, issuesOf, Unauthorized } from './api.js';
import { h, issueList, num } from './dom.js';
import { tablePredictForm } from './table-predict-form.js';

/** The form for a model's document (GET /v1/models/:id). */
export function predictFormFor(model) {
  return model.preprocessing && model.target
    ? tablePredictForm(model.id, model)
    : predictForm(model.id, model.network.inputSize);
}

/**
 * The form for the model with this id, once its document has come; if it cannot be read, the
 * form for rows of `width` numbers (when known) or what went wrong.
 */
export function predictFormOf(modelId, width) {
  const slot = h('div', { dataset: { testid: 'predict-slot' } });
  const fallback = (issues) =>
    slot.replaceChildren(width ? predictForm(modelId, width) : issueList('predict-errors', issues));
  api(`/v1/models/${encodeURIComponent(modelId)}`)
    .then(({ ok, body }) =>
      ok ? slot.replaceChildren(predictFormFor(body)) : fallback(issuesOf(body)),
    )
    .catch((error) => {
      if (!(error instanceof Unauthorized)) fallback([{ path: '', message: error.message }]);
    });
  return slot;
}

/** [[…], …] from the text, or the issues with it (paths as the API names them). */
function parseRows(text, width) {
  const rows = [];
  const issues = [];
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) issues.push({ path: 'inputs', message: 'type at least one row' });
  lines.forEach((line, r) => {
    const cells = line.trim().split(/\s*[,;\s]\s*/);
    const row = cells.map(Number);
    cells.forEach((cell, c) => {
      if (cell === '' || !Number.isFinite(row[c]))
        issues.push({ path: `inputs.${r}.${c}`, message: `"${cell}" is not a number` });
    });
    if (cells.length !== width)
      issues.push({
        path: `inputs.${r}`,
        message: `has ${cells.length} values; the model expects ${width}`,
      });
    rows.push(row);
  });
  return { rows, issues };
}

export function predictForm(modelId, width) {
  const input = h('textarea', {
    id: 'predict-input',
    rows: 4,
    spellcheck: 'false',
    className: 'mono',
    placeholder: `${width} numbers per row, comma-separated; one row per line`,
    dataset: { testid: 'predict-input' },
  });
  const result = h('div', { dataset: { testid: 'predict-output' }, 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', dataset: { testid: 'predict-submit' } }, 'Predict');

  async function submit(event) {
    event.preventDefault();
    const { rows, issues } = parseRows(input.value, width);
    if (issues.length > 0) return result.replaceChildren(issueList('predict-errors', issues));
    button.disabled = true;
    try {
      const response = await api(`/v1/models/${modelId}/predict`, {
        method: 'POST',
        json: { inputs: rows },
      });
      result.replaceChildren(
        response.ok ? table(response.body) : issueList('predict-errors', issuesOf(response.body)),
      );
    } finally {
      button.disabled = false;
    }
  }

  return h(
    'form',
    { className: 'predict', onsubmit: (event) => submit(event).catch(() => {}) },
    h(
      'label',
      { for: 'predict-input' },
      `Rows to predict (${width} raw feature values each, as in the data)`,
    ),
    input,
    h('div', { className: 'row' }, button),
    result,
  );
}

function table({ outputs, classes }) {
  return h(
    'table',
    { dataset: { testid: 'predict-result' } },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Row'),
        classes ? h('th', { scope: 'col' }, 'Class') : null,
        h('th', { scope: 'col' }, 'Outputs'),
      ),
    ),
    h(
      'tbody',
      {},
      outputs.map((row, r) =>
        h(
          'tr',
          {},
          h('td', { className: 'num' }, r + 1),
          classes
            ? h(
                'td',
                { className: 'strong', dataset: { testid: 'predict-class' } },
                String(classes[r]),
              )
            : null,
          h('td', { className: 'mono small' }, row.map(num).join(', ')),
        ),
      ),
    ),
  );
}
