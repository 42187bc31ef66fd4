package dev.sluice.broker.store;

import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RequestStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;

/**
 * Where records live: the store appends, reads, and says what it stored ({@link #listen}), in
 * each account's sequence order. It knows nothing of subjects' subscribers: whoever listens
 * fans records out, on threads of its own. Every account has its own sequence space, starting
 * at 1.
 *
 * <p>Implementations are thread-safe. {@link #append} never blocks the calling event loop; a
 * durable implementation completes the future only once the records are on disk.
 */
public interface LogStore extends AutoCloseable {

  /**
   * Appends records of one account in order, assigning consecutive sequence numbers and
   * cursors. {@code sessionKey} and {@code clientSeq} record how far the runner session got,
   * so that a reconnecting runner is told where to resume ({@link #lastClientSeq}).
   *
   * @param drafts records without seq and cursor; the store sets them
   * @return the stored records, in order, once they are as durable as the store promises
   */
  default Future<List<StoredRecord>> append(String account, String sessionKey, long clientSeq,
      List<Record> drafts) {
    return appendDrafts(account, sessionKey, clientSeq, Draft.of(drafts));
  }

  /**
   * {@link #append(String, String, long, List)} of records ingest encoded itself: each
   * {@link Draft} carries its bytes without seq and cursor, which the store puts in front
   * (see {@link StoredRecord#of(long, Draft)}). The store encodes every draft before this
   * returns, and never later: ingest reads the drafts' lines from a frame buffer that it
   * reuses once this returned.
   */
  Future<List<StoredRecord>> appendDrafts(String account, String sessionKey, long clientSeq,
      List<Draft> drafts);

  /**
   * Sets who hears of stored records. The store calls it once per append, in each account's
   * sequence order, with the stored records and the drafts they came from (so whoever appended
   * can keep things beside a record, in its own {@link Draft}s, and find them again here). The
   * append completes only once the listener's future does: a listener that falls behind slows
   * its appenders, and what an append stored has been taken by the listener once it completes.
   * The call runs on the store's writer thread (or the appending thread), which every account's
   * appends wait for: the listener must only take the records and hand them on, never fan out
   * on that thread.
   */
  void listen(Listener listener);

  /** Hears of stored records. */
  @FunctionalInterface
  interface Listener {
    /**
     * {@code appender} is the Vert.x context the append was made on, or null off any context:
     * the listener may hand on there, where the append's completion goes anyway.
     */
    Future<Void> stored(String account, List<StoredRecord> records, List<Draft> drafts,
        Context appender);
  }

  /** Highest client sequence stored for a runner session; 0 if none is known. */
  long lastClientSeq(String account, String sessionKey);

  /** Highest sequence number stored in {@code account}; 0 if none. */
  long lastSeq(String account);

  /**
   * Reads up to {@code scan.max()} records of {@code account} with a sequence above
   * {@code scan.afterSeq()}, oldest first. Completes at once when the records are in memory;
   * a read from disk runs off the event loop and completes on the caller's context.
   */
  Future<ReadResult> read(String account, Scan scan);

  /** Where a request's records lie, if the store still knows the request. */
  Optional<RequestSpan> request(String account, String app, String requestId);

  /**
   * A request's place in the store.
   *
   * @param firstSeq sequence of its first record
   * @param endSeq sequence of its REQUEST_END record; 0 while it runs
   * @param status its final status once ended
   * @param caller who called it (from its REQUEST_START), for access decisions
   * @param endpoint the endpoint it called
   */
  record RequestSpan(long firstSeq, long endSeq, RequestStatus status, String caller,
      String endpoint) {}

  /**
   * What a read found.
   *
   * @param records the records, oldest first
   * @param missing records after the requested position that are gone (retention)
   * @param lastExamined highest sequence the read looked at; continue after it
   * @param lost sequence numbers in the range the read covered whose records were lost to
   *     damage in the store, oldest first; the records around them are in {@code records}
   */
  record ReadResult(List<StoredRecord> records, long missing, long lastExamined,
      List<Lost> lost) {
    public ReadResult {
      records = List.copyOf(records);
      lost = List.copyOf(lost);
    }

    public ReadResult(List<StoredRecord> records, long missing, long lastExamined) {
      this(records, missing, lastExamined, List.of());
    }
  }

  /**
   * Sequence numbers whose records recovery found damaged on disk: they had been stored (and
   * acknowledged) and cannot be served any more.
   *
   * @param first the first lost sequence number
   * @param last the last one
   * @param certain false when only an upper bound is known: the damage hit the account's newest
   *     records, so nothing after it tells how many there were
   */
  record Lost(long first, long last, boolean certain) {
    public Lost {
      if (first < 1 || last < first) {
        throw new IllegalArgumentException("lost: " + first + ".." + last
            + " (expected: 1 <= first <= last)");
      }
    }

    public long count() {
      return last - first + 1;
    }

    /** The part of this range in (after, through], or null if none. */
    public Lost within(long after, long through) {
      long from = Math.max(first, after + 1);
      long to = Math.min(last, through);
      return from > to ? null : new Lost(from, to, certain);
    }

    /** A sentence for a reader, e.g. "records 5001-5003 were lost to damage in the store". */
    public String describe() {
      String range = first == last ? "record " + first : "records " + first + "-" + last;
      return certain ? range + (first == last ? " was" : " were") + " lost to damage in the store"
          : "up to " + count() + " records (" + range.substring(range.indexOf(' ') + 1)
              + ") may have been lost to damage in the store";
    }
  }

  @Override
  void close();
}
