package dev.sluice.broker.plugin;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.store.LogStore.Lost;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.Scan;
import dev.sluice.broker.store.StoredRecord;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Walks the stored records a grant allows, in sequence order, from a position up to a bound,
 * chunk by chunk: reads served from memory loop here, reads from disk continue when they come
 * back, and one walk examines at most a budget of records. History pages and drain batches
 * are both such walks. Sequence numbers lost to damage in the store that the walk passes are
 * handed to a listener, each once, in order.
 */
public final class StoreWalk {
  /**
   * Where a walk ended.
   *
   * @param position every record up to here was handed to the taker (or examined and not
   *     allowed); continue after it
   * @param finished nothing more up to the bound is stored
   */
  public record End(long position, boolean finished) {}

  private final PluginContext broker;
  private final ReadGrant grant;
  private final Scan scan;
  private final long through;
  private final long budget;
  private final Predicate<StoredRecord> take;
  private final Consumer<Lost> lost;
  private final Promise<End> done = Promise.promise();
  private long position;
  private long examined;

  private StoreWalk(PluginContext broker, ReadGrant grant, Scan scan, long through, long budget,
      Predicate<StoredRecord> take, Consumer<Lost> lost) {
    this.broker = broker;
    this.grant = grant;
    this.scan = scan;
    this.through = through;
    this.budget = budget;
    this.take = take;
    this.lost = lost;
  }

  /**
   * Walks after {@code scan.afterSeq()} up to {@code through}, handing each record to
   * {@code take}; {@code take} returns false to stop before that record (it was not taken).
   */
  public static Future<End> walk(PluginContext broker, ReadGrant grant, Scan scan, long through,
      long budget, Predicate<StoredRecord> take) {
    return walk(broker, grant, scan, through, budget, take, range -> { });
  }

  /**
   * {@link #walk(PluginContext, ReadGrant, Scan, long, long, Predicate)} that also hands
   * {@code lost} every range of sequence numbers lost to damage that it passed (up to where it
   * ended: a walk that continues there hands on the rest).
   */
  public static Future<End> walk(PluginContext broker, ReadGrant grant, Scan scan, long through,
      long budget, Predicate<StoredRecord> take, Consumer<Lost> lost) {
    StoreWalk walk = new StoreWalk(broker, grant, scan, through, budget, take, lost);
    walk.position = scan.afterSeq();
    walk.next(scan.afterSeq());
    return walk.done.future();
  }

  private void next(long after) {
    long at = after;
    while (true) {
      if (at >= through) {
        done.complete(new End(Math.max(position, Math.min(at, through)), true));
        return;
      }
      Future<ReadResult> read = broker.read(grant, scan.continueAfter(at));
      if (!read.isComplete()) {
        long from = at;
        read.onComplete(ar -> {
          long more = step(ar, from);
          if (more >= 0) {
            next(more);
          }
        });
        return;
      }
      at = step(read, at);
      if (at < 0) {
        return;
      }
    }
  }

  /** Takes one read; returns where to read on, or -1 when the walk is over. */
  private long step(AsyncResult<ReadResult> ar, long after) {
    if (ar.failed()) {
      done.fail(ar.cause());
      return -1;
    }
    ReadResult read = ar.result();
    for (StoredRecord stored : read.records()) {
      if (stored.seq() > through) {
        // Every record up to the bound was examined: the walk ends exactly there.
        return end(read, after, through, true);
      }
      if (!take.test(stored)) {
        return end(read, after, position, false);
      }
      position = stored.seq();
    }
    long last = read.lastExamined();
    examined += Math.max(0, last - after);
    if (last <= after) {
      return end(read, after, position, true); // nothing further is stored
    }
    // Never past the bound: a walk over a fixed range must end where the range does.
    position = Math.max(position, Math.min(last, through));
    passedLost(read, after, position);
    if (examined >= budget) {
      done.complete(new End(position, false)); // the budget is spent: continue from here
      return -1;
    }
    return last;
  }

  private long end(ReadResult read, long after, long at, boolean finished) {
    passedLost(read, after, at);
    done.complete(new End(at, finished));
    return -1;
  }

  /** Hands on the lost ranges of {@code read} in (after, upTo]: the walk passed those. */
  private void passedLost(ReadResult read, long after, long upTo) {
    for (Lost range : read.lost()) {
      Lost passed = range.within(after, upTo);
      if (passed != null) {
        lost.accept(passed);
      }
    }
  }
}
