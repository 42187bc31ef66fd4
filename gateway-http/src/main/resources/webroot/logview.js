// A virtually scrolled log: however many rows the ring holds (100,000 by default), the DOM has
// only the rows that fit the viewport plus a few above and below, reused as the user scrolls.
// Rows have one fixed height, so the row at a scroll offset is a division, not a measurement.
import { Ring } from './ring.js';

export const ROW_HEIGHT = 22; // px; app.css sets the same as --row-height
const OVERSCAN = 8; // rows rendered beyond each edge, so a fast wheel does not show blanks

/** Marks a row that is a notice (dropped, gap, or the page's own), not a record. */
export const NOTICE = Symbol('notice');

export class LogView {
  /**
   * @param root element to fill (becomes the scroll container)
   * @param opts.capacity rows kept; older ones drop off the top
   * @param opts.onOpenRequest (app, requestId) => void, from a click on a request id
   * @param opts.onNearTop () => void, when the user scrolls up to the first rows
   * @param opts.onSelect (row) => void, from a click on a row
   * @param opts.onChange (view) => void, after each render (counts, follow state)
   */
  constructor(root, opts = {}) {
    this.opts = opts;
    this.ring = new Ring(opts.capacity || 100_000);
    this.utc = false;
    this.following = true;
    this.anchorDelta = 0; // rows added (+) or dropped (-) above the view since the last render
    this.lastTop = 0;
    this.renderQueued = false;

    root.classList.add('logview');
    root.textContent = '';
    this.viewport = el('div', 'viewport');
    this.viewport.tabIndex = 0; // arrow keys and Page Up/Down scroll the log
    this.viewport.setAttribute('role', 'log');
    // role=log is polite-live by default: a screen reader would read out every line of a busy
    // tail. The connection indicator and problems are the live regions instead.
    this.viewport.setAttribute('aria-live', 'off');
    this.spacer = el('div', 'spacer');
    this.rows = el('div', 'rows');
    this.spacer.append(this.rows);
    this.viewport.append(this.spacer);
    root.append(this.viewport);
    this.pool = [];

    this.viewport.addEventListener('scroll', () => this.onScroll(), { passive: true });
    this.rows.addEventListener('click', (e) => this.onClick(e));
    // The pool follows the viewport's height; a hidden view has none and renders nothing.
    new ResizeObserver(() => { this.sizePool(); this.queueRender(); }).observe(this.viewport);
  }

  get length() {
    return this.ring.length;
  }

  /** Appends a record or notice; rendered on the next frame. */
  append(row) {
    this.anchorDelta -= this.ring.push(row);
    this.queueRender();
  }

  /** Puts older rows (oldest first) on top, keeping what is in view where it is. */
  prepend(rows) {
    const n = this.ring.prepend(rows);
    this.anchorDelta += n;
    this.queueRender();
    return n;
  }

  clear() {
    this.ring.clear();
    this.anchorDelta = 0;
    this.viewport.scrollTop = 0;
    this.queueRender();
  }

  setFollowing(on) {
    if (this.following === on) return;
    this.following = on;
    this.queueRender();
  }

  setUtc(on) {
    this.utc = on;
    this.queueRender();
  }

  /** Every row, oldest first (for the download). */
  forEach(fn) {
    this.ring.forEach(fn);
  }

  /** The oldest row that is a record with a timestamp, or undefined. */
  oldestRecord() {
    return this.ring.find((row) => !row[NOTICE] && row.timestamp);
  }

  // Renders at most once a frame, however many records arrived in it.
  queueRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => this.render());
  }

  render() {
    this.renderQueued = false;
    const vp = this.viewport;
    const n = this.ring.length;
    this.spacer.style.height = n * ROW_HEIGHT + 'px';
    if (this.following) {
      vp.scrollTop = vp.scrollHeight;
    } else if (this.anchorDelta !== 0) {
      // Rows came in or fell off above: move by as much so the same records stay in view.
      vp.scrollTop = Math.max(0, vp.scrollTop + this.anchorDelta * ROW_HEIGHT);
    }
    this.anchorDelta = 0;
    this.lastTop = vp.scrollTop;
    const first = Math.max(0, Math.floor(vp.scrollTop / ROW_HEIGHT) - OVERSCAN);
    this.rows.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    for (let i = 0; i < this.pool.length; i++) {
      const rowEl = this.pool[i];
      const index = first + i;
      if (index < n) {
        fill(rowEl, this.ring.get(index), this.utc);
        rowEl.hidden = false;
      } else if (!rowEl.hidden) {
        rowEl.hidden = true;
        rowEl.row = undefined;
      }
    }
    if (this.opts.onChange) this.opts.onChange(this);
  }

  sizePool() {
    const want = this.viewport.clientHeight > 0
      ? Math.ceil(this.viewport.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN : 0;
    while (this.pool.length < want) {
      const rowEl = makeRow();
      this.pool.push(rowEl);
      this.rows.append(rowEl);
    }
    while (this.pool.length > want) this.pool.pop().remove();
  }

  onScroll() {
    const vp = this.viewport;
    const top = vp.scrollTop;
    const atBottom = top + vp.clientHeight >= vp.scrollHeight - ROW_HEIGHT / 2;
    const movedUp = top < this.lastTop - 1;
    this.lastTop = top;
    // Scrolling up unfollows; coming back down to the end follows again, as in a terminal.
    if (movedUp && !atBottom && this.following) {
      this.following = false;
    } else if (atBottom && !this.following && !movedUp) {
      this.following = true;
    }
    if (movedUp && top <= 3 * ROW_HEIGHT && this.opts.onNearTop) this.opts.onNearTop();
    this.queueRender();
  }

  onClick(e) {
    const rowEl = e.target.closest('.row');
    if (!rowEl || !rowEl.row) return;
    const row = rowEl.row;
    if (e.target.closest('.req')) {
      if (this.opts.onOpenRequest) this.opts.onOpenRequest(appOf(row), row.request_id);
    } else if (this.opts.onSelect) {
      this.opts.onSelect(row);
    }
  }
}

