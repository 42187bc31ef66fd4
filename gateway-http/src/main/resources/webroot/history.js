// "Load older": the records just before the oldest one shown, from /v1/logs.
//
// History pages run oldest first, so taking "the first N" of a long window would leave a hole
// between what is loaded and what is shown. Instead each load asks for a window ending at the
// oldest shown timestamp and reads it whole: a small window first, growing while it finds too
// little, shrinking when it holds more than a load may bring.
import { logs } from './api.js';

const PAGE = 500; // records per /v1/logs page
const WANT = 1_000; // a load stops growing its window once it has this many
const MAX_PER_LOAD = 20_000; // a window holding more is too wide: it is shrunk and asked again
const FIRST_WINDOW_MS = 60_000;
const MAX_WINDOW_MS = 30 * 24 * 3600_000; // looking back further than this finds nothing new
const MAX_QUERIES = 12; // windows asked per load, whatever they find

/**
 * Loads records older than {@code before} (an ISO timestamp, or null for now).
 *
 * @param filter subject, level, grep
 * @param skip cursors already shown at exactly {@code before}, so a `to` that includes its
 *   bound does not repeat them
 * @param room most records to return
 * @returns {records, notices, exhausted, from} oldest first; exhausted when the longest window
 *   back found nothing
 */
export async function loadOlder(filter, before, skip, room, signal) {
  const to = before ? Date.parse(before.replace(/(\.\d{3})\d+/, '$1')) : Date.now();
  let end = to; // the window slides back from here as windows are read
  let width = FIRST_WINDOW_MS;
  const found = []; // chunks, newest chunk first
  const notices = [];
  let count = 0;
  // Window bounds may be inclusive at both ends: a record on a bound must come once.
  const seen = new Set(skip);
  for (let q = 0; q < MAX_QUERIES && count < Math.min(WANT, room); q++) {
    const from = end - width;
    const chunk = await readWindow(filter, from, end, before, Math.min(MAX_PER_LOAD, room - count), signal);
    if (chunk === null) {
      width = Math.max(1_000, Math.floor(width / 10)); // too many: a narrower window
      continue;
    }
    const records = chunk.records.filter((r) => !seen.has(r.cursor));
    records.forEach((r) => seen.add(r.cursor));
    found.push(records);
    notices.push(...chunk.notices);
    count += records.length;
    end = from;
    if (width >= MAX_WINDOW_MS && records.length === 0) {
      return { records: flatten(found), notices, exhausted: true, from: new Date(end).toISOString() };
    }
    if (records.length < WANT) width = Math.min(MAX_WINDOW_MS, width * 8);
  }
  return { records: flatten(found), notices, exhausted: false, from: new Date(end).toISOString() };
}

/** All pages of one window, or null if it holds more than {@code max}. */
async function readWindow(filter, fromMs, toMs, before, max, signal) {
  const records = [];
  const notices = [];
  let cursor = null;
  // Timestamps are shown to the millisecond while records are stored to the nanosecond: the
  // first window ends 1 ms after the oldest shown, so the rest of that millisecond is in it
  // (the ones already shown are skipped by cursor).
  const to = new Date(toMs + (toMs === firstEnd(before) ? 1 : 0)).toISOString();
  do {
    const page = await logs({ ...filter, from: new Date(fromMs).toISOString(), to, limit: PAGE, cursor }, signal);
    records.push(...(page.records || []));
    notices.push(...(page.notices || []));
    if (records.length > max) return null;
    cursor = page.next_cursor || null;
  } while (cursor);
  return { records, notices };
}

function firstEnd(before) {
  return before ? Date.parse(before.replace(/(\.\d{3})\d+/, '$1')) : NaN;
}

function flatten(chunksNewestFirst) {
  const out = [];
  for (let i = chunksNewestFirst.length - 1; i >= 0; i--) out.push(...chunksNewestFirst[i]);
  return out;
}
