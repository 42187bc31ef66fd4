package dev.sluice.broker.plugin.tail;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.plugin.tail.TailSettings.OverflowPolicy;
import dev.sluice.broker.store.RecordPredicate;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A tail's queue of live records: bounded by records and by bytes (held from the subscriber
 * budget through the tail's {@link TailCredit}), and what it does when full, by its overflow
 * policy. Not thread-safe: the stream's lock guards every call, and publishers call
 * {@link #offer} under it.
 */
final class LiveQueue {
  /** {@link #offer}: the queue overflowed under CATCH_UP; it is empty now. */
  static final int OVERFLOWED = -1;

  private final ArrayDeque<StoredRecord> queue = new ArrayDeque<>();
  private final int capacity;
  private final long capacityBytes;
  private final OverflowPolicy overflow;
  private final TailCredit credit;
  private long reserve; // taken for the batch being queued, not yet queued
  private boolean reservedBatch;
  private long queuedBytes;
  private long droppedSinceNotice;

  LiveQueue(TailSettings settings, TailCredit credit) {
    this.capacity = settings.queueRecords();
    this.capacityBytes = settings.queueBytes();
    this.overflow = settings.overflow();
    this.credit = credit;
  }

  /**
   * Queues the records of a published batch that the reader wants: above {@code boundary}
   * (the replay sends the rest), allowed by its grant and matching its predicate. Returns how
   * many the overflow policy dropped, or {@link #OVERFLOWED}: too far behind for memory (its
   * own bound, or the account's or the broker's), the reader reads on from the store instead.
   */
  int offer(List<StoredRecord> records, long boundary, ReadGrant grant,
      RecordPredicate predicate) {
    int droppedNow = 0;
    boolean overflowed = false;
    for (StoredRecord record : records) {
      if (record.seq() <= boundary || !grant.allows(record) || !predicate.test(record)) {
        continue;
      }
      int size = record.encoded().length;
      if (overflow == OverflowPolicy.CATCH_UP) {
        if (queue.size() >= capacity || queuedBytes + size > capacityBytes
            || !hold(size, records)) {
          clear();
          overflowed = true;
          break;
        }
      } else if (overflow == OverflowPolicy.DROP_NEWEST) {
        if (queue.size() >= capacity || queuedBytes + size > capacityBytes
            || !hold(size, records)) {
          droppedNow++;
          continue;
        }
      } else {
        // Both bounds hold: a stalled reader costs at most its queue's records and bytes.
        while (!queue.isEmpty() && (queue.size() >= capacity
            || queuedBytes + size > capacityBytes || !hold(size, records))) {
          int oldest = queue.pollFirst().encoded().length;
          queuedBytes -= oldest;
          credit.release(oldest);
          droppedNow++;
        }
        if (queue.isEmpty() && !hold(size, records)) {
          droppedNow++; // not even its own bytes make room: the account is at its bound
          continue;
        }
      }
      queue.addLast(record);
      queuedBytes += size;
    }
    if (reserve > 0) {
      credit.release(reserve); // held for this batch, not queued
      reserve = 0;
    }
    reservedBatch = false;
    if (overflowed) {
      return OVERFLOWED;
    }
    droppedSinceNotice += droppedNow;
    return droppedNow;
  }

  /**
   * Holds {@code size} bytes for a record being queued: from what was taken for the whole
   * {@code batch} at its first record (one take per batch on the hot path, not one per
   * record), or, near the bound, on its own.
   */
  private boolean hold(int size, List<StoredRecord> batch) {
    if (reserve < size && !reservedBatch) {
      reservedBatch = true;
      long all = bytes(batch);
      if (credit.take(all)) {
        reserve += all;
      }
    }
    if (reserve >= size) {
      reserve -= size;
      return true;
    }
    return credit.take(size);
  }

  /** True while there is nothing to send: no record, and no drop to tell of. */
  boolean idle() {
    return queue.isEmpty() && droppedSinceNotice == 0;
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /**
   * The next message's records, oldest first: up to {@code max} records and {@code maxBytes}
   * bytes (at least one record). Records at or below {@code boundary} go without being sent:
   * the replay sent them already. The bytes of what it returns stay held until sent.
   */
  List<StoredRecord> take(int max, int maxBytes, long boundary) {
    List<StoredRecord> out = new ArrayList<>(Math.min(max, queue.size()));
    long bytes = 0;
    while (out.size() < max && !queue.isEmpty()) {
      StoredRecord next = queue.peekFirst();
      if (!out.isEmpty() && bytes + next.encoded().length > maxBytes) {
        break;
      }
      queue.pollFirst();
      queuedBytes -= next.encoded().length;
      if (next.seq() > boundary) {
        out.add(next);
        bytes += next.encoded().length;
      } else {
        credit.release(next.encoded().length);
      }
    }
    return out;
  }

  /** Records dropped since the last DROPPED notice, which the caller now owes. */
  long takeDropped() {
    long dropped = droppedSinceNotice;
    droppedSinceNotice = 0;
    return dropped;
  }

  /** The DROPPED notice of {@code dropped} records. Needs no lock. */
  Notice droppedNotice(long dropped) {
    return Notice.newBuilder().setKind(NoticeKind.DROPPED).setCount(dropped)
        .setDetail("dropped " + dropped + " records: subscriber too slow (queue of "
            + capacity + " records or " + capacityBytes + " bytes full)").build();
  }

  /** Empties the queue; what it held goes back to the budget. */
  void clear() {
    credit.release(queuedBytes);
    queue.clear();
    queuedBytes = 0;
  }

  /** Empties the queue of a tail that ended (its credit gives everything back when closed). */
  void discard() {
    queue.clear();
    queuedBytes = 0;
  }

  static long bytes(List<StoredRecord> records) {
    long bytes = 0;
    for (StoredRecord record : records) {
      bytes += record.encoded().length;
    }
    return bytes;
  }
}
