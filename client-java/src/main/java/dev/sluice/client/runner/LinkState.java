package dev.sluice.client.runner;

import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.Welcome;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;

/**
 * The runner's connection state machine and everything it guards: the {@link Outbox}, the
 * phase of the current stream, and the helpers it consults under its lock: {@link Batching}
 * (when sending is due, how much a frame carries), {@link Reconnects} (backoff, which errors
 * stop the runner) and {@link Closing} (flush and close bookkeeping). It decides what the
 * sender thread does next ({@link #nextStep()}) but never touches gRPC itself;
 * {@link IngestLink} carries the steps out. One lock; nothing that talks to gRPC runs while it
 * is held.
 *
 * <pre>
 * DISCONNECTED --backoff--> CONNECTING --Welcome--> CONNECTED --close, all acked--> HALF_CLOSED
 *      ^                         |                      |                                |
 *      +---- retryable error ----+----------------------+                               DONE
 *                       non-retryable error (any phase) --> FAILED
 * </pre>
 */
final class LinkState {
  /** Safety net: re-check readiness at least this often even if an onReady went missing. */
  private static final long READY_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private enum Phase { DISCONNECTED, CONNECTING, CONNECTED, HALF_CLOSED, DONE, FAILED }

  /** What the sender thread does next, outside the lock. */
  enum Action { OPEN, SEND, HALF_CLOSE, CANCEL }

  /** One step: {@code epoch} is the readiness epoch seen when a SEND was decided. */
  record Step(Action action, IngestAttempt attempt, long epoch, boolean retry, String reason) {}

  private final ReentrantLock lock = new ReentrantLock();
  /** The sender waits on this: new work, a reply, readiness, a phase change. */
  private final Condition work = lock.newCondition();
  /** Flush waiters wait on this: acks and terminal phases. */
  private final Condition progress = lock.newCondition();

  // Guarded by `lock`.
  private final Outbox outbox;
  private final Batching batching;
  private final Reconnects reconnects;
  private final Closing closing;
  private Phase phase = Phase.DISCONNECTED;
  private IngestAttempt attempt;
  private long readyEpoch;
  private Status lastError;
  private Status fatal;

  LinkState(RunnerSettings settings) {
    this.outbox = new Outbox(settings.bufferRecords());
    this.batching = new Batching(settings);
    this.reconnects = new Reconnects(settings);
    this.closing = new Closing(settings.closeTimeout());
  }

  // ---- loggers and the SluiceRunner facade -------------------------------------------------

  /** Holds a line, given as its LogBatch entry ({@link Frames#line}). */
  void line(byte[] line) {
    // Not through add(Runnable): no lambda for every line logged.
    lock.lock();
    try {
      if (!droppedWhenStopped()) {
        outbox.addLine(line);
        signalIfDue();
      }
    } finally {
      lock.unlock();
    }
  }

  void event(LongFunction<IngestFrame> withSeq) {
    add(() -> outbox.addEvent(withSeq, System.nanoTime()));
  }

