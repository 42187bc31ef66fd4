package dev.sluice.broker.plugin.tail;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.plugin.PluginContext;
import dev.sluice.broker.plugin.TailSink;
import dev.sluice.broker.plugin.Tails;
import dev.sluice.broker.plugin.tail.TailSettings.OverflowPolicy;
import dev.sluice.broker.plugin.Subscriber;
import dev.sluice.broker.store.Cursor;
import dev.sluice.broker.plugin.Notices;
import dev.sluice.broker.store.LogStore.Lost;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.RecordPredicate;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.subject.Router.Registration;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.broker.store.Scan;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One subscriber's tail. Publishers (any event loop) add matching records to a bounded queue;
 * the subscriber's own context drains it in batches while the sink is ready. At most one drain
 * is pending at a time, so a busy stream costs one wake-up per batch, not per record.
 *
 * <p>Start positions other than "new only" replay stored records up to the sequence that was
 * current right after the live subscription was registered (the boundary), and live records
 * at or below it are skipped: no gap and no duplicate at the seam.
 */
public final class TailStream implements Subscriber, Tails.Tail {
  /** Largest "last N"; more is a history query or a "since" start. */
  static final int MAX_LAST_N = 1_000_000;

  private final TailPlugin plugin;
  private final PluginContext broker;
  private final ReadGrant grant;
  private final TailRequest request;
  private final TailSink sink;
  private final Context context;
  private final RecordPredicate predicate;
  private final int capacity;
  private final long capacityBytes;
  private final int batch;
  private final int batchBytes;
  private final OverflowPolicy overflow;
  private final long replaySince;
  private final TailCredit credit;
  private final TailLimits.Slot slot;

  // Guarded by `this`: touched by publishers and by the drain.
  private final ArrayDeque<StoredRecord> queue = new ArrayDeque<>();
  private long reserve; // taken for the batch being queued, not yet queued
  private boolean reservedBatch;
  private long queuedBytes;
  private long droppedSinceNotice;
  private boolean drainPending;
  // Volatile: drain() checks it without the lock before every message.
  private volatile boolean ended;

  // Touched only on `context`.
  private Registration registration;
  // Volatile: publishers read it; until start() sets it they may queue records at or below
  // it, which liveChunk() skips again.
  private volatile long boundary;
  private long replayAfter;
  private long startBoundary; // the boundary when the tail started: "since" applies up to it
  private long lastSent;
  private boolean reading; // a store read is in flight; its completion drains again
  // Registered to be woken when subscriber bytes come back; read by publishers too.
  private volatile boolean awaitingBudget;
  private final SubscriberBudget.Waiter waiter = this::wakeForBudget;
  // Set once the stall sweep decided to cut it: it is counted once.
  private volatile boolean cutting;
  private long keepalive = -1; // the timer of a transport that needs messages to stay open
  private boolean sentSinceTick;
  // Written under `this` by a publisher whose record did not fit the queue (CATCH_UP), read
  // without it too: a tail that is behind takes nothing live, so a publisher skips it at once
  // (an account with thousands of stalled tails costs each batch a read per tail, not a lock
  // and a loop over the batch).
  private volatile boolean behind;

  TailStream(TailPlugin plugin, PluginContext broker, ReadGrant grant, TailRequest request,
      TailSink sink, Context context, TailLimits.Slot slot) {
    this.slot = slot;
    this.plugin = plugin;
    this.broker = broker;
    this.grant = grant;
    this.request = request;
    this.sink = sink;
    this.context = context;
    this.predicate = RecordPredicate.of(request.getWhere());
    // Stored order is not time order (runners' clocks differ), so "since T" also filters
    // the replayed records by time, not only where the replay starts.
    this.replaySince = request.getStart().hasSinceUnixNano()
        ? request.getStart().getSinceUnixNano() : Long.MIN_VALUE;
    TailSettings settings = plugin.settings();
    this.capacity = settings.queueRecords();
    this.capacityBytes = settings.queueBytes();
    this.batch = settings.batchRecords();
    this.batchBytes = settings.batchBytes();
    this.overflow = settings.overflow();
    this.credit = new TailCredit(plugin.budget(), grant.account());
  }

