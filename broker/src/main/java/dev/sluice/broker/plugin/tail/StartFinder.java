package dev.sluice.broker.plugin.tail;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.plugin.PluginContext;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.RecordPredicate;
import dev.sluice.broker.store.StoredRecord;
import java.util.ArrayDeque;

/**
 * Finds where a replay begins for "last N" and "since T". Today a forward scan of what the
 * store holds, bounded by its size; the durable store's time index replaces the scan.
 */
final class StartFinder {
  private static final int CHUNK = 4_096;

  private StartFinder() {}

  /** The sequence after which the last {@code n} matching records up to {@code boundary} lie. */
  static long lastN(PluginContext broker, ReadGrant grant, RecordPredicate predicate,
      long boundary, int n) {
    if (n <= 0) {
      return boundary;
    }
    ArrayDeque<Long> lastSeqs = new ArrayDeque<>(Math.min(n, CHUNK));
    long after = 0;
    while (after < boundary) {
      ReadResult read = broker.read(grant, after, CHUNK);
      for (StoredRecord record : read.records()) {
        if (record.seq() > boundary) {
          break;
        }
        if (predicate.test(record.record())) {
          if (lastSeqs.size() == n) {
            lastSeqs.pollFirst();
          }
          lastSeqs.addLast(record.seq());
        }
      }
      if (read.lastExamined() <= after) {
        break;
      }
      after = read.lastExamined();
    }
    return lastSeqs.isEmpty() ? boundary : lastSeqs.peekFirst() - 1;
  }

  /** The sequence after which records at or after {@code sinceNanos} begin. */
  static long since(PluginContext broker, ReadGrant grant, long boundary, long sinceNanos) {
    long after = 0;
    while (after < boundary) {
      ReadResult read = broker.read(grant, after, CHUNK);
      for (StoredRecord record : read.records()) {
        if (record.seq() > boundary) {
          return boundary;
        }
        if (record.record().getTimeUnixNano() >= sinceNanos) {
          return record.seq() - 1;
        }
      }
      if (read.lastExamined() <= after) {
        break;
      }
      after = read.lastExamined();
    }
    return boundary;
  }
}