/** The app a record belongs to: its app_name, else its subject's first token. */
export function appOf(record) {
  return record.app_name || (record.subject || '').split('.')[0];
}

/** HH:MM:SS.mmm of an ISO timestamp, in UTC or local time. */
export function formatTime(ts, utc) {
  if (!ts) return '';
  // Date parses milliseconds; the broker may send more digits.
  const d = new Date(ts.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(d.getTime())) return ts;
  const [h, m, s, ms] = utc
    ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  return `${pad(h)}:${pad(m)}:${pad(s)}.${String(ms).padStart(3, '0')}`;
}

/** One line of text for a record or notice, as shown in the message column. */
export function describe(row) {
  if (row[NOTICE]) {
    if (row.kind === 'dropped') return `${row.count} records dropped. ${row.detail || ''}`;
    if (row.kind === 'gap') return `Gap: ${row.detail || `${row.count} records missing`}`;
    return row.detail || '';
  }
  const part = row.parts > 1 ? `[part ${row.part}/${row.parts}] ` : '';
  switch (row.kind) {
    case 'request_start':
      return `▶ request started ${row.endpoint || ''}${row.caller ? ' by ' + row.caller : ''}`;
    case 'request_end':
      return `■ request ended ${row.status || ''}`
        + (row.status_message ? `: ${row.status_message}` : '');
    default:
      return part + (row.message || (row.kind && row.kind !== 'line' ? row.kind : ''));
  }
}

/** key=value pairs of a record's structured fields. */
export function fieldsText(row) {
  if (!row.fields) return '';
  return Object.entries(row.fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

function makeRow() {
  const rowEl = el('div', 'row');
  rowEl.hidden = true;
  rowEl.append(el('span', 'ts'), el('span', 'lvl'), el('span', 'subj'));
  const req = el('button', 'req');
  req.type = 'button';
  rowEl.append(req, el('span', 'msg'), el('span', 'fields'));
  return rowEl;
}

function fill(rowEl, row, utc) {
  if (rowEl.row === row && rowEl.utc === utc) return; // already shows it
  rowEl.row = row;
  rowEl.utc = utc;
  const [ts, lvl, subj, req, msg, fields] = rowEl.children;
  const notice = row[NOTICE];
  rowEl.className = notice ? 'row notice' : 'row';
  rowEl.dataset.kind = row.kind || 'line';
  setData(rowEl, 'level', notice ? undefined : row.level);
  const requestId = !notice && row.request_id && row.request_id !== '_' ? row.request_id : undefined;
  setData(rowEl, 'request', requestId);
  setData(rowEl, 'stream', notice ? undefined : row.stream);
  setData(rowEl, 'status', row.kind === 'request_end' ? row.status : undefined);
  ts.textContent = notice ? '' : formatTime(row.timestamp, utc);
  ts.title = notice ? '' : row.timestamp || '';
  lvl.textContent = notice ? row.kind : row.level || '';
  subj.textContent = notice ? '' : row.subject || '';
  subj.title = subj.textContent;
  req.hidden = !requestId;
  req.textContent = requestId || '';
  req.title = requestId ? `Open request ${requestId}` : '';
  msg.textContent = describe(row);
  msg.title = msg.textContent.length > 80 ? msg.textContent.slice(0, 2000) : '';
  fields.textContent = notice ? '' : fieldsText(row);
}

function setData(node, key, value) {
  if (value) node.dataset[key] = value;
  else delete node.dataset[key];
}

function el(tag, cls) {
  const node = document.createElement(tag);
  node.className = cls;
  return node;
}

function pad(n) {
  return String(n).padStart(2, '0');
}
