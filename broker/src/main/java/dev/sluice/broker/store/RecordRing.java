package dev.sluice.broker.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest {@code capacity} records of one account, by sequence number. Older records fall
 * off; a read asking for them is told how many are missing. The slots grow with use up to the
 * capacity, so an account that logs little costs little. Not thread-safe: callers lock.
 */
final class RecordRing {
  private static final int INITIAL_SLOTS = 256;

  /** Held while an owner hands freshly added records on, to keep them in order. */
  final Object publishLock = new Object();
  private final int capacity;
  private StoredRecord[] slots;
  private long lastSeq;

  RecordRing(int capacity) {
    this.capacity = capacity;
    this.slots = new StoredRecord[Math.min(capacity, INITIAL_SLOTS)];
  }

  long lastSeq() {
    return lastSeq;
  }

  /** Adds the record with the next sequence number (seq must be lastSeq + 1, or later). */
  void add(StoredRecord record) {
    // Below capacity nothing is ever evicted: a slot still in use makes the ring grow first.
    while (slots.length < capacity && slots[index(record.seq())] != null) {
      grow();
    }
    lastSeq = record.seq();
    slots[index(record.seq())] = record;
  }

  /**
   * Doubles the slots (up to the capacity) and moves every record to its new slot. Records
   * that share a slot of the new size are further apart than it (sequence numbers a failed
   * append used up): grow on, and at the capacity the older one is outside the ring anyway.
   */
  private void grow() {
    int size = slots.length;
    while (true) {
      size = (int) Math.min(capacity, (long) size * 2);
      StoredRecord[] bigger = new StoredRecord[size];
      boolean collided = false;
      for (StoredRecord r : slots) {
        if (r == null) {
          continue;
        }
        int i = (int) ((r.seq() - 1) % size);
        if (bigger[i] != null && size < capacity) {
          collided = true;
          break;
        }
        if (bigger[i] == null || bigger[i].seq() < r.seq()) {
          bigger[i] = r;
        }
      }
      if (!collided) {
        slots = bigger;
        return;
      }
    }
  }

  private int index(long seq) {
    return (int) ((seq - 1) % slots.length);
  }

  /**
   * Oldest sequence the ring answers for: every stored record from here to {@link #lastSeq}
   * is in it (below capacity nothing has been evicted yet).
   */
  long firstSeq() {
    return Math.max(1, lastSeq - capacity + 1);
  }

  LogStore.ReadResult read(long afterSeq, int max) {
    long from = Math.max(afterSeq + 1, firstSeq());
    long missing = Math.max(0, firstSeq() - (afterSeq + 1));
    List<StoredRecord> out = new ArrayList<>();
    long seq = from;
    for (; seq <= lastSeq && out.size() < max; seq++) {
      StoredRecord slot = slots[index(seq)];
      // A sequence a failed append used up leaves an empty or older slot: it is no record.
      if (slot != null && slot.seq() == seq) {
        out.add(slot);
      }
    }
    return new LogStore.ReadResult(out, missing, Math.max(afterSeq, seq - 1));
  }
}
