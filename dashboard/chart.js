// The error curves of one job, drawn with uPlot (loaded as the global `uPlot` by index.html):
// epoch on x, error on a log scale on y, training and (when the job holds rows out) validation.
// Epochs are appended as they stream in and drawn at most once a frame; the container's
// data-points attribute says how many are drawn.
const colors = { training: '#2563eb', validation: '#ea580c' };

// a log scale has no place for 0 or less: such a point is left out of the line
const positive = (value) => (typeof value === 'number' && value > 0 ? value : null);

export function errorChart(container, { validation }) {
  const data = validation ? [[], [], []] : [[], []];
  const series = [
    { label: 'epoch' },
    { label: 'training error', stroke: colors.training, width: 2, value: (_u, v) => fmt(v) },
  ];
  if (validation)
    series.push({
      label: 'validation error',
      stroke: colors.validation,
      width: 2,
      dash: [6, 4],
      value: (_u, v) => fmt(v),
    });
  const plot = new globalThis.uPlot(
    {
      width: Math.max(container.clientWidth, 300),
      height: 320,
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [
        {
          label: 'epoch',
          stroke: '#475569',
          grid: { stroke: '#eef2f6' },
          incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000],
        },
        {
          label: 'error',
          stroke: '#475569',
          grid: { stroke: '#eef2f6' },
          size: 60,
          values: (_u, splits) => splits.map(tick),
        },
      ],
      series,
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
    },
    data,
    container,
  );
  container.dataset.points = '0';

  let pending = false;
  const draw = () => {
    pending = false;
    plot.setData(data);
    container.dataset.points = String(data[0].length);
  };
  const resize = new ResizeObserver(() =>
    plot.setSize({ width: Math.max(container.clientWidth, 300), height: 320 }),
  );
  resize.observe(container);

  return {
    /** One epoch event: {epoch, error, validationError?}. */
    push(report) {
      data[0].push(report.epoch);
      data[1].push(positive(report.error));
      if (validation) data[2].push(positive(report.validationError));
      if (!pending) {
        pending = true;
        requestAnimationFrame(draw);
      }
    },
    get points() {
      return data[0].length;
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}

// uPlot's own labels round 1e-4 to "0"; log-scale splits between the decades come as null
function tick(value) {
  if (value === null || value === undefined) return '';
  return value >= 1e-3 && value < 1e4
    ? String(Number(value.toPrecision(3)))
    : value.toExponential(0);
}

function fmt(value) {
  return value === null || value === undefined ? '—' : Number(value.toPrecision(4)).toString();
}
