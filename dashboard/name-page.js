// One model name (#/models/NAME/versions): its versions newest first with their aliases and
// held-out evaluations side by side, and the registry's controls: point an alias at a version
// (a new one, or moving one: PUT /v1/models/NAME/aliases/ALIAS), remove an alias (DELETE the
// same) and delete a version (DELETE /v1/models/NAME@VERSION, which the service refuses while an
// alias points at it). What the service refuses is shown as its problem's detail.
import { api, issuesOf, Unauthorized } from './api.js';
import { h, issueList, num, when } from './dom.js';
import { aliasBadges, modelHref, refPath, shortId, tagChips } from './registry.js';

const percent = (value) => `${(value * 100).toFixed(1)} %`;

// The held-out numbers a version may have (metrics.test), in the order they are compared.
const figures = [
  ['accuracy', 'Accuracy', percent],
  ['macroF1', 'Macro F1', num],
  ['logLoss', 'Log loss', num],
  ['rocAuc', 'ROC AUC', num],
  ['mae', 'MAE', num],
  ['rmse', 'RMSE', num],
  ['r2', 'R²', num],
  ['rows', 'Test rows', String],
];

export function namePage(main, { name }) {
  let versions = [];
  let gone = false;

  const summary = h('p', { className: 'muted', dataset: { testid: 'name-summary' } });
  const problems = h('div', { dataset: { testid: 'registry-problems' } });
  const notice = h('p', {
    className: 'muted',
    role: 'status',
    dataset: { testid: 'registry-notice' },
  });
  const aliasInput = h('input', {
    type: 'text',
    id: 'alias-name',
    required: true,
    placeholder: 'production',
    list: 'alias-names',
    autocomplete: 'off',
    dataset: { testid: 'alias-input' },
  });
  const known = h('datalist', { id: 'alias-names' });
  const versionSelect = h('select', { id: 'alias-version', dataset: { testid: 'alias-version' } });
  const setButton = h(
    'button',
    { type: 'submit', dataset: { testid: 'alias-submit' } },
    'Set alias',
  );
  const head = h('thead');
  const body = h('tbody', { dataset: { testid: 'version-rows' } });
  const empty = h(
    'p',
    { className: 'muted', dataset: { testid: 'no-versions' }, hidden: true },
    `${name} has no versions (left). `,
    h('a', { href: '#/models' }, 'All models'),
  );

  main.append(
    h(
      'div',
      { className: 'title-row' },
      h('h1', {}, 'Model ', h('span', { className: 'mono' }, name)),
      h('a', { href: '#/models' }, 'All models'),
    ),
    summary,
    h(
      'section',
      { className: 'card', 'aria-labelledby': 'aliases-title' },
      h('h2', { id: 'aliases-title' }, 'Aliases'),
      h(
        'p',
        { className: 'muted' },
        `Point an alias at a version: a new alias, or one moved from another version in one step. `,
        `Predictions name it as ${name}@ALIAS; those under way finish on the version they started with.`,
      ),
      h(
        'form',
        {
          className: 'filters',
          dataset: { testid: 'alias-form' },
          onsubmit: (event) => {
            event.preventDefault();
            setAlias(aliasInput.value.trim(), Number(versionSelect.value));
          },
        },
        h('label', { for: 'alias-name' }, 'Alias'),
        aliasInput,
        known,
        h('label', { for: 'alias-version' }, 'Version'),
        versionSelect,
        setButton,
      ),
    ),
    problems,
    notice,
    h(
      'section',
      { className: 'card table-wrap', 'aria-labelledby': 'versions-title' },
      h('h2', { id: 'versions-title' }, 'Versions'),
      h('table', { dataset: { testid: 'version-list' } }, head, body),
      empty,
    ),
  );

  // every version of the name (they are few: the pages are followed to the end)
  async function load() {
    const found = [];
    let cursor = null;
    do {
      const q = new URLSearchParams({ name, limit: '100' });
      if (cursor) q.set('cursor', cursor);
      const { ok, body: page } = await api(`/v1/models?${q}`);
      if (!ok) {
        if (!gone) problems.replaceChildren(issueList('registry-errors', issuesOf(page)));
        return;
      }
      found.push(...page.models);
      cursor = page.nextCursor;
    } while (cursor);
    if (gone) return;
    versions = found.sort((a, b) => b.version - a.version);
    render();
  }

  function render() {
    const aliases = versions.flatMap((v) => (v.aliases ?? []).map((alias) => [alias, v.version]));
    aliases.sort(([a], [b]) => a.localeCompare(b));
    summary.replaceChildren(
      `${versions.length} version${versions.length === 1 ? '' : 's'}`,
      aliases.length > 0
        ? `; aliases: ${aliases.map(([alias, v]) => `${alias} → ${v}`).join(', ')}`
        : '; no aliases',
    );
    known.replaceChildren(...aliases.map(([alias]) => h('option', { value: alias })));
    const chosen = versionSelect.value;
    versionSelect.replaceChildren(
      ...versions.map((v) =>
        h('option', { value: v.version, selected: String(v.version) === chosen }, v.version),
      ),
    );
    const shown = figures.filter(([key]) => versions.some((v) => v.metrics.test?.[key] != null));
    head.replaceChildren(
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Version'),
        h('th', { scope: 'col' }, 'Aliases'),
        shown.map(([, label]) => h('th', { scope: 'col', className: 'num' }, label)),
        ['Tags', 'Job', 'Dataset', 'Created', ''].map((label) => h('th', { scope: 'col' }, label)),
      ),
    );
    body.replaceChildren(...versions.map((v) => versionRow(v, shown)));
    empty.hidden = versions.length > 0;
  }

  function versionRow(v, shown) {
    const test = v.metrics.test ?? {};
    return h(
      'tr',
      { dataset: { testid: 'version-row', version: v.version, modelId: v.id } },
      h(
        'td',
        {},
        h(
          'a',
          { href: modelHref(v), className: 'mono', dataset: { testid: 'version-link' } },
          `${name}@${v.version}`,
        ),
      ),
      h('td', {}, aliasBadges(v.aliases, removeAlias)),
      shown.map(([key, , format]) =>
        h(
          'td',
          { className: 'num', dataset: { metric: key, value: test[key] } },
          typeof test[key] === 'number' ? format(test[key]) : '—',
        ),
      ),
      h('td', {}, tagChips(v.tags)),
      h(
        'td',
        {},
        v.jobId
          ? shortId(v.jobId, `#/jobs/${encodeURIComponent(v.jobId)}`)
          : h('span', { className: 'muted' }, 'imported'),
      ),
      h('td', {}, v.datasetId ? shortId(v.datasetId) : '—'),
      h('td', {}, when(v.createdAt)),
      h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            className: 'danger small',
            dataset: { testid: 'delete-version', version: v.version },
            onclick: () => deleteVersion(v.version),
          },
          'Delete',
        ),
      ),
    );
  }

  // Runs one change, then shows its outcome: the notice, or the service's problem.
  async function change(request, done) {
    problems.replaceChildren();
    notice.textContent = '';
    setButton.disabled = true;
    try {
      const { ok, body: answer } = await request();
      if (gone) return;
      if (!ok) problems.replaceChildren(issueList('registry-errors', issuesOf(answer)));
      else {
        notice.textContent = done;
        await load();
      }
    } catch (error) {
      if (gone || error instanceof Unauthorized) return;
      problems.replaceChildren(h('p', { className: 'error', role: 'alert' }, error.message));
    } finally {
      setButton.disabled = false;
    }
  }

  const aliasPath = (alias) =>
    `/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`;

  function setAlias(alias, version) {
    if (!alias) return;
    return change(
      () => api(aliasPath(alias), { method: 'PUT', json: { version } }),
      `${name}@${alias} now points at version ${version}.`,
    );
  }

  function removeAlias(alias) {
    return change(
      () => api(aliasPath(alias), { method: 'DELETE' }),
      `The alias ${alias} is removed.`,
    );
  }

  function deleteVersion(version) {
    if (!confirm(`Delete ${name}@${version}? Predictions with it end at once.`)) return;
    return change(
      () => api(`/v1/models/${refPath(`${name}@${version}`)}`, { method: 'DELETE' }),
      `${name}@${version} is deleted.`,
    );
  }

  load().catch((error) => {
    if (gone || error instanceof Unauthorized) return;
    problems.replaceChildren(h('p', { className: 'error', role: 'alert' }, error.message));
  });
  return () => {
    gone = true;
  };
}