  void start() {
    StartPosition start = request.getStart();
    // Validate before subscribing, so a refused tail leaves nothing registered.
    long afterCursor = start.hasAfterCursor() ? Cursor.seq(start.getAfterCursor()) : 0;
    if (start.hasLastN() && start.getLastN() > MAX_LAST_N) {
      throw SluiceException.invalid("start.last_n: " + start.getLastN() + " (expected: <= "
          + MAX_LAST_N + "; use since_unix_nano or after_cursor for more)");
    }
    long every = sink.keepaliveMillis();
    if (every > 0) {
      keepalive = context.owner().setPeriodic(every,
          id -> context.runOnContext(v -> keepAlive()));
    }
    registration = broker.subscribe(grant, this);
    // Read after registering: every record above the boundary is published to us live.
    boundary = broker.lastSeq(grant);
    startBoundary = boundary;
    switch (start.getPositionCase()) {
      case POSITION_NOT_SET, NEW_ONLY -> replayAfter = boundary;
      case AFTER_CURSOR -> {
        // A subscriber only ever holds cursors of stored records, so one beyond the newest is
        // from a store that was reset (or another broker): resuming from it would skip
        // records silently.
        if (afterCursor > boundary) {
          throw new SluiceException(Failure.FAILED_PRECONDITION, "start.after_cursor: record "
              + afterCursor + " is beyond this broker's newest record " + boundary
              + " (its store was reset, or this is another broker); start without a cursor");
        }
        replayAfter = afterCursor;
      }
      case SINCE_UNIX_NANO -> replayAfter = 0; // the time index skips what is older
      case LAST_N -> {
        replayAfter = boundary;
        reading = true; // nothing is sent until the start is known
        StartFinder.lastN(broker, grant, predicate, boundary, start.getLastN())
            .onComplete(ar -> {
              reading = false;
              if (ar.failed()) {
                fail(ar.cause());
                return;
              }
              replayAfter = ar.result();
              drain();
            });
      }
    }
    scheduleDrain();
  }

