// The evaluation's two drawings, with uPlot (the global `uPlot`, loaded by index.html) in its
// x-y mode (mode 2: each series its own x and y, as a ROC curve steps up and right and a scatter
// is in no order): one ROC curve per class with the chance diagonal, or the held-out rows'
// predictions against their actual values with the line y = x. The container says what it drew
// in data-series (the curves or points series, not the reference line).
const palette = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#db2777', '#0891b2', '#ca8a04'];
const reference = { stroke: '#64748b', width: 1.5, dash: [6, 4] };
const height = 340;
const axis = (label) => ({ label, stroke: '#475569', grid: { stroke: '#eef2f6' }, size: 50 });
const facets = [
  { scale: 'x', auto: false },
  { scale: 'y', auto: false },
];

function draw(container, { xLabel, yLabel, range, series, data }) {
  const width = () => Math.max(Math.min(container.clientWidth, 640), 300);
  const plot = new globalThis.uPlot(
    {
      mode: 2,
      width: width(),
      height,
      scales: { x: { time: false, range }, y: { range } },
      axes: [axis(xLabel), axis(yLabel)],
      series: [{}, ...series.map((s) => ({ facets, ...s }))],
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      legend: { live: false },
    },
    [null, ...data],
    container,
  );
  const resize = new ResizeObserver(() => plot.setSize({ width: width(), height }));
  resize.observe(container);
  return {
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}

/** One one-vs-rest curve per class: [{label, fpr, tpr}]. */
export function rocChart(container, curves) {
  container.setAttribute('role', 'img');
  container.setAttribute(
    'aria-label',
    `ROC curves, true positive rate against false positive rate, for ${curves.length === 1 ? 'class' : 'classes'} ${curves.map((c) => String(c.label)).join(', ')}`,
  );
  container.dataset.testid = 'roc-chart';
  container.dataset.series = String(curves.length);
  return draw(container, {
    xLabel: 'false positive rate',
    yLabel: 'true positive rate',
    range: [0, 1],
    series: [
      ...curves.map((curve, i) => ({
        label: String(curve.label),
        stroke: palette[i % palette.length],
        width: 2,
        paths: globalThis.uPlot.paths.linear(),
        points: { show: false },
      })),
      {
        label: 'chance',
        ...reference,
        paths: globalThis.uPlot.paths.linear(),
        points: { show: false },
      },
    ],
    data: [
      ...curves.map((curve) => [curve.fpr, curve.tpr]),
      [
        [0, 1],
        [0, 1],
      ],
    ],
  });
}

/** The held-out rows' {actual, predicted}, one point each, and y = x. */
export function scatterChart(container, { actual, predicted }) {
  const values = [...actual, ...predicted].filter(Number.isFinite);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const pad = (high - low) * 0.05 || 1;
  const range = [low - pad, high + pad];
  container.setAttribute('role', 'img');
  container.setAttribute(
    'aria-label',
    `${actual.length} held-out rows, predicted value against actual value, with the line predicted = actual`,
  );
  container.dataset.testid = 'scatter-chart';
  container.dataset.series = '1';
  container.dataset.points = String(actual.length);
  return draw(container, {
    xLabel: 'actual',
    yLabel: 'predicted',
    range,
    series: [
      {
        label: 'held-out rows',
        stroke: palette[0],
        fill: palette[0],
        paths: globalThis.uPlot.paths.points(),
        points: { show: false, size: 6, width: 1 },
      },
      {
        label: 'predicted = actual',
        ...reference,
        paths: globalThis.uPlot.paths.linear(),
        points: { show: false },
      },
    ],
    data: [
      [actual, predicted],
      [range, range],
    ],
  });
}