  private void add(Runnable adding) {
    lock.lock();
    try {
      if (!droppedWhenStopped()) {
        adding.run();
        signalIfDue();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Counts the item dropped if the runner is closing or stopped; true if it was. */
  private boolean droppedWhenStopped() {
    if (closing.isClosing() || phase == Phase.FAILED) {
      outbox.countDropped();
      return true;
    }
    return false;
  }

  private void signalIfDue() {
    if (batching.wakesSender(outbox.unsentCount())) {
      work.signal();
    }
  }

  boolean flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      long target = outbox.lastSeq();
      closing.flushTo(target);
      work.signal();
      while (outbox.holdsUpTo(target)) {
        long left = deadline - System.nanoTime();
        if (phase == Phase.FAILED || phase == Phase.DONE || left <= 0) {
          return false;
        }
        progress.awaitNanos(left);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** From now on nothing new is accepted; the sender flushes, half-closes and stops. */
  void beginClose() {
    lock.lock();
    try {
      if (closing.begin(outbox.lastSeq())) {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  long dropped() {
    return locked(() -> outbox.dropped());
  }

  Status lastError() {
    return locked(() -> lastError);
  }

  boolean isStopped() {
    return locked(() -> phase == Phase.FAILED || phase == Phase.DONE);
  }

  /** Items held, unsent plus unacknowledged (SluiceRunner.pendingCount, tests of the bound). */
  int held() {
    return locked(outbox::heldCount);
  }

  /** Items sent on the current stream and not acknowledged (for tests of flow control). */
  int inflight() {
    return locked(() -> outbox.heldCount() - outbox.unsentCount());
  }

  private <T> T locked(java.util.function.Supplier<T> read) {
    lock.lock();
    try {
      return read.get();
    } finally {
      lock.unlock();
    }
  }

  // ---- the sender thread ---------------------------------------------------------------------

  /** Decides what to do next; waits while there is nothing to do. Null: the sender stops. */
  Step nextStep() throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        long now = System.nanoTime();
        boolean closeExpired = closing.expired(now);
        switch (phase) {
          case DONE, FAILED -> {
            return null;
          }
          case DISCONNECTED -> {
            if (closing.isClosing() && (outbox.isEmpty() || closeExpired)) {
              phase = Phase.DONE;
              return null;
            }
            if (reconnects.due(now)) {
              return open(now);
            }
            awaitUntil(reconnects.reconnectAtNanos());
          }
          case CONNECTING -> {
            if (closeExpired || now - reconnects.welcomeDeadlineNanos() >= 0) {
              return abandon(closeExpired ? "runner closed before the broker answered"
                  : reconnects.noWelcome());
            }
            awaitUntil(reconnects.welcomeDeadlineNanos());
          }
          case CONNECTED -> {
            if (closeExpired) {
              return abandon("close timeout passed with lines unacknowledged");
            }
            if (closing.isClosing() && outbox.isEmpty()) {
              phase = Phase.HALF_CLOSED;
              return new Step(Action.HALF_CLOSE, attempt, 0, false, null);
            }
            long dueAt = batching.dueAtNanos(outbox, now, closing);
            if (dueAt != Long.MAX_VALUE && now - dueAt >= 0) {
              return new Step(Action.SEND, attempt, readyEpoch, false, null);
            }
            awaitUntil(dueAt);
          }
          case HALF_CLOSED -> {
            if (closeExpired) {
              return abandon("broker did not end the stream within the close timeout");
            }
            awaitUntil(Long.MAX_VALUE);
          }
          default -> throw new IllegalStateException(phase.name());
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Waits for a signal or until {@code deadline} (and the close deadline, when closing). */
  private void awaitUntil(long deadline) throws InterruptedException {
    long until = closing.bound(deadline);
    if (until == Long.MAX_VALUE) {
      work.await();
    } else {
      work.awaitNanos(until - System.nanoTime());
    }
  }

  private Step open(long now) {
    attempt = new IngestAttempt(this);
    phase = Phase.CONNECTING;
    return new Step(Action.OPEN, attempt, 0, reconnects.opening(now), null);
  }

  /**
   * Gives up on the current stream and has it cancelled. Its callbacks are ignored from here
   * on (it is no longer current); a reconnect follows unless the runner is closing.
   */
  private Step abandon(String reason) {
    IngestAttempt a = attempt;
    attempt = null;
    outbox.requeueInflight();
    if (closing.isClosing()) {
      phase = Phase.DONE;
      closing.gaveUp(runnerName(), outbox.heldCount(), reason);
    } else {
      lastError = Status.DEADLINE_EXCEEDED.withDescription(reason);
      phase = Phase.DISCONNECTED;
      reconnects.abandoned(reason);
    }
    progress.signalAll();
    return new Step(Action.CANCEL, a, 0, false, reason);
  }

  /**
   * For a SEND step whose stream is ready: the next frame, its items now in flight; null if
   * the stream is no longer current or nothing is unsent.
   */
  Frames.Out takeFrame(IngestAttempt a) {
    lock.lock();
    try {
      if (a != attempt || phase != Phase.CONNECTED) {
        return null;
      }
      return batching.nextFrame(outbox);
    } finally {
      lock.unlock();
    }
  }

  /**
   * For a SEND step whose stream is not ready: HTTP/2 flow control pushes back, so frames stay
   * in the (bounded) outbox instead of queueing inside gRPC. Waits for onReady to bump the
   * epoch, or for anything else to change.
   */
  void awaitReady(IngestAttempt a, long epoch) throws InterruptedException {
    lock.lock();
    try {
      while (a == attempt && phase == Phase.CONNECTED && epoch == readyEpoch
          && !closing.expired(System.nanoTime())) {
        if (work.awaitNanos(READY_RECHECK_NANOS) <= 0) {
          return;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** The sender stopped: wakes flush waiters; returns the status that stopped it, if any. */
  Status finish() {
    lock.lock();
    try {
      if (phase != Phase.FAILED) {
        phase = Phase.DONE;
      }
      progress.signalAll();
      return fatal;
    } finally {
      lock.unlock();
    }
  }

  // ---- stream callbacks (transport thread) ---------------------------------------------------

  void onReady(IngestAttempt a) {
    lock.lock();
    try {
      if (a == attempt) {
        readyEpoch++;
        work.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  void onReply(IngestAttempt a, IngestReply reply) {
    lock.lock();
    try {
      if (a != attempt) {
        return;
      }
      if (reply.hasWelcome() && phase == Phase.CONNECTING) {
        welcomed(reply.getWelcome());
      } else if (reply.hasAck()) {
        outbox.ack(reply.getAck().getSeq());
        progress.signalAll();
      }
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  private void welcomed(Welcome welcome) {
    // Everything at or below last_durable_seq is stored: never send it again. The rest,
    // unacked frames included, goes out again in order with its original numbers.
    outbox.ack(welcome.getLastDurableSeq());
    batching.welcomed(welcome);
    phase = Phase.CONNECTED;
    reconnects.welcomed(welcome.getLastDurableSeq(), outbox.unsentCount());
    progress.signalAll();
  }

  /** The stream ended: {@code status} null means the broker completed it without error. */
  void onEnd(IngestAttempt a, Status status) {
    lock.lock();
    try {
      if (a != attempt) {
        return;
      }
      attempt = null;
      outbox.requeueInflight();
      progress.signalAll();
      work.signal();
      if (status == null && phase == Phase.HALF_CLOSED) {
        phase = Phase.DONE;
        return;
      }
      Status error = status != null ? status
          : Status.UNAVAILABLE.withDescription("the broker ended the stream");
      lastError = error;
      if (reconnects.refused(error)) {
        fatal = error;
        phase = Phase.FAILED;
        return;
      }
      boolean wasConnected = phase == Phase.CONNECTED || phase == Phase.HALF_CLOSED;
      phase = Phase.DISCONNECTED;
      reconnects.retryLater(error, wasConnected);
    } finally {
      lock.unlock();
    }
  }

  String runnerName() {
    return reconnects.runnerName();
  }
}
