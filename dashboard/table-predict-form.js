// Prediction with a table model (issue 14): one field per input column of the model's fitted
// preprocessing, in its order, sent as `{"records": [record]}`; a blank field is left out of the
// record, so the service imputes it as in training. The answer shown: the predicted class and
// each class's probability, or the value in the label's units, and the service's warnings.
// Column, category and class names come from the user's file: text only, never HTML. Not the
// form of a model trained on numbers (predict-form.js).
import { api, issuesOf } from './api.js';
import { h, issueList, num } from './dom.js';

/** The control for one column: what a person types its values with. */
function control(step, i) {
  const id = `predict-column-${i}`;
  const common = {
    id,
    name: step.name,
    dataset: { testid: 'predict-field', index: i, type: step.type },
  };
  switch (step.type) {
    case 'numeric':
      return { id, input: h('input', { ...common, type: 'number', step: 'any' }) };
    case 'boolean':
      return {
        id,
        input: h(
          'select',
          common,
          h('option', { value: '' }, '(blank)'),
          h('option', { value: 'true' }, 'true'),
          h('option', { value: 'false' }, 'false'),
        ),
      };
    case 'categorical': {
      const list = `${id}-categories`;
      return {
        id,
        input: h('input', { ...common, type: 'text', list, autocomplete: 'off' }),
        extra: h(
          'datalist',
          { id: list },
          step.categories.map((category) => h('option', { value: category })),
        ),
      };
    }
    case 'datetime':
      // a column that held times has hour inputs: then a date and time, read as UTC
      return {
        id,
        input: h('input', { ...common, type: step.hours ? 'datetime-local' : 'date' }),
      };
    default:
      return { id, input: h('input', { ...common, type: 'text' }) };
  }
}

const typeNote = (step) => (step.type === 'datetime' && step.hours ? 'datetime, UTC' : step.type);

/** The record the fields hold (blank ones left out), or the issues with it. */
function recordOf(fields) {
  const record = {};
  const issues = [];
  for (const { step, input } of fields) {
    const path = `records.0.${step.name}`;
    if (step.type === 'numeric') {
      // a number field's value is '' both when blank and when what was typed is not a number
      if (input.validity.badInput) issues.push({ path, message: 'is not a number' });
      else if (input.value !== '') record[step.name] = Number(input.value);
    } else if (step.type === 'boolean') {
      if (input.value !== '') record[step.name] = input.value === 'true';
    } else if (input.value.trim() !== '') record[step.name] = input.value;
  }
  return { record, issues };
}

export function tablePredictForm(modelId, { preprocessing, target }) {
  const fields = preprocessing.columns.map((step, i) => ({ step, ...control(step, i) }));
  const result = h('div', { dataset: { testid: 'predict-output' }, 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', dataset: { testid: 'predict-submit' } }, 'Predict');

  async function submit(event) {
    event.preventDefault();
    const { record, issues } = recordOf(fields);
    if (issues.length > 0) return result.replaceChildren(issueList('predict-errors', issues));
    button.disabled = true;
    try {
      const response = await api(`/v1/models/${encodeURIComponent(modelId)}/predict`, {
        method: 'POST',
        json: { records: [record] },
      });
      result.replaceChildren(
        ...(response.ok
          ? answer(response.body, target)
          : [issueList('predict-errors', issuesOf(response.body))]),
      );
    } finally {
      button.disabled = false;
    }
  }

  return h(
    'form',
    {
      className: 'predict',
      dataset: { testid: 'predict-table-form' },
      onsubmit: (event) => submit(event).catch(() => {}),
    },
    h(
      'p',
      { className: 'muted' },
      `One row, a value per column as in the data. A field left blank is imputed as in training.`,
    ),
    h(
      'div',
      { className: 'predict-fields' },
      fields.map(({ step, id, input, extra }) =>
        h(
          'div',
          { className: 'predict-field' },
          h(
            'label',
            { for: id },
            step.name,
            ' ',
            h('span', { className: 'muted small' }, `(${typeNote(step)})`),
          ),
          input,
          extra,
        ),
      ),
    ),
    h('div', { className: 'row' }, button),
    result,
  );
}

/** The answer for the one record: the class and its probabilities, or the value; warnings. */
function answer({ outputs, classes, warnings }, target) {
  const parts = [];
  const [outputsOfRow] = outputs;
  if (target.task === 'classification') {
    const predicted = String(classes[0]);
    parts.push(
      h(
        'p',
        {},
        'Predicted ',
        h('strong', {}, target.name),
        ': ',
        h('span', { className: 'strong', dataset: { testid: 'predict-class' } }, predicted),
      ),
      h(
        'table',
        { dataset: { testid: 'predict-probabilities' } },
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, 'class'), h('th', { scope: 'col' }, 'probability')),
        ),
        h(
          'tbody',
          {},
          target.classes.map((name, k) =>
            h(
              'tr',
              {
                className: String(name) === predicted ? 'strong' : undefined,
                dataset: { testid: 'predict-probability', value: outputsOfRow[k] },
              },
              h('th', { scope: 'row' }, String(name)),
              h('td', { className: 'num' }, num(outputsOfRow[k])),
            ),
          ),
        ),
      ),
    );
  } else
    parts.push(
      h(
        'p',
        {},
        h('strong', { dataset: { testid: 'predict-target' } }, target.name),
        ': ',
        h(
          'span',
          { className: 'strong', dataset: { testid: 'predict-value', value: outputsOfRow[0] } },
          num(outputsOfRow[0]),
        ),
      ),
    );
  if (warnings?.length > 0)
    parts.push(
      h(
        'ul',
        { className: 'warnings', dataset: { testid: 'predict-warnings' }, role: 'status' },
        warnings.map((warning) => h('li', { dataset: { testid: 'predict-warning' } }, warning)),
      ),
    );
  return parts;
}
