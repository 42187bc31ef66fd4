package dev.sluice.broker.store;

import dev.sluice.broker.store.LogStore.Lost;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.segment.SegmentLog.Position;
import dev.sluice.proto.v1.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One account of the {@link SegmentStore}: its sequence numbers, its newest records in memory,
 * its index into the segments and the numbers recovery found lost.
 *
 * <p>The account object is the lock of what it guards. An append holds it while it numbers its
 * records and hands them to the log's queue (so the log's order is the sequence order), the
 * writer thread while it adds the records that are on disk, a reader while it reads the ring
 * or plans a disk read, retention while it purges. The store's listener is never called under
 * it: subscribers take their own locks, then ours.
 */
final class Account {
  final byte[] name;
  final RecordRing ring; // durable records; guarded by this
  final BlockIndex index = new BlockIndex(); // guarded by this
  long assigned; // last sequence handed out, guarded by this
  // Sequence numbers recovery found lost to damage, oldest first; replaced, never changed.
  volatile List<Lost> lost = List.of();

  // Each entry's type and account, written in front of its body.
  final byte[] recordHead;
  final byte[] sessionHead;

  private final RequestIndex requests;

  Account(String name, int recent, RequestIndex requests) {
    this.name = name.getBytes(StandardCharsets.UTF_8);
    this.ring = new RecordRing(recent);
    this.requests = requests;
    this.recordHead = SegmentStore.body(SegmentStore.RECORD, this.name, new byte[0]);
    this.sessionHead = SegmentStore.body(SegmentStore.SESSION, this.name, new byte[0]);
  }

  /**
   * Called in sequence order, once the record is on disk (or found there by recovery), with
   * its time and index keys ({@link BlockIndex#keys}), and the built record when there is one
   * (request events).
   */
  void stored(StoredRecord record, Position position, long time, long indexKeys, Record built,
      String accountName) {
    ring.add(record.compact());
    index.add(record.seq(), position, time, indexKeys);
    if (built != null) {
      requests.observe(accountName, record.seq(), built);
    }
  }

  /** The newest number lost to damage, or 0. */
  long lostTop() {
    List<Lost> lost = this.lost;
    return lost.isEmpty() ? 0 : lost.get(lost.size() - 1).last();
  }

  /** {@code read} with the lost sequence numbers it crossed after {@code after}. */
  ReadResult withLost(long after, ReadResult read) {
    List<Lost> lost = this.lost;
    if (lost.isEmpty()) {
      return read;
    }
    List<Lost> crossed = new ArrayList<>(1);
    for (Lost range : lost) {
      Lost part = range.within(after, read.lastExamined());
      if (part != null) {
        crossed.add(part);
      }
    }
    return crossed.isEmpty() ? read
        : new ReadResult(read.records(), read.missing(), read.lastExamined(), crossed);
  }

  /**
   * The parts of {@code ranges} past {@code floor}: numbers at or below it were deleted by
   * retention, and a reader is told of them as deleted, not as lost.
   */
  static List<Lost> above(List<Lost> ranges, long floor) {
    return ranges.stream().map(l -> l.within(floor, Long.MAX_VALUE))
        .filter(Objects::nonNull).toList();
  }
}
