// The dashboard: a hash router over eight pages (#/jobs, #/jobs/:id, #/new, #/models?filters,
// #/models/:ref, #/models/:name/versions, #/sweeps, #/sweeps/:id) and the API key. The page holds no data of its own;
// everything comes from the API with the user's key, asked for when the service answers 401 and
// kept in localStorage until "Sign out".
import { api, apiKey, Unauthorized, whenUnauthorized } from './api.js';
import { jobPage } from './job-page.js';
import { jobsPage } from './jobs-page.js';
import { modelPage } from './model-page.js';
import { modelsPage } from './models-page.js';
import { namePage } from './name-page.js';
import { newJobPage } from './new-job-page.js';
import { sweepPage } from './sweep-page.js';
import { sweepsPage } from './sweeps-page.js';

const main = document.getElementById('main');
const keySection = document.querySelector('[data-testid=key-section]');
const keyForm = document.querySelector('[data-testid=key-form]');
const keyInput = document.querySelector('[data-testid=key-input]');
const keyMessage = document.querySelector('[data-testid=key-message]');
const signOut = document.querySelector('[data-testid=sign-out]');

// a path segment as written in the hash (penguins@production may come as penguins%40production)
const segment = (text) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

const routes = [
  [/^#\/jobs\/([\w-]+)$/, (match) => [jobPage, { id: match[1] }]],
  [/^#\/models\/([^/?#]+)\/versions$/, (match) => [namePage, { name: segment(match[1]) }]],
  [/^#\/models\/([^/?#]+)$/, (match) => [modelPage, { id: segment(match[1]) }]],
  [/^#\/models(?:\?(.*))?$/, (match) => [modelsPage, { query: match[1] ?? '' }]],
  [/^#\/sweeps\/([\w-]+)$/, (match) => [sweepPage, { id: match[1] }]],
  [/^#\/sweeps$/, () => [sweepsPage, {}]],
  [/^#\/new$/, () => [newJobPage, {}]],
  [/^#\/jobs$/, () => [jobsPage, {}]],
];

let leave = () => {};

function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function render() {
  leave();
  leave = () => {};
  main.replaceChildren();
  keySection.hidden = true;
  main.hidden = false;
  signOut.hidden = !apiKey.get();
  const hash = location.hash || '#/jobs';
  for (const [pattern, page] of routes) {
    const match = pattern.exec(hash);
    if (!match) continue;
    const [show, params] = page(match);
    for (const link of document.querySelectorAll('nav a'))
      link.toggleAttribute('aria-current', hash.startsWith(link.getAttribute('href')));
    leave = show(main, params, { navigate }) ?? leave;
    return;
  }
  navigate('#/jobs');
}

function askForKey(message) {
  leave();
  leave = () => {};
  main.replaceChildren();
  main.hidden = true;
  keyMessage.textContent = message;
  keySection.hidden = false;
  signOut.hidden = true;
  keyInput.value = '';
  keyInput.focus();
}

whenUnauthorized((detail) =>
  askForKey(
    apiKey.get() ? `The service refused this key: ${detail}` : 'This service needs an API key.',
  ),
);

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) return;
  apiKey.set(key);
  start();
});

signOut.addEventListener('click', () => {
  apiKey.clear();
  askForKey('Signed out. Enter a key to go on.');
});

// Asks the service whether it takes our key (or needs none) before showing a page, so that no
// one edits a spec only to be asked for a key on submit.
async function start() {
  try {
    await api('/v1/jobs?limit=1');
  } catch (error) {
    if (error instanceof Unauthorized) return; // the key form is up
  }
  render();
}

window.addEventListener('hashchange', () => {
  if (keySection.hidden) render();
});
start();
