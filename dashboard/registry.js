// What the models pages share: a model's label (name@version, or its id when it has no name),
// its headline evaluation from metrics.test, its aliases as badges and its tags as chips.
import { h, num } from './dom.js';

/** penguins@3, or the id of a model that has no name. */
export function modelLabel(model) {
  return model.name && model.version ? `${model.name}@${model.version}` : model.id;
}

/** The model page's hash for a model (by id: a reference would follow an alias as it moves). */
export function modelHref(model) {
  return `#/models/${encodeURIComponent(model.id)}`;
}

/** A reference (id, NAME, NAME@VERSION, NAME@ALIAS) as a URL path segment, its @ kept. */
export function refPath(ref) {
  return encodeURIComponent(ref).replaceAll('%40', '@');
}

/** The page of a name's versions and aliases. */
export function nameHref(name) {
  return `#/models/${encodeURIComponent(name)}/versions`;
}

const percent = (value) => `${(value * 100).toFixed(1)} %`;

// The numbers a model list leads with: accuracy and macro F1 for classes, R² for values.
const headlines = [
  ['accuracy', 'accuracy', percent],
  ['macroF1', 'macro F1', num],
  ['r2', 'R²', num],
];

/**
 * The held-out evaluation's headline (metrics.test) in one line: each number carries its exact
 * value in data-value; a dash when the job held out no test rows.
 */
export function headline(metrics) {
  const test = metrics?.test;
  const shown = test ? headlines.filter(([key]) => typeof test[key] === 'number') : [];
  if (shown.length === 0)
    return h(
      'span',
      { className: 'muted', dataset: { testid: 'headline' }, title: 'no held-out test rows' },
      '—',
    );
  return h(
    'span',
    { className: 'headline', dataset: { testid: 'headline' }, title: `${test.rows} held-out rows` },
    shown.map(([key, label, format]) =>
      h(
        'span',
        { className: 'figure', dataset: { metric: key, value: test[key] } },
        `${label} `,
        h('strong', {}, format(test[key])),
      ),
    ),
  );
}

/**
 * The aliases as badges. With `onRemove(alias)`, each badge has a button that removes it.
 */
export function aliasBadges(aliases = [], onRemove) {
  return h(
    'span',
    { className: 'badges', dataset: { testid: 'aliases' } },
    aliases.map((alias) =>
      h(
        'span',
        { className: 'badge', dataset: { testid: 'alias', alias } },
        alias,
        onRemove
          ? h(
              'button',
              {
                type: 'button',
                className: 'badge-remove',
                title: `Remove the alias ${alias}`,
                'aria-label': `Remove the alias ${alias}`,
                dataset: { testid: 'remove-alias', alias },
                onclick: () => onRemove(alias),
              },
              '×',
            )
          : null,
      ),
    ),
  );
}

/**
 * A long id in a narrow table cell: its last 8 characters (ids are time-ordered, their ends tell
 * them apart), the whole id as the title; a link when `href` is given.
 */
export function shortId(id, href) {
  const text = id.length > 10 ? `…${id.slice(-8)}` : id;
  return h(href ? 'a' : 'span', { href, title: id, className: 'mono', dataset: { id } }, text);
}

/** The tags as key: value chips. */
export function tagChips(tags = {}) {
  return h(
    'span',
    { className: 'badges', dataset: { testid: 'tags' } },
    Object.entries(tags).map(([key, value]) =>
      h('span', { className: 'chip', dataset: { testid: 'tag', tag: key } }, `${key}: ${value}`),
    ),
  );
}
