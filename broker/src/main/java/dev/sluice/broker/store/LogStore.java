package dev.sluice.broker.store;

import dev.sluice.proto.v1.Record;
import io.vertx.core.Future;
import java.util.List;

/**
 * Where records live. Knows nothing of subscribers: ingest appends, then hands the stored
 * records to the router. Every account has its own sequence space, starting at 1.
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
  Future<List<StoredRecord>> append(String account, String sessionKey, long clientSeq,
      List<Record> drafts);

  /** Highest client sequence stored for a runner session; 0 if none is known. */
  long lastClientSeq(String account, String sessionKey);

  /** Highest sequence number stored in {@code account}; 0 if none. */
  long lastSeq(String account);

  /**
   * Reads up to {@code max} records of {@code account} with a sequence above {@code afterSeq},
   * oldest first.
   */
  ReadResult read(String account, long afterSeq, int max);

  /**
   * What a read found.
   *
   * @param records the records, oldest first
   * @param missing records after the requested position that are gone (retention)
   * @param lastExamined highest sequence the read looked at; continue after it
   */
  record ReadResult(List<StoredRecord> records, long missing, long lastExamined) {
    public ReadResult {
      records = List.copyOf(records);
    }
  }

  @Override
  void close();
}