  @Override
  public void onRecords(List<StoredRecord> records) {
    if (behind || ended) {
      return; // it reads from the store once its reader is ready
    }
    if (awaitingBudget) {
      // It waits for room to read from the store: what comes live now it reads from there
      // too, once woken. Behind once, then every batch passes it by at once.
      synchronized (this) {
        if (!behind && !ended) {
          behind = true;
          credit.release(queuedBytes);
          queue.clear();
          queuedBytes = 0;
        }
      }
      return;
    }
    int droppedNow = 0;
    boolean wake;
    synchronized (this) {
      if (ended) {
        return;
      }
      for (StoredRecord record : records) {
        if (behind || record.seq() <= boundary || !grant.allows(record)
            || !predicate.test(record)) {
          continue;
        }
        int size = record.encoded().length;
        if (overflow == OverflowPolicy.CATCH_UP) {
          if (queue.size() >= capacity || queuedBytes + size > capacityBytes
              || !hold(size, records)) {
            // Too far behind for memory (its own bound, or the account's or the broker's):
            // forget the queue, read on from the store instead.
            behind = true;
            credit.release(queuedBytes);
            queue.clear();
            queuedBytes = 0;
            continue;
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
      droppedSinceNotice += droppedNow;
      wake = !drainPending && (!queue.isEmpty() || droppedNow > 0 || behind);
      if (wake) {
        drainPending = true;
      }
    }
    if (droppedNow > 0) {
      plugin.countDropped(droppedNow);
    }
    if (wake) {
      context.runOnContext(v -> drain());
    }
  }

  /**
   * Holds {@code size} bytes for a record being queued: from what was taken for the whole
   * {@code batch} at its first record (one take per batch on the hot path, not one per
   * record), or, near the bound, on its own. Call under the lock.
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

  /** The transport became writable again. Call on the subscriber's context. */
  @Override
  public void onReady() {
    drain();
  }

  /** The subscriber went away. */
  @Override
  public void cancel() {
    close(null, false);
  }

  void shutdown() {
    context.runOnContext(v -> {
      drain();
      SluiceException bye = new SluiceException(Failure.UNAVAILABLE,
          "broker is shutting down; reconnect to resume");
      if (sink.isReady()) {
        close(bye, true);
      } else {
        // Its reader is not taking what waits: the ending would wait behind it, and the
        // server's close with it. Reset, so the reader reconnects and resumes.
        sink.abort(bye);
        close(bye, false);
      }
    });
  }

  private void scheduleDrain() {
    synchronized (this) {
      if (drainPending) {
        return;
      }
      drainPending = true;
    }
    context.runOnContext(v -> drain());
  }

  private void drain() {
    while (!ended && !reading && sink.isReady()) {
      catchUpIfBehind();
      if (replayAfter < boundary) {
        if (!takeForRead()) {
          return; // woken when subscriber bytes come back
        }
        Future<ReadResult> read = broker.read(grant, replayScan());
        if (!read.isComplete()) {
          // From disk, off the event loop: continue when it is back on our context.
          reading = true;
          read.onComplete(ar -> {
            reading = false;
            if (replay(ar)) {
              drain();
            }
          });
          return;
        }
        if (!replay(read)) {
          return;
        }
        continue;
      }
      List<Notice> notices = new ArrayList<>(1);
      List<StoredRecord> out = liveChunk(notices);
      if (out == null) {
        return;
      }
      if (!out.isEmpty() || !notices.isEmpty()) {
        send(notices, out, bytes(out)); // held since they were queued
      }
    }
    // Not ready: drainPending stays set, so publishers do not schedule useless drains; the
    // transport's onReady resumes us.
  }

  /**
   * Holds the bytes of a message to read from the store; false if there is no room now, and
   * then it waits in turn to be woken when subscriber bytes come back. Runs on the context.
   */
  private boolean takeForRead() {
    if (!credit.take(batchBytes)) {
      if (!awaitingBudget) {
        awaitingBudget = true;
        credit.waitFor(waiter);
      }
      // Bytes may have come back before it was registered, their wake-ups gone to others.
      if (!credit.take(batchBytes)) {
        return false;
      }
    }
    if (awaitingBudget) {
      awaitingBudget = false; // it had its turn another way: its place goes to the next
      credit.stopWaiting(waiter);
    }
    return true;
  }

  private boolean wakeForBudget() {
    if (ended) {
      return false; // the next waiter gets the turn
    }
    context.runOnContext(v -> {
      awaitingBudget = false; // out of the queue: a refused take registers it again
      drain();
    });
    return true;
  }

  /**
   * A tail that waits for subscriber bytes tries again if there is room: the wake-ups of
   * returning bytes go to a few waiters each, and this keeps one that missed them from
   * waiting for ever (the stall sweep calls it every second).
   */
  void retryIfWaiting() {
    if (awaitingBudget && !ended && credit.hasRoom(batchBytes)) {
      context.runOnContext(v -> drain());
    }
  }

  /**
   * A reader that overflowed its queue goes back to the store: it replays from the last
   * record it was sent up to the newest stored one, then rejoins live, by the same seam as
   * a start position. Runs on the context.
   */
  private void catchUpIfBehind() {
    synchronized (this) {
      if (!behind) {
        return;
      }
      behind = false;
      credit.release(queuedBytes);
      queue.clear();
      queuedBytes = 0;
      if (replayAfter >= boundary) {
        // It was live: every record up to the old boundary was handled by the replay, and
        // live ones arrive in sequence order, so none up to lastSent is owed.
        replayAfter = Math.max(lastSent, boundary);
      }
      // Read under our lock: a record above it is published after we let publishers in again,
      // so it is queued; the store has every record up to it.
      boundary = broker.lastSeq(grant);
    }
    plugin.countCaughtUp();
  }

  private Scan replayScan() {
    Scan scan = Scan.after(replayAfter, batch);
    // "Since" selects what the start replays; records after the start come whatever their
    // time, as they do live: the time hint holds up to the start's boundary only.
    return replaySince == Long.MIN_VALUE ? scan : scan.since(replaySince, startBoundary);
  }

  /**
   * Sends what a replay read found (the bytes of a whole message were held for it); false if
   * the read failed and the stream ended.
   */
  private boolean replay(AsyncResult<ReadResult> read) {
    if (read.failed()) {
      credit.release(batchBytes);
      fail(read.cause());
      return false;
    }
    if (ended) {
      credit.release(batchBytes);
      return false;
    }
    List<Notice> notices = new ArrayList<>(1);
    List<StoredRecord> out = replayChunk(read.result(), notices);
    long bytes = bytes(out);
    if (bytes > batchBytes) {
      credit.force(bytes - batchBytes); // one record larger than a message goes all the same
    } else {
      credit.release(batchBytes - bytes);
    }
    if (!out.isEmpty() || !notices.isEmpty()) {
      send(notices, out, bytes);
    }
    return true;
  }

  private static long bytes(List<StoredRecord> records) {
    long bytes = 0;
    for (StoredRecord record : records) {
      bytes += record.encoded().length;
    }
    return bytes;
  }

  /** Sends a message whose {@code bytes} are held; they go back once the transport wrote it. */
  private void send(List<Notice> notices, List<StoredRecord> out, long bytes) {
    if (!out.isEmpty()) {
      lastSent = out.get(out.size() - 1).seq();
    }
    sentSinceTick = true;
    credit.sent(bytes);
    sink.send(notices, out, () -> credit.written(bytes));
  }

  /**
   * Ends the tail if its transport took nothing of what waits there for {@code limitNanos}:
   * its reader stopped reading, and the bytes it holds would be held for ever.
   */
  boolean cutIfStalled(long now, long limitNanos) {
    if (ended || cutting || !credit.stalled(now, limitNanos)) {
      return false;
    }
    cutting = true;
    SluiceException stalled = SluiceException.exhausted("tail: the reader took nothing for "
        + limitNanos / 1_000_000 + " ms while messages waited (tail.stalledTail); "
        + "reconnect with the last cursor to resume");
    context.runOnContext(v -> {
      sink.abort(stalled);
      close(stalled, false);
    });
    return true;
  }

  /** A transport that closes silent connections gets an empty message when nothing else went. */
  private void keepAlive() {
    if (!ended && !sentSinceTick && sink.isReady()) {
      sink.send(List.of(), List.of(), () -> { });
    }
    sentSinceTick = false;
  }

  private void fail(Throwable cause) {
    close(cause instanceof SluiceException e ? e
        : new SluiceException(Failure.INTERNAL, "reading stored records failed"), true);
  }

  /**
   * The records of a replay read to send now, with the notices that go before them. A notice
   * applies before the records of its message, so a chunk ends where records lost to damage
   * lie between two of its records: the next one starts with that notice.
   */
  private List<StoredRecord> replayChunk(ReadResult read, List<Notice> notices) {
    if (read.missing() > 0) {
      notices.add(Notices.deleted(read.missing(), replayAfter + 1));
    }
    List<Lost> lost = read.lost();
    int gap = 0;
    List<StoredRecord> out = new ArrayList<>(read.records().size());
    long bytes = 0;
    long examined = replayAfter;
    for (StoredRecord record : read.records()) {
      if (gap < lost.size() && lost.get(gap).first() < record.seq()) {
        if (!out.isEmpty()) {
          replayAfter = examined; // the notice starts the next chunk
          return out;
        }
        for (; gap < lost.size() && lost.get(gap).first() < record.seq(); gap++) {
          gapNotice(lost.get(gap), notices);
        }
      }
      if (!out.isEmpty() && bytes + record.encoded().length > batchBytes) {
        replayAfter = examined; // the rest goes in the next chunk
        return out;
      }
      examined = record.seq();
      if (record.seq() <= boundary && predicate.test(record)
          && (record.seq() > startBoundary || record.record().getTimeUnixNano() >= replaySince)) {
        out.add(record);
        bytes += record.encoded().length;
      }
    }
    if (gap < lost.size() && !out.isEmpty()) {
      replayAfter = examined; // records lost after these: told before what comes next
      return out;
    }
    for (; gap < lost.size(); gap++) {
      gapNotice(lost.get(gap), notices);
    }
    replayAfter = read.lastExamined() > replayAfter ? read.lastExamined() : boundary;
    return out;
  }

  private void gapNotice(Lost lost, List<Notice> notices) {
    if (lost.first() <= boundary) { // what lies beyond is the live part's
      notices.add(Notices.gap(lost));
    }
  }

  /** The next live batch; null when there is nothing left and the drain is over. */
  private List<StoredRecord> liveChunk(List<Notice> notices) {
    List<StoredRecord> out;
    long dropped;
    synchronized (this) {
      if (ended) {
        return null;
      }
      if (behind) {
        return List.of(); // the drain loop moves us back onto the store
      }
      if (queue.isEmpty() && droppedSinceNotice == 0) {
        drainPending = false;
        return null;
      }
      out = new ArrayList<>(Math.min(batch, queue.size()));
      long bytes = 0;
      while (out.size() < batch && !queue.isEmpty()) {
        StoredRecord next = queue.peekFirst();
        if (!out.isEmpty() && bytes + next.encoded().length > batchBytes) {
          break;
        }
        queue.pollFirst();
        queuedBytes -= next.encoded().length;
        if (next.seq() > boundary) {
          out.add(next);
          bytes += next.encoded().length;
        } else {
          credit.release(next.encoded().length); // the replay sent it already
        }
      }
      dropped = droppedSinceNotice;
      droppedSinceNotice = 0;
    }
    if (dropped > 0) {
      notices.add(Notice.newBuilder().setKind(NoticeKind.DROPPED).setCount(dropped)
          .setDetail("dropped " + dropped + " records: subscriber too slow (queue of "
              + capacity + " records or " + capacityBytes + " bytes full)").build());
    }
    return out;
  }

  private void close(SluiceException failure, boolean tellSink) {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      queue.clear();
      queuedBytes = 0;
    }
    if (registration != null) {
      registration.close();
    }
    if (keepalive >= 0) {
      context.owner().cancelTimer(keepalive);
    }
    if (awaitingBudget) {
      awaitingBudget = false;
      credit.stopWaiting(waiter);
    }
    credit.close();
    plugin.closed(this, slot);
    if (tellSink) {
      sink.end(failure);
    }
  }
}
