package dev.sluice.broker.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest {@code capacity} records of one account, by sequence number. Older records fall
 * off; a read asking for them is told how many are missing. Not thread-safe: callers lock.
 */
final class RecordRing {
  /** Held while an owner hands freshly added records on, to keep them in order. */
  final Object publishLock = new Object();
  private final StoredRecord[] slots;
  private long lastSeq;

  RecordRing(int capacity) {
    slots = new StoredRecord[capacity];
  }

  long lastSeq() {
    return lastSeq;
  }

  /** Adds the record with the next sequence number (seq must be lastSeq + 1, or later). */
  void add(StoredRecord record) {
    lastSeq = record.seq();
    slots[(int) ((record.seq() - 1) % slots.length)] = record;
  }

  /** Oldest sequence the ring can hold now. */
  long firstSeq() {
    return Math.max(1, lastSeq - slots.length + 1);
  }

  LogStore.ReadResult read(long afterSeq, int max) {
    long from = Math.max(afterSeq + 1, firstSeq());
    long missing = Math.max(0, firstSeq() - (afterSeq + 1));
    List<StoredRecord> out = new ArrayList<>();
    long seq = from;
    for (; seq <= lastSeq && out.size() < max; seq++) {
      StoredRecord slot = slots[(int) ((seq - 1) % slots.length)];
      // A sequence a failed append used up leaves an empty or older slot: it is no record.
      if (slot != null && slot.seq() == seq) {
        out.add(slot);
      }
    }
    return new LogStore.ReadResult(out, missing, Math.max(afterSeq, seq - 1));
  }
}
