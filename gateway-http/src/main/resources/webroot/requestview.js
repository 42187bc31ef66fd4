// The request view (the playground): one request's live lines from /v1/tail on
// `<app>.*.<request id>`, beside what its caller sees from the queue-status endpoint
// (`status?logs=1`, fal's model). On an app with private logs a caller sees its request's
// status but an empty log; the two panes side by side make that visible.
import { requestStatus, Problem } from './api.js';
import { LogView, NOTICE, formatTime } from './logview.js';
import { Tail } from './tail.js';
import { connState } from './status.js';

const POLL_MS = 1_000; // while the request runs
const RETRY_MS = 3_000; // after an error (404 while it has not started yet, a restart)
const MAX_CALLER_LOGS = 5_000; // the caller pane is a plain list, not a virtual one

export class RequestView {
  constructor({ onUnauthorized }) {
    this.onUnauthorized = onUnauthorized;
    this.$ = (id) => document.getElementById(id);
    this.view = new LogView(this.$('req-live'), {
      capacity: 100_000,
      onChange: (v) => { this.$('req-count').textContent = `${v.length.toLocaleString()} lines`; },
    });
    this.tail = new Tail({
      path: '/v1/tail',
      onRecord: (r) => this.view.append(r),
      onNotice: (n) => this.view.append(Object.assign(n, { [NOTICE]: true })),
      onState: (state, detail) => {
        connState(this.$('req-conn'), state, detail);
        if (state === 'live') this.$('req-problem').hidden = true;
      },
      onProblem: (p) => this.showProblem(p),
    });
    this.app = null;
    this.id = null;
    this.utc = false;
    this.pollTimer = null;
    this.abort = null;
  }

  /** Shows a request; the same request again keeps what is shown. */
  open(app, id) {
    if (app === this.app && id === this.id) return;
    this.close();
    this.app = app;
    this.id = id;
    this.$('req-app').value = app;
    this.$('req-id').value = id;
    this.$('req-subject').textContent = `${app}.*.${id}`;
    this.$('req-status').textContent = '…';
    this.$('req-status').dataset.status = '';
    this.$('req-result').textContent = '';
    this.$('req-problem').hidden = true;
    const list = this.$('caller-logs');
    list.textContent = '';
    list.dataset.loaded = 'false';
    this.$('caller-empty').hidden = true;
    this.cursor = undefined;
    this.view.clear();
    this.view.setFollowing(true);
    // A request is short next to the page's buffer: all of its lines, then live.
    this.tail.open({ subject: `${app}.*.${id}` }, { last: 100_000 });
    this.abort = new AbortController();
    this.poll(this.abort.signal);
  }

  close() {
    this.tail.stop();
    clearTimeout(this.pollTimer);
    if (this.abort) this.abort.abort();
    this.abort = null;
    this.app = null;
    this.id = null;
  }

  setUtc(on) {
    this.utc = on;
    this.view.setUtc(on);
    for (const li of this.$('caller-logs').children) {
      li.querySelector('.ts').textContent = formatTime(li.dataset.timestamp, on);
    }
  }

  async poll(signal) {
    let wait = POLL_MS;
    try {
      const status = await requestStatus(this.app, this.id, this.cursor, signal);
      this.showStatus(status);
      if (status.status === 'COMPLETED') return; // the logs are complete too
    } catch (e) {
      if (e.name === 'AbortError') return;
      if (e instanceof Problem && e.status === 401) {
        this.onUnauthorized();
        return;
      }
      this.showProblem(e.problem || { title: e.message });
      if (e.status === 404) this.$('req-status').textContent = 'not found';
      wait = RETRY_MS;
    }
    if (!signal.aborted) this.pollTimer = setTimeout(() => this.poll(signal), wait);
  }

  showStatus(status) {
    const badge = this.$('req-status');
    badge.textContent = status.status;
    badge.dataset.status = status.status;
    this.$('req-result').textContent = status.result
      ? `${status.result}${status.result_message ? ': ' + status.result_message : ''}` : '';
    if (status.cursor) this.cursor = status.cursor;
    const list = this.$('caller-logs');
    for (const log of status.logs || []) {
      if (list.children.length >= MAX_CALLER_LOGS) list.firstElementChild.remove();
      list.append(callerLine(log, this.utc));
    }
    list.dataset.loaded = 'true';
    this.$('caller-empty').hidden = list.children.length > 0;
    this.$('req-problem').hidden = true;
  }

  showProblem(problem) {
    const node = this.$('req-problem');
    node.textContent = problemText(problem);
    node.hidden = false;
  }
}

function callerLine(log, utc) {
  const li = document.createElement('li');
  li.className = 'caller-log';
  // fal's status logs name levels in capitals (WARN); records in lower case.
  const level = (log.level || '').toLowerCase();
  if (level) li.dataset.level = level;
  li.dataset.timestamp = log.timestamp || '';
  const parts = [
    ['ts', formatTime(log.timestamp, utc)],
    ['lvl', level],
    ['src', log.source || ''],
    ['msg', log.message || ''],
  ];
  for (const [cls, text] of parts) {
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    li.append(span);
  }
  return li;
}

export function problemText(problem) {
  const status = problem.status ? `${problem.status} ` : '';
  return `${status}${problem.title || 'Error'}${problem.detail ? ': ' + problem.detail : ''}`;
}
