package dev.sluice.broker.plugin.tail;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.plugin.PluginContext;
import dev.sluice.broker.plugin.TailSink;
import dev.sluice.broker.plugin.Tails;
import dev.sluice.broker.plugin.Subscriber;
import dev.sluice.broker.store.Cursor;
import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.RecordPredicate;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.subject.Router.Registration;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
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
final class TailStream implements Subscriber, Tails.Tail {
  /** Largest "last N"; more is a history query or a "since" start. */
  static final int MAX_LAST_N = 1_000_000;

  private final TailPlugin plugin;
  private final PluginContext broker;
  private final ReadGrant grant;
  private final TailRequest request;
  private final TailSink sink;
  private final Context context;
  private final RecordPredicate predicate;
  private final int batch;
  private final int batchBytes;
  private final TailCredit credit;
  private final TailLimits.Slot slot;
  private final ReadTurn turn;
  private final Replay replay; // on the context

  // Guarded by `this`: touched by publishers and by the drain.
  private final LiveQueue live;
  private boolean drainPending;
  // Volatile: drain() checks it without the lock before every message.
  private volatile boolean ended;

  // Touched only on `context`.
  private Registration registration;
  // Volatile: publishers read it; until start() sets it they may queue records at or below
  // it, which liveChunk() skips again.
  private volatile long boundary;
  private long lastSent;
  private boolean reading; // a store read is in flight; its completion drains again
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
    TailSettings settings = plugin.settings();
    this.batch = settings.batchRecords();
    this.batchBytes = settings.batchBytes();
    this.credit = new TailCredit(plugin.budget(), grant.account());
    this.live = new LiveQueue(settings, credit);
    this.turn = new ReadTurn(credit, batchBytes, context, this::drain, () -> ended);
    this.replay = new Replay(predicate, batch, batchBytes, request.getStart().hasSinceUnixNano()
        ? request.getStart().getSinceUnixNano() : Long.MIN_VALUE);
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
    replay.startAt(start, afterCursor, boundary);
    if (start.hasLastN()) {
      reading = true; // nothing is sent until the start is known
      StartFinder.lastN(broker, grant, predicate, boundary, start.getLastN())
          .onComplete(ar -> {
            reading = false;
            if (ar.failed()) {
              fail(ar.cause());
              return;
            }
            replay.after = ar.result();
            drain();
          });
    }
    scheduleDrain();
  }

  @Override
  public Context context() {
    return context;
  }

  @Override
  public void onRecords(List<StoredRecord> records) {
    if (behind || ended) {
      return; // it reads from the store once its reader is ready
    }
    if (turn.waiting()) {
      // It waits for room to read from the store: what comes live now it reads from there
      // too, once woken. Behind once, then every batch passes it by at once.
      synchronized (this) {
        if (!behind && !ended) {
          behind = true;
          live.clear();
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
      if (!behind) {
        droppedNow = live.offer(records, boundary, grant, predicate);
        if (droppedNow == LiveQueue.OVERFLOWED) {
          // Too far behind for memory: read on from the store instead.
          behind = true;
          droppedNow = 0;
        }
      }
      wake = !drainPending && (!live.isEmpty() || droppedNow > 0 || behind);
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
      if (replay.after < boundary) {
        if (!turn.take()) {
          return; // woken when subscriber bytes come back
        }
        Future<ReadResult> read = broker.read(grant, replay.scan());
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
        send(notices, out, LiveQueue.bytes(out)); // held since they were queued
      }
    }
    // Not ready: drainPending stays set, so publishers do not schedule useless drains; the
    // transport's onReady resumes us.
  }

  /** Nudges a tail that waits for subscriber bytes (the stall sweep, every second). */
  void retryIfWaiting() {
    turn.retry();
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
      live.clear();
      if (replay.after >= boundary) {
        // It was live: every record up to the old boundary was handled by the replay, and
        // live ones arrive in sequence order, so none up to lastSent is owed.
        replay.after = Math.max(lastSent, boundary);
      }
      // Read under our lock: a record above it is published after we let publishers in again,
      // so it is queued; the store has every record up to it.
      boundary = broker.lastSeq(grant);
    }
    plugin.countCaughtUp();
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
    List<StoredRecord> out = replay.chunk(read.result(), boundary, notices);
    long bytes = LiveQueue.bytes(out);
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
      if (live.idle()) {
        drainPending = false;
        return null;
      }
      out = live.take(batch, batchBytes, boundary);
      dropped = live.takeDropped();
    }
    if (dropped > 0) {
      notices.add(live.droppedNotice(dropped));
    }
    return out;
  }

  private void close(SluiceException failure, boolean tellSink) {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      live.discard();
    }
    if (registration != null) {
      registration.close();
    }
    if (keepalive >= 0) {
      context.owner().cancelTimer(keepalive);
    }
    turn.stop();
    credit.close();
    plugin.closed(this, slot);
    if (tellSink) {
      sink.end(failure);
    }
  }
}
