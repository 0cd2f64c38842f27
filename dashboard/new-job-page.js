// A new job: pick a built-in dataset or upload a CSV, edit the suggested spec, submit. The
// server's validation errors are listed under the editor, each with the path of its field.
import { api, issuesOf, Unauthorized } from './api.js';
import { h, issueList } from './dom.js';
import { suggestedSpec } from './specs.js';

export function newJobPage(main, _params, { navigate }) {
  let gone = false;
  const editor = h('textarea', {
    id: 'spec-editor',
    rows: 24,
    spellcheck: 'false',
    className: 'mono',
    dataset: { testid: 'spec-editor' },
    'aria-describedby': 'spec-help',
  });
  const issues = h('div', { 'aria-live': 'polite' });
  const submit = h(
    'button',
    { type: 'submit', dataset: { testid: 'submit-job' } },
    'Start training',
  );

  const choice = (value, label) =>
    h(
      'label',
      { className: 'choice' },
      h('input', {
        type: 'radio',
        name: 'dataset',
        value,
        dataset: { testid: `dataset-${value}` },
        onchange: choose,
      }),
      ` ${label}`,
    );
  const file = h('input', {
    id: 'csv-file',
    type: 'file',
    accept: '.csv,text/csv',
    dataset: { testid: 'csv-file' },
  });
  const labelColumn = h('input', {
    id: 'csv-label',
    type: 'text',
    value: 'label',
    dataset: { testid: 'csv-label' },
  });
  const uploadStatus = h('p', {
    className: 'muted',
    dataset: { testid: 'upload-result' },
    'aria-live': 'polite',
  });
  const upload = h(
    'fieldset',
    { className: 'upload', hidden: true },
    h('legend', {}, 'Upload a CSV (header row; one column is the class)'),
    h('div', { className: 'row' }, h('label', { for: 'csv-file' }, 'File'), file),
    h('div', { className: 'row' }, h('label', { for: 'csv-label' }, 'Label column'), labelColumn),
    h(
      'div',
      { className: 'row' },
      h(
        'button',
        {
          type: 'button',
          dataset: { testid: 'csv-upload' },
          onclick: () => uploadCsv().catch(failed),
        },
        'Upload',
      ),
    ),
    uploadStatus,
  );

  main.append(
    h('h1', {}, 'New job'),
    h(
      'form',
      { className: 'card', onsubmit: (event) => send(event).catch(failed), novalidate: true },
      h(
        'fieldset',
        {},
        h('legend', {}, 'Data'),
        choice('iris', 'Iris (built in)'),
        choice('digits', 'Digits (built in)'),
        choice('csv', 'Upload a CSV'),
      ),
      upload,
      h('label', { for: 'spec-editor' }, 'Job spec (JSON)'),
      h(
        'p',
        { id: 'spec-help', className: 'muted small' },
        'The network, the data and how to train; every training field is optional. See “The job spec” in the README.',
      ),
      editor,
      issues,
      h('div', { className: 'row' }, submit),
    ),
  );

  function choose() {
    const picked = main.querySelector('input[name=dataset]:checked').value;
    upload.hidden = picked !== 'csv';
    issues.replaceChildren();
    if (picked !== 'csv')
      editor.value = JSON.stringify(suggestedSpec({ builtin: picked }), null, 2);
  }

  async function uploadCsv() {
    const [csv] = file.files;
    if (!csv)
      return uploadStatus.replaceChildren(
        issueList('upload-errors', [{ path: 'file', message: 'choose a CSV file first' }]),
      );
    uploadStatus.textContent = 'Uploading…';
    const query = new URLSearchParams({ label: labelColumn.value.trim() });
    const { ok, body } = await api(`/v1/datasets?${query}`, {
      method: 'POST',
      text: csv, // the File itself: the browser streams it
      contentType: 'text/csv',
    });
    if (gone) return;
    if (!ok) return uploadStatus.replaceChildren(issueList('upload-errors', issuesOf(body)));
    // a big file (issue 16): a worker reads it; its status is asked after until ready or failed
    let meta = body;
    while (meta.status === 'processing') {
      uploadStatus.textContent = `Dataset ${meta.id}: a worker is reading its ${(meta.upload.bytes / 1e6).toFixed(1)} MB…`;
      await new Promise((r) => setTimeout(r, 1000));
      if (gone) return;
      const seen = await api(`/v1/datasets/${meta.id}`);
      if (gone) return;
      if (!seen.ok)
        return uploadStatus.replaceChildren(issueList('upload-errors', issuesOf(seen.body)));
      meta = seen.body;
    }
    if (meta.status === 'failed') {
      const errors = meta.error.errors ?? [{ path: '', message: meta.error.message }];
      return uploadStatus.replaceChildren(issueList('upload-errors', errors));
    }
    uploadStatus.textContent = `Dataset ${meta.id}: ${meta.rows} rows, ${meta.features} features, ${meta.outputs} outputs${meta.classes ? ` (classes ${meta.classes.join(', ')})` : ''}.`;
    editor.value = JSON.stringify(suggestedSpec({ uploaded: meta }), null, 2);
  }

  async function send(event) {
    event.preventDefault();
    let spec;
    try {
      spec = JSON.parse(editor.value);
    } catch (error) {
      return showIssues([{ path: '(JSON)', message: error.message }]);
    }
    submit.disabled = true;
    try {
      const { ok, body } = await api('/v1/jobs', { method: 'POST', json: spec });
      if (gone) return;
      if (ok) return navigate(`#/jobs/${body.id}`);
      showIssues(issuesOf(body));
    } finally {
      submit.disabled = false;
    }
  }

  function showIssues(list) {
    issues.replaceChildren(issueList('spec-errors', list));
  }

  function failed(error) {
    if (gone || error instanceof Unauthorized) return;
    issues.replaceChildren(issueList('spec-errors', [{ path: '', message: error.message }]));
  }

  main.querySelector('input[value=iris]').checked = true;
  choose();
  return () => {
    gone = true;
  };
}
