package dev.sluice.broker.plugin.tail;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.plugin.PluginContext;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.RecordPredicate;
import dev.sluice.broker.store.Scan;
import dev.sluice.broker.store.StoredRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;

/**
 * Finds where a "last N" replay begins: it reads windows that end at the boundary and double
 * until N matching records lie in one (or the store's start is reached), so a small N reads
 * a small part of a large store. Every read goes through the grant; reads from disk happen
 * off the event loop and continue on the subscriber's context.
 */
final class StartFinder {
  private static final int CHUNK = 4_096;
  private static final long FIRST_WINDOW = 4_096;

  private final PluginContext broker;
  private final ReadGrant grant;
  private final RecordPredicate predicate;
  private final long boundary;
  private final int n;
  private final Promise<Long> result = Promise.promise();
  private long window;
  private long windowStart;
  private ArrayDeque<Long> lastSeqs;

  private StartFinder(PluginContext broker, ReadGrant grant, RecordPredicate predicate,
      long boundary, int n) {
    this.broker = broker;
    this.grant = grant;
    this.predicate = predicate;
    this.boundary = boundary;
    this.n = n;
  }

  /** The sequence after which the last {@code n} matching records up to {@code boundary} lie. */
  static Future<Long> lastN(PluginContext broker, ReadGrant grant, RecordPredicate predicate,
      long boundary, int n) {
    if (n <= 0 || boundary == 0) {
      return Future.succeededFuture(boundary);
    }
    StartFinder finder = new StartFinder(broker, grant, predicate, boundary, n);
    finder.window = Math.max(FIRST_WINDOW, 2L * n);
    finder.nextWindow();
    return finder.result.future();
  }

  private void nextWindow() {
    windowStart = Math.max(0, boundary - window);
    lastSeqs = new ArrayDeque<>(Math.min(n, CHUNK));
    read(windowStart);
  }

  private void read(long after) {
    broker.read(grant, Scan.after(after, CHUNK)).onComplete(ar -> {
      if (ar.failed()) {
        result.fail(ar.cause());
        return;
      }
      ReadResult read = ar.result();
      for (StoredRecord record : read.records()) {
        if (record.seq() > boundary) {
          break;
        }
        if (predicate.test(record)) {
          if (lastSeqs.size() == n) {
            lastSeqs.pollFirst();
          }
          lastSeqs.addLast(record.seq());
        }
      }
      if (read.lastExamined() < boundary && read.lastExamined() > after) {
        read(read.lastExamined());
      } else if (lastSeqs.size() < n && windowStart > 0) {
        window *= 2;
        nextWindow();
      } else {
        result.complete(lastSeqs.isEmpty() ? boundary : lastSeqs.peekFirst() - 1);
      }
    });
  }
}
