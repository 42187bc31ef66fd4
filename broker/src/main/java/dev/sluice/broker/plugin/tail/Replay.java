package dev.sluice.broker.plugin.tail;

import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.plugin.Notices;
import dev.sluice.broker.store.LogStore.Lost;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.RecordPredicate;
import dev.sluice.broker.store.Scan;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.StartPosition;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a tail's replay from the store stands, and how a read's records become messages: what
 * a start position or a catch-up replays, up to the tail's boundary (what comes after is live).
 * Used on the tail's context only (a catch-up changes it under the stream's lock, there too).
 */
final class Replay {
  private final RecordPredicate predicate;
  private final int batch;
  private final int batchBytes;
  // Stored order is not time order (runners' clocks differ), so "since T" also filters the
  // replayed records by time, not only where the replay starts.
  private final long since;
  /** The last record handled: the replay goes on after it. */
  long after;
  /** The boundary when the tail started: "since" applies up to it. */
  long startBoundary;

  Replay(RecordPredicate predicate, int batch, int batchBytes, long since) {
    this.predicate = predicate;
    this.batch = batch;
    this.batchBytes = batchBytes;
    this.since = since;
  }

  /**
   * Where the replay of {@code start} begins, once the live subscription is registered and
   * {@code boundary} read: records above it come live. A "last N" start begins at the
   * boundary until its start is found.
   *
   * @throws SluiceException FAILED_PRECONDITION for a cursor beyond the newest record
   */
  void startAt(StartPosition start, long afterCursor, long boundary) {
    startBoundary = boundary;
    switch (start.getPositionCase()) {
      case POSITION_NOT_SET, NEW_ONLY, LAST_N -> after = boundary;
      case AFTER_CURSOR -> {
        // A subscriber only ever holds cursors of stored records, so one beyond the newest is
        // from a store that was reset (or another broker): resuming from it would skip
        // records silently.
        if (afterCursor > boundary) {
          throw new SluiceException(Failure.FAILED_PRECONDITION, "start.after_cursor: record "
              + afterCursor + " is beyond this broker's newest record " + boundary
              + " (its store was reset, or this is another broker); start without a cursor");
        }
        after = afterCursor;
      }
      case SINCE_UNIX_NANO -> after = 0; // the time index skips what is older
    }
  }

  /** The next read of the store. */
  Scan scan() {
    Scan scan = Scan.after(after, batch);
    // "Since" selects what the start replays; records after the start come whatever their
    // time, as they do live: the time hint holds up to the start's boundary only.
    return since == Long.MIN_VALUE ? scan : scan.since(since, startBoundary);
  }

  /**
   * The records of a replay read to send now, with the notices that go before them; moves
   * {@link #after} past what it handled. A notice applies before the records of its message,
   * so a chunk ends where records lost to damage lie between two of its records: the next one
   * starts with that notice.
   */
  List<StoredRecord> chunk(ReadResult read, long boundary, List<Notice> notices) {
    if (read.missing() > 0) {
      notices.add(Notices.deleted(read.missing(), after + 1));
    }
    List<Lost> lost = read.lost();
    int gap = 0;
    List<StoredRecord> out = new ArrayList<>(read.records().size());
    long bytes = 0;
    long examined = after;
    for (StoredRecord record : read.records()) {
      if (gap < lost.size() && lost.get(gap).first() < record.seq()) {
        if (!out.isEmpty()) {
          after = examined; // the notice starts the next chunk
          return out;
        }
        for (; gap < lost.size() && lost.get(gap).first() < record.seq(); gap++) {
          gapNotice(lost.get(gap), boundary, notices);
        }
      }
      if (!out.isEmpty() && bytes + record.encoded().length > batchBytes) {
        after = examined; // the rest goes in the next chunk
        return out;
      }
      examined = record.seq();
      if (record.seq() <= boundary && predicate.test(record)
          && (record.seq() > startBoundary || record.record().getTimeUnixNano() >= since)) {
        out.add(record);
        bytes += record.encoded().length;
      }
    }
    if (gap < lost.size() && !out.isEmpty()) {
      after = examined; // records lost after these: told before what comes next
      return out;
    }
    for (; gap < lost.size(); gap++) {
      gapNotice(lost.get(gap), boundary, notices);
    }
    after = read.lastExamined() > after ? read.lastExamined() : boundary;
    return out;
  }

  private static void gapNotice(Lost lost, long boundary, List<Notice> notices) {
    if (lost.first() <= boundary) { // what lies beyond is the live part's
      notices.add(Notices.gap(lost));
    }
  }
}
