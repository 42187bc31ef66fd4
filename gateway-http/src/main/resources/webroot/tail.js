// A live tail over Server-Sent Events. EventSource reconnects by itself and sends the last
// record's cursor as Last-Event-ID, so the gateway resumes without a gap or a duplicate. This
// class adds what EventSource does not: a state to show, the problem behind a failure, a
// pause that costs the broker nothing (the stream is closed and resumed after the last cursor),
// and its own retries when EventSource gives up (it does on any HTTP error status).
import { problemOf, query, Problem } from './api.js';

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
// Problems that a retry cannot fix; the tail stops and shows them.
const FINAL_STATUSES = new Set([400, 401, 403, 404, 422]);

export class Tail {
  /**
   * @param opts.path the SSE endpoint, /v1/tail
   * @param opts.onRecord (record) => void
   * @param opts.onNotice (notice) => void, for `event: dropped` and `event: gap`
   * @param opts.onState (state, detail) => void; state is one of connecting, live,
   *   reconnecting, paused, stopped, failed
   * @param opts.onProblem (problem) => void, the gateway's problem+json
   */
  constructor(opts) {
    this.opts = opts;
    this.source = null;
    this.filter = {};
    this.start = {};
    this.cursor = null;
    this.retryMs = RETRY_MIN_MS;
    this.retryTimer = null;
    this.generation = 0; // events of a replaced EventSource are ignored
    this.state = 'stopped';
  }

  /**
   * Opens the tail. {@code filter} is subject/level/grep; {@code start} is where it begins when
   * nothing was seen yet (last=N or since=5m).
   */
  open(filter, start) {
    this.close();
    this.filter = filter;
    this.start = start;
    this.cursor = null;
    this.retryMs = RETRY_MIN_MS;
    this.connect();
  }

  /** Closes the stream but remembers where it was; resume() goes on from there. */
  pause() {
    this.close();
    this.setState('paused');
  }

  resume() {
    if (this.state === 'paused' || this.state === 'failed') this.connect();
  }

  /** Closes for good (sign out, view closed). */
  stop() {
    this.close();
    this.setState('stopped');
  }

  close() {
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.source) this.source.close();
    this.source = null;
  }

  url() {
    // After a cursor, resume there; before any, start where asked.
    const from = this.cursor ? { after: this.cursor } : this.start;
    return this.opts.path + query({ ...this.filter, ...from });
  }

  connect() {
    this.close();
    const generation = this.generation;
    const url = this.url();
    const source = new EventSource(url);
    this.source = source;
    this.setState('connecting');
    const live = (fn) => (e) => { if (generation === this.generation) fn(e); };

    source.addEventListener('open', live(() => {
      this.retryMs = RETRY_MIN_MS;
      this.setState('live');
    }));
    source.addEventListener('message', live((e) => {
      const record = parse(e.data);
      if (!record) return;
      // The id line is the record's cursor; remember it for a resume of our own.
      this.cursor = e.lastEventId || record.cursor || this.cursor;
      this.opts.onRecord(record);
    }));
    for (const kind of ['dropped', 'gap']) {
      source.addEventListener(kind, live((e) => {
        const notice = parse(e.data);
        if (notice) this.opts.onNotice({ kind, ...notice });
      }));
    }
    // One listener for two things: the gateway's `event: error` (a MessageEvent with the
    // problem as data, after which the stream ends) and EventSource's own connection errors.
    source.addEventListener('error', live((e) => {
      if (e instanceof MessageEvent && e.data) {
        const problem = parse(e.data) || { title: 'Stream error', detail: e.data };
        this.opts.onProblem(problem);
        source.close();
        this.retryOrFail(problem.status);
      } else if (source.readyState === EventSource.CONNECTING) {
        this.setState('reconnecting'); // EventSource retries by itself, with Last-Event-ID
      } else {
        // Closed: the answer was an HTTP error, which EventSource does not show. Ask again
        // with fetch to read the problem, then decide whether to retry.
        source.close();
        this.diagnose(url, generation);
      }
    }));
  }

  async diagnose(url, generation) {
    const abort = new AbortController();
    let status = 0;
    try {
      const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
      if (response.ok) {
        abort.abort(); // it works again; do not keep a second stream
      } else {
        const problem = (await problemOf(response)).problem;
        status = problem.status;
        if (generation === this.generation) this.opts.onProblem(problem);
      }
    } catch (e) {
      if (e.name !== 'AbortError' && generation === this.generation) {
        this.opts.onProblem(new Problem({ status: 0, title: 'Gateway unreachable', detail: e.message }).problem);
      }
    }
    if (generation === this.generation) this.retryOrFail(status);
  }

  retryOrFail(status) {
    if (FINAL_STATUSES.has(status)) {
      this.setState('failed', status);
      return;
    }
    const wait = this.retryMs;
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    this.setState('reconnecting', `retry in ${Math.round(wait / 1000)} s`);
    const generation = this.generation;
    this.retryTimer = setTimeout(() => {
      if (generation === this.generation) this.connect();
    }, wait);
  }

  setState(state, detail) {
    this.state = state;
    if (this.opts.onState) this.opts.onState(state, detail);
  }
}

function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}
