// A model's evaluation on its held-out rows (the model document's `evaluation`, issue 14): the
// headline numbers, and for classes the confusion matrix as a heatmap table and the per-class
// table; the curves are drawn by evaluation-charts.js once the card is on the page. Class names
// come from the user's files: they only ever go in as text.
import { h, num } from './dom.js';
import { rocChart, scatterChart } from './evaluation-charts.js';

const percent = (value) => `${(value * 100).toFixed(1)} %`;

const headlines = {
  classification: [
    ['accuracy', 'accuracy', percent],
    ['logLoss', 'log loss', num],
    ['macroF1', 'macro F1', num],
    ['weightedF1', 'weighted F1', num],
    ['rocAuc', 'ROC AUC', num],
    ['rows', 'held-out rows', String],
  ],
  regression: [
    ['mae', 'mean absolute error', num],
    ['rmse', 'root mean squared error', num],
    ['r2', 'R²', num],
    ['rows', 'held-out rows', String],
  ],
};

/** The card, and `draw()` to call once it is in the document (uPlot sizes itself from it). */
export function evaluationCard(evaluation) {
  const chart = h('div', { className: 'chart eval-chart' });
  const parts =
    evaluation.task === 'classification'
      ? [
          h('h3', {}, 'Confusion matrix'),
          confusionTable(evaluation.confusionMatrix),
          h('h3', {}, 'Per class'),
          perClassTable(evaluation.perClass),
          evaluation.rocCurves?.length
            ? h('h3', {}, 'ROC curve, one class against the rest')
            : null,
          evaluation.rocCurves?.length ? chart : null,
        ]
      : [
          evaluation.points ? h('h3', {}, 'Predicted against actual') : null,
          evaluation.points ? chart : null,
        ];
  const card = h(
    'section',
    { className: 'card', 'aria-labelledby': 'evaluation-title', dataset: { testid: 'evaluation' } },
    h('h2', { id: 'evaluation-title' }, 'Evaluation on held-out rows'),
    h(
      'p',
      { className: 'muted' },
      `${evaluation.rows} rows the training and its early stopping never saw (training.testSplit).`,
    ),
    headline(evaluation),
    parts,
  );
  return {
    card,
    draw() {
      if (evaluation.task === 'classification' && evaluation.rocCurves?.length)
        return rocChart(chart, evaluation.rocCurves);
      if (evaluation.task === 'regression' && evaluation.points)
        return scatterChart(chart, evaluation.points);
      return { destroy() {} };
    },
  };
}

function headline(evaluation) {
  return h(
    'dl',
    { className: 'metrics', dataset: { testid: 'evaluation-headline' } },
    headlines[evaluation.task]
      .filter(([key]) => evaluation[key] !== undefined)
      .map(([key, label, format]) =>
        h(
          'div',
          {},
          h('dt', {}, label),
          h('dd', { dataset: { metric: key } }, format(evaluation[key])),
        ),
      ),
  );
}

/**
 * Rows are the true class, columns the predicted one. Each cell is shaded by its share of its
 * row (so a rare class's mistakes show as plainly as a common one's), its count printed.
 */
function confusionTable({ labels, matrix }) {
  const names = labels.map(String);
  return h(
    'div',
    { className: 'table-wrap' },
    h(
      'table',
      { className: 'confusion', dataset: { testid: 'confusion-matrix' } },
      h(
        'caption',
        { className: 'muted' },
        'Rows: the true class. Columns: the predicted class. Shade: the share of the true class’s rows.',
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('td', { className: 'corner' }),
          h('th', { scope: 'colgroup', colspan: names.length, className: 'axis' }, 'predicted'),
        ),
        h(
          'tr',
          {},
          h('th', { scope: 'col', className: 'axis' }, 'true'),
          names.map((name) =>
            h('th', { scope: 'col', dataset: { testid: 'predicted-class' } }, name),
          ),
          h('th', { scope: 'col', className: 'total' }, 'rows'),
        ),
      ),
      h(
        'tbody',
        {},
        matrix.map((row, r) => {
          const total = row.reduce((sum, count) => sum + count, 0);
          return h(
            'tr',
            {},
            h('th', { scope: 'row', dataset: { testid: 'true-class' } }, names[r]),
            row.map((count, c) => heatCell(count, total, names[r], names[c], r, c)),
            h('td', { className: 'num total' }, total),
          );
        }),
      ),
    ),
  );
}

function heatCell(count, total, truth, predicted, r, c) {
  const share = total > 0 ? count / total : 0;
  const cell = h(
    'td',
    {
      className: `num heat${share >= 0.5 ? ' on-dark' : ''}${r === c ? ' diagonal' : ''}`,
      dataset: { testid: 'confusion-cell', row: r, col: c, share: share.toFixed(4) },
      'aria-label': `true ${truth}, predicted ${predicted}: ${count} of ${total} (${percent(share)})`,
    },
    count,
  );
  // through the CSSOM, which the page's Content-Security-Policy allows (a style attribute it would not)
  cell.style.setProperty('--share', share.toFixed(4));
  return cell;
}

function perClassTable(perClass) {
  return h(
    'div',
    { className: 'table-wrap' },
    h(
      'table',
      { dataset: { testid: 'per-class' } },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['class', 'precision', 'recall', 'F1', 'support'].map((name, i) =>
            h('th', { scope: 'col', className: i > 0 ? 'num' : null }, name),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        perClass.map((row) =>
          h(
            'tr',
            { dataset: { testid: 'per-class-row' } },
            h('th', { scope: 'row' }, String(row.label)),
            h('td', { className: 'num', dataset: { metric: 'precision' } }, num(row.precision)),
            h('td', { className: 'num', dataset: { metric: 'recall' } }, num(row.recall)),
            h('td', { className: 'num', dataset: { metric: 'f1' } }, num(row.f1)),
            h('td', { className: 'num', dataset: { metric: 'support' } }, row.support),
          ),
        ),
      ),
    ),
  );
}
