// A finished job's metrics, named for people: epochs, why it stopped, errors, accuracies, rows.
import { duration, h, num } from './dom.js';

const metricNames = [
  ['epochs', 'epochs trained'],
  ['stopReason', 'stopped because'],
  ['error', 'training error'],
  ['validationError', 'validation error'],
  ['accuracy', 'training accuracy'],
  ['validationAccuracy', 'validation accuracy'],
  ['bestEpoch', 'best epoch'],
  ['trainRows', 'training rows'],
  ['validationRows', 'validation rows'],
  ['durationMs', 'training time'],
  ['kernel', 'kernels'],
  ['threads', 'threads'],
];

export function metricsCard(metrics) {
  const value = (key) => {
    const v = metrics[key];
    if (key === 'durationMs') return duration(v);
    if (key.endsWith('ccuracy')) return `${(v * 100).toFixed(1)} %`;
    return typeof v === 'number' ? num(v) : String(v);
  };
  return h(
    'section',
    { className: 'card', 'aria-labelledby': 'metrics-title' },
    h('h2', { id: 'metrics-title' }, 'Final metrics'),
    h(
      'dl',
      { className: 'metrics', dataset: { testid: 'job-metrics' } },
      metricNames
        .filter(([key]) => metrics[key] !== undefined)
        .map(([key, label]) =>
          h('div', {}, h('dt', {}, label), h('dd', { dataset: { metric: key } }, value(key))),
        ),
    ),
    metrics.stopMessage ? h('p', { className: 'muted' }, metrics.stopMessage) : null,
  );
}
