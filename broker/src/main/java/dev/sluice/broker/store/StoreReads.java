package dev.sluice.broker.store;

import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.segment.SegmentLog;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads of one account of the segment store: the newest {@code recent} records from memory at
 * once, on the caller's thread; older ones from the segments on a reader thread (never an event
 * loop), found through the account's {@link BlockIndex}, and planned again when retention
 * deleted a segment meanwhile. Either way the reader is told of the lost numbers it crossed.
 */
final class StoreReads {
  // Logs as the store: what an operator reads names the store, not its parts.
  private static final Logger LOG = LoggerFactory.getLogger(SegmentStore.class);
  private static final int READ_BLOCKS = 8;
  private static final int MAX_READ_ATTEMPTS = 16;

  private final ExecutorService readers;
  private final DiskReader disk;

  StoreReads(SegmentLog log) {
    this.readers = Executors.newFixedThreadPool(2, SegmentStore.daemon("sluice-store-reader"));
    this.disk = new DiskReader(log);
  }

  /** Reads {@code a}'s records as {@code scan} asks, completing on the caller's context. */
  Future<ReadResult> read(Account a, Scan scan) {
    BlockIndex.Plan plan;
    synchronized (a) {
      long first = a.index.firstSeq();
      if (scan.afterSeq() + 1 >= a.ring.firstSeq() || first > a.ring.lastSeq()) {
        // In memory: no disk, no thread hop. Records retention already deleted are not served
        // and are counted missing; numbers lost to damage are told as lost instead.
        long after = Math.max(scan.afterSeq(), a.index.purgedThrough());
        ReadResult read = a.ring.read(after, scan.max());
        // A read that reached the newest record also passed what was lost after it.
        long examined = read.lastExamined() >= a.ring.lastSeq()
            ? Math.max(read.lastExamined(), a.lostTop()) : read.lastExamined();
        return Future.succeededFuture(a.withLost(scan.afterSeq(), new ReadResult(read.records(),
            read.missing() + (after - scan.afterSeq()), examined)));
      }
      plan = a.index.plan(scan, READ_BLOCKS);
    }
    Context context = Vertx.currentContext();
    Promise<ReadResult> promise = Promise.promise();
    try {
      readers.execute(() -> readOffLoop(a, scan, plan, context, promise));
    } catch (RejectedExecutionException e) {
      return Future.failedFuture(new IOException("store is closed"));
    }
    return promise.future();
  }

  private void readOffLoop(Account a, Scan scan, BlockIndex.Plan plan, Context context,
      Promise<ReadResult> promise) {
    BlockIndex.Plan current = plan;
    for (int attempt = 1; ; attempt++) {
      try {
        ReadResult done = a.withLost(scan.afterSeq(), disk.read(a.name, scan, current));
        SegmentStore.onContext(context, () -> promise.complete(done));
        return;
      } catch (IOException e) {
        // Retention may delete a segment between planning and reading (more than once under
        // a busy retention): plan again while the index has moved on; a plan that did not
        // change means the failure is real.
        BlockIndex.Plan again;
        synchronized (a) {
          again = a.index.plan(scan, READ_BLOCKS);
        }
        if (again.equals(current) || attempt >= MAX_READ_ATTEMPTS) {
          LOG.error("store: reading history of an account failed", e);
          SegmentStore.onContext(context, () -> promise.fail(e));
          return;
        }
        current = again;
      } catch (RuntimeException e) {
        LOG.error("store: reading history of an account failed", e);
        SegmentStore.onContext(context, () -> promise.fail(e));
        return;
      }
    }
  }

  /** Lets the disk reads under way finish (5 s at most); those asked for later fail. */
  void close() {
    SegmentStore.shutdown(readers);
  }
}
