// A sweep's two drawings, with uPlot (the global `uPlot`, loaded by index.html) in its x-y mode
// (mode 2: each series its own x and y): the trials' curves of the objective's metric per epoch,
// overlaid (a pruned trial's dashed and ended by a dark dot where it stopped), and one small scatter
// per parameter of its value against the objective (a log axis for a numeric parameter whose
// values span more than two decades). Each container says what it drew: data-series (trial
// curves), data-pruned (pruned curves) and data-points (points in all). It reads no data itself.
const palette = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#db2777', '#0891b2', '#ca8a04'];
const prunedColor = '#94a3b8';
const axis = (label, extra = {}) => ({
  label,
  stroke: '#475569',
  grid: { stroke: '#eef2f6' },
  size: 56,
  ...extra,
});
// x is given its range (uPlot's own has no width for a single value and throws); y is uPlot's
const facets = [
  { scale: 'x', auto: false },
  { scale: 'y', auto: true },
];

/** A padded x range around `values`: a value alone, or all the same, gets room either side. */
function rangeOf(values, log) {
  const low = Math.min(...values);
  const high = Math.max(...values);
  if (log) return low === high ? [low / 2, high * 2] : [low / 1.25, high * 1.25];
  const pad = low === high ? Math.abs(low) * 0.1 || 1 : (high - low) * 0.05;
  return [low - pad, high + pad];
}

const isError = (metric) => metric.endsWith('rror');
const positive = (value) => typeof value === 'number' && value > 0;

function tick(value) {
  if (value === null || value === undefined) return '';
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e4
    ? String(Number(value.toPrecision(3)))
    : value.toExponential(0);
}

function plotIn(container, { height, scales, axes, series, data }) {
  const width = () => Math.max(container.clientWidth, 240);
  const plot = new globalThis.uPlot(
    {
      mode: 2,
      width: width(),
      height,
      scales,
      axes,
      series: [{}, ...series.map((s) => ({ facets, points: { show: false }, ...s }))],
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      legend: { show: false },
    },
    [null, ...data],
    container,
  );
  const resize = new ResizeObserver(() => plot.setSize({ width: width(), height }));
  resize.observe(container);
  return () => {
    resize.disconnect();
    plot.destroy();
  };
}

/**
 * The trials' curves: `curves` is [{index, epochs: [], values: [], pruned}] (a pruned trial's last
 * point is where it stopped). Drawn anew on each call: the trials come and grow as they run.
 */
export function curvesChart(container, metric) {
  let destroy = () => {};
  container.dataset.series = '0';
  container.dataset.pruned = '0';
  container.dataset.points = '0';
  container.setAttribute('role', 'img');
  return {
    draw(curves) {
      destroy();
      const shown = curves.filter((c) => c.epochs.length > 0);
      const log = isError(metric) && shown.every((c) => c.values.every(positive));
      const series = shown.map((c) => ({
        label: `trial ${c.index}`,
        stroke: c.pruned ? prunedColor : palette[c.index % palette.length],
        width: c.pruned ? 1.25 : 2,
        dash: c.pruned ? [5, 4] : undefined,
        paths: globalThis.uPlot.paths.linear(),
      }));
      const data = shown.map((c) => [c.epochs, c.values]);
      const stops = shown.filter((c) => c.pruned);
      if (stops.length > 0) {
        // where each pruned trial stopped: a dark dot at its last epoch
        series.push({
          label: 'pruned',
          stroke: '#475569',
          paths: globalThis.uPlot.paths.points(),
          points: { show: false, size: 9, width: 2 },
        });
        data.push([stops.map((c) => c.epochs.at(-1)), stops.map((c) => c.values.at(-1))]);
      }
      container.dataset.series = String(shown.length);
      container.dataset.pruned = String(stops.length);
      container.dataset.points = String(shown.reduce((n, c) => n + c.epochs.length, 0));
      container.setAttribute(
        'aria-label',
        `${metric} per epoch of ${shown.length} trials, ${stops.length} of them pruned`,
      );
      if (shown.length === 0) {
        destroy = () => {};
        return;
      }
      destroy = plotIn(container, {
        height: 320,
        scales: {
          x: {
            time: false,
            auto: false,
            range: [0, Math.max(2, ...shown.flatMap((c) => c.epochs))],
          },
          y: log ? { distr: 3 } : {},
        },
        axes: [axis('epoch'), axis(metric, { values: (_u, splits) => splits.map(tick) })],
        series,
        data,
      });
    },
    destroy: () => destroy(),
  };
}

/** Whether a parameter's values (all numbers, all positive) span more than two decades. */
export function spansDecades(values) {
  if (values.length < 2 || !values.every(positive)) return false;
  return Math.max(...values) / Math.min(...values) > 100;
}

/**
 * One parameter against the objective: `points` is [{value, metric, pruned}] (trials with a
 * metric). Numbers on a numeric axis (log when they span > 2 decades); other values (strings,
 * booleans) each at a place of its own, labelled.
 */
export function parameterChart(container, { path, metric, points }) {
  const numeric = points.every((p) => typeof p.value === 'number');
  const categories = numeric ? [] : [...new Set(points.map((p) => String(p.value)))].sort();
  const xOf = (p) => (numeric ? p.value : categories.indexOf(String(p.value)));
  const log = numeric && spansDecades(points.map((p) => p.value));
  const groups = [
    { label: 'ended', color: palette[0], points: points.filter((p) => !p.pruned) },
    { label: 'pruned (at its rung)', color: prunedColor, points: points.filter((p) => p.pruned) },
  ].filter((g) => g.points.length > 0);
  container.dataset.points = String(points.length);
  container.dataset.scale = log ? 'log' : numeric ? 'linear' : 'categories';
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', `${metric} against ${path} for ${points.length} trials`);
  if (points.length === 0) return () => {};
  const range = numeric
    ? rangeOf(
        points.map((p) => p.value),
        log,
      )
    : [-0.5, categories.length - 0.5];
  const xScale = { time: false, auto: false, range, ...(log ? { distr: 3 } : {}) };
  const xAxis = numeric
    ? axis(path, { values: (_u, splits) => splits.map(tick) })
    : axis(path, {
        splits: () => categories.map((_, i) => i),
        values: () => categories,
      });
  return plotIn(container, {
    height: 200,
    scales: { x: xScale, y: {} },
    axes: [xAxis, axis(metric, { values: (_u, splits) => splits.map(tick) })],
    series: groups.map((g) => ({
      label: g.label,
      stroke: g.color,
      fill: g.color,
      paths: globalThis.uPlot.paths.points(),
      points: { show: false, size: 7, width: 1 },
    })),
    data: groups.map((g) => [g.points.map(xOf), g.points.map((p) => p.metric)]),
  });
}
