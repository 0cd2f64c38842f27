// Small DOM and formatting helpers: h() builds elements (text always as text, never as HTML).

/** h('a', {href, dataset: {testid}}, 'text', child) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') {
      for (const [key, data] of Object.entries(value))
        if (data !== undefined) element.dataset[key] = String(data);
    } else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'className') element.className = value;
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** The list under a form that names each field at fault: [{path, message}]. */
export function issueList(testid, issues) {
  return h(
    'ul',
    { className: 'issues', dataset: { testid }, role: 'alert' },
    issues.map(({ path, message }) =>
      h(
        'li',
        { dataset: { testid: `${testid.replace(/s$/, '')}`, path } },
        path ? h('code', {}, path) : null,
        path ? ' ' : null,
        message,
      ),
    ),
  );
}

/** 4-16-3: the widths from input to output. */
export function shapeOf(network) {
  return [network.inputSize, ...network.layers.map((layer) => layer.units)].join('-');
}

export function datasetName(dataset) {
  if (dataset.builtin)
    return dataset.subset ? `${dataset.builtin} (${dataset.subset})` : dataset.builtin;
  if (dataset.generator) return `${dataset.generator} (generated)`;
  if (dataset.id) return `upload ${dataset.id.slice(-6)}`;
  return 'inline rows';
}

/** Four significant digits, or a dash. */
export function num(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5))
    return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** How long a job has run: start to finish, or start to now while it runs. */
export function jobDuration(job) {
  if (!job.startedAt) return '—';
  const end = job.finishedAt ? Date.parse(job.finishedAt) : Date.now();
  return duration(end - Date.parse(job.startedAt));
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

export function statusBadge(status, testid) {
  return h('span', { className: `status status-${status}`, dataset: { testid } }, status);
}

export const activeStatuses = new Set(['queued', 'running']);
