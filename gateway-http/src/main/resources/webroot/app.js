// The page's entry: signing in and out, the log view's controls, keyboard shortcuts, and the
// two views (#/ the log, #/request/<app>/<id> one request). Served as static files by the
// gateway, without a build step: plain ES modules.
import { session, Problem } from './api.js';
import { LogView, NOTICE } from './logview.js';
import { Tail } from './tail.js';
import { loadOlder } from './history.js';
import { RequestView, problemText } from './requestview.js';
import { connState } from './status.js';

const $ = (id) => document.getElementById(id);
const CAPACITY = 100_000; // rows the page keeps; the oldest drop off beyond
const START = { last: 500 }; // what a fresh tail shows before it goes live

let identity = null;
let paused = false;
let activeFilter = {};
// The state of "load older" (not window.history).
const olderLoad = { busy: false, exhausted: false, abort: null };

const view = new LogView($('logs'), {
  capacity: CAPACITY,
  onOpenRequest: (app, id) => openRequest(app, id),
  onNearTop: () => older(),
  onSelect: (row) => showDetails(row),
  onChange: (v) => showCounts(v),
});

const tail = new Tail({
  path: '/v1/tail',
  onRecord: (record) => view.append(record),
  onNotice: (notice) => view.append(Object.assign(notice, { [NOTICE]: true })),
  onState: (state, detail) => {
    connState($('conn'), state, detail);
    if (state === 'live') $('problem').hidden = true;
    if (state === 'failed' && detail === 401) signedOut('Your session has ended; sign in again.');
  },
  onProblem: (problem) => {
    showProblem(problem);
    // Inline too, so the problem stays where it happened in the log.
    view.append({ [NOTICE]: 'local', kind: 'error', detail: problemText(problem) });
  },
});

const requestView = new RequestView({
  onUnauthorized: () => signedOut('Your session has ended; sign in again.'),
});

// ---- signing in and out ----

async function boot() {
  setUtc(localStorage.getItem('sluice.utc') === 'true');
  try {
    identity = await session.get();
  } catch (e) {
    showSignIn(e instanceof Problem ? problemText(e.problem) : e.message);
    return;
  }
  if (identity) enter();
  else showSignIn();
}

function showSignIn(message) {
  show('signin');
  $('tabs').hidden = true;
  $('whoami').hidden = true;
  $('signout').hidden = true;
  const error = $('signin-error');
  error.textContent = message || '';
  error.hidden = !message;
  $('token').focus();
}

$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const button = $('signin');
  button.disabled = true;
  try {
    identity = await session.signIn($('token').value.trim());
    $('token').value = ''; // the cookie carries it from here; the page keeps no copy
    enter();
  } catch (err) {
    showSignIn(err instanceof Problem ? problemText(err.problem) : err.message);
  } finally {
    button.disabled = false;
  }
});

$('signout').addEventListener('click', async () => {
  try {
    await session.signOut();
  } catch {
    // signed out on this side whatever the gateway says
  }
  signedOut();
});

function enter() {
  const who = $('whoami');
  who.textContent = `${identity.subject} · ${identity.role} · ${identity.account}`
    + (identity.app ? ` · ${identity.app}` : '');
  who.dataset.role = identity.role;
  who.hidden = false;
  $('signout').hidden = false;
  $('tabs').hidden = false;
  if (identity.role === 'caller') {
    // The broker lets a caller read only requests that named it, by app and request id: the
    // log view has nothing to tail, the request view is where a caller works.
    tail.stop();
    view.clear();
    view.append({ [NOTICE]: 'local', kind: 'info',
      detail: 'A caller reads only its own requests: open one by app and request id under Request.' });
    if (!location.hash.startsWith('#/request')) {
      location.hash = '#/request'; // route() runs on the hashchange
      return;
    }
  } else {
    applyFilters();
  }
  route();
}

function signedOut(message) {
  identity = null;
  tail.stop();
  requestView.close();
  if (olderLoad.abort) olderLoad.abort.abort();
  view.clear();
  showSignIn(message);
}

// ---- views ----

function show(name) {
  document.body.dataset.view = name;
  $('signin-view').hidden = name !== 'signin';
  $('logs-view').hidden = name !== 'logs';
  $('request-view').hidden = name !== 'request';
  $('tab-logs').setAttribute('aria-current', String(name === 'logs'));
  $('tab-request').setAttribute('aria-current', String(name === 'request'));
}

