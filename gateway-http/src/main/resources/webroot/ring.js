// A bounded deque of rows (records and notices). A tail left open for hours must not grow the
// page without limit, so appending past the capacity drops the oldest row and counts it.
// Older history is put in front, but only into free room: dropping the newest rows to make
// room would cut the live end the user is watching.
export class Ring {
  constructor(capacity) {
    this.capacity = capacity;
    this.items = new Array(capacity);
    this.head = 0;
    this.length = 0;
    this.dropped = 0;
  }

  /** The i-th row, 0 being the oldest. */
  get(i) {
    return this.items[(this.head + i) % this.capacity];
  }

  /** Appends a row; returns 1 if the oldest was dropped for it, else 0. */
  push(row) {
    if (this.length < this.capacity) {
      this.items[(this.head + this.length) % this.capacity] = row;
      this.length++;
      return 0;
    }
    this.items[this.head] = row;
    this.head = (this.head + 1) % this.capacity;
    this.dropped++;
    return 1;
  }

  /** Free room for older rows. */
  room() {
    return this.capacity - this.length;
  }

  /**
   * Puts rows (oldest first) in front of the current ones. Only as many as fit; the newest of
   * them are kept, as they join up with what is shown. Returns how many were put.
   */
  prepend(rows) {
    const n = Math.min(rows.length, this.room());
    for (let i = rows.length - 1; i >= rows.length - n; i--) {
      this.head = (this.head - 1 + this.capacity) % this.capacity;
      this.items[this.head] = rows[i];
    }
    this.length += n;
    return n;
  }

  clear() {
    this.items = new Array(this.capacity);
    this.head = 0;
    this.length = 0;
    this.dropped = 0;
  }

  /** The first row (oldest first) that satisfies pred, or undefined. */
  find(pred) {
    for (let i = 0; i < this.length; i++) {
      const row = this.get(i);
      if (pred(row)) return row;
    }
    return undefined;
  }

  /** Calls fn for every row, oldest first. */
  forEach(fn) {
    for (let i = 0; i < this.length; i++) fn(this.get(i), i);
  }
}