function route() {
  if (!identity) return;
  const m = location.hash.match(/^#\/request(?:\/([^/]+)\/([^/]+))?$/);
  if (!m) {
    show('logs');
    return;
  }
  show('request');
  if (m[1]) {
    const [app, id] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
    requestView.open(app, id);
    $('tab-request').href = location.hash;
    $('tab-request').textContent = `Request ${id}`;
  } else {
    $('req-app').focus();
  }
}

window.addEventListener('hashchange', route);

function openRequest(app, id) {
  location.hash = `#/request/${encodeURIComponent(app)}/${encodeURIComponent(id)}`;
}

$('request-open').addEventListener('submit', (e) => {
  e.preventDefault();
  openRequest($('req-app').value.trim(), $('req-id').value.trim());
});

$('req-close').addEventListener('click', closeRequest);

function closeRequest() {
  requestView.close();
  $('tab-request').href = '#/request';
  $('tab-request').textContent = 'Request';
  location.hash = '#/';
}

// ---- the log's controls ----

function applyFilters() {
  activeFilter = {
    subject: $('subject').value.trim() || '>',
    level: $('level').value,
    grep: $('grep').value,
    trace: $('trace').value.trim(),
  };
  if (olderLoad.abort) olderLoad.abort.abort();
  Object.assign(olderLoad, { busy: false, exhausted: false, abort: null });
  $('history-state').textContent = '';
  view.clear();
  view.setFollowing(true);
  setPaused(false, false);
  tail.open(activeFilter, START);
}

$('filters').addEventListener('submit', (e) => {
  e.preventDefault();
  applyFilters();
});
$('level').addEventListener('change', applyFilters);

function setPaused(on, act = true) {
  paused = on;
  $('pause').textContent = on ? 'Resume' : 'Pause';
  $('pause').setAttribute('aria-pressed', String(on));
  if (!act) return;
  // Closed while paused and resumed after the last cursor: nothing is missed, nothing is held.
  if (on) tail.pause();
  else tail.resume();
}

$('pause').addEventListener('click', () => setPaused(!paused));

$('follow').addEventListener('click', () => view.setFollowing(!view.following));

function setUtc(on) {
  localStorage.setItem('sluice.utc', String(on));
  $('tz').textContent = on ? 'UTC' : 'Local';
  $('tz').setAttribute('aria-pressed', String(on));
  view.setUtc(on);
  requestView.setUtc(on);
}

$('tz').addEventListener('click', () => setUtc($('tz').textContent !== 'UTC'));

function showCounts(v) {
  const dropped = v.ring.dropped;
  $('count').textContent = `${v.length.toLocaleString()} lines`
    + (dropped ? ` · ${dropped.toLocaleString()} older dropped from the page` : '');
  $('follow').textContent = v.following ? 'Following' : 'Follow';
  $('follow').setAttribute('aria-pressed', String(v.following));
}

function showProblem(problem) {
  const node = $('problem');
  node.textContent = problemText(problem);
  node.hidden = false;
}

// ---- history ----

$('load-older').addEventListener('click', () => older());

async function older() {
  if (!identity || olderLoad.busy || olderLoad.exhausted) return;
  const room = view.ring.room();
  const state = $('history-state');
  if (room === 0) {
    state.textContent = `The page holds ${CAPACITY.toLocaleString()} lines; narrow the filter to go further back.`;
    return;
  }
  olderLoad.busy = true;
  olderLoad.abort = new AbortController();
  const signal = olderLoad.abort.signal;
  state.textContent = 'loading older…';
  const oldest = view.oldestRecord();
  const before = oldest ? oldest.timestamp : null;
  // The records shown at exactly that instant, which a `to` including its bound returns again.
  const skip = new Set();
  for (let i = 0; i < view.length; i++) {
    const row = view.ring.get(i);
    if (row[NOTICE]) continue;
    if (row.timestamp !== before) break;
    skip.add(row.cursor);
  }
  try {
    const found = await loadOlder(activeFilter, before, skip, room, signal);
    const notices = found.notices.map((n) => Object.assign(n, { [NOTICE]: true }));
    view.prepend([...notices, ...found.records]);
    olderLoad.exhausted = found.exhausted;
    const loaded = found.records.length ? `${found.records.length.toLocaleString()} older lines loaded` : '';
    const end = found.exhausted ? 'no older lines' : (loaded ? '' : `no older lines since ${found.from}`);
    state.textContent = [loaded, end].filter(Boolean).join(' · ');
  } catch (e) {
    if (e.name === 'AbortError') return;
    state.textContent = '';
    showProblem(e.problem || { title: e.message });
  } finally {
    if (!signal.aborted) olderLoad.busy = false;
  }
}

// ---- download ----

$('download').addEventListener('click', () => {
  // What is shown: records and the broker's notices, one JSON object a line.
  const lines = [];
  view.forEach((row) => {
    if (row[NOTICE] !== 'local') lines.push(JSON.stringify(row));
  });
  const blob = new Blob(lines.length ? [lines.join('\n'), '\n'] : [], { type: 'application/x-ndjson' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `sluice-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
});

// ---- details of one row ----

function showDetails(row) {
  $('details-json').textContent = JSON.stringify(row, null, 2);
  $('details').hidden = false;
}

$('details-close').addEventListener('click', () => { $('details').hidden = true; });

// ---- keyboard ----

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || !identity) return;
  const typing = e.target.closest && e.target.closest('input, select, textarea, [contenteditable]');
  if (e.key === 'Escape') {
    if (!$('details').hidden) $('details').hidden = true;
    else if (typing) e.target.blur();
    else if (document.body.dataset.view === 'request') closeRequest();
    return;
  }
  if (typing) return;
  const inLogs = document.body.dataset.view === 'logs';
  if (e.key === '/' && inLogs) {
    e.preventDefault(); // or the slash lands in the field
    $('grep').focus();
    $('grep').select();
  } else if (e.key === ' ' && inLogs && !e.target.closest('button, a')) {
    e.preventDefault(); // not a page scroll
    setPaused(!paused);
  } else if (e.key === 'f' && inLogs) {
    view.setFollowing(!view.following);
  } else if (e.key === 't') {
    setUtc($('tz').textContent !== 'UTC');
  }
});

// For a person at the browser's console: the log view and the tails.
window.sluice = { view, tail, requestView };

boot();
