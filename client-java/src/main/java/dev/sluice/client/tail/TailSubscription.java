package dev.sluice.client.tail;

import dev.sluice.client.internal.Backoff;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A live tail read as a blocking iterator of {@link TailEvent}s, from
 * {@link SluiceSubscriber#tail(TailRequest)} or {@link SluiceSubscriber#resumingTail}.
 *
 * <pre>{@code
 * try (TailSubscription tail = subscriber.tail("my-model.>")) {
 *   while (tail.hasNext()) {
 *     TailEvent event = tail.next();
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p>Backpressure: gRPC's automatic flow control is off. One message (a batch of records) is
 * requested at start and one more each time the consumer starts on a buffered message, so at
 * most two messages are held here (three, briefly, right after a reconnect); a consumer that
 * does not keep up stops the broker from writing, and the broker's own bounded queue then
 * applies its overflow policy (read on from the store, or drop records and send a DROPPED
 * notice). Memory here never grows with the consumer's lag.
 *
 * <p>When the broker ends the tail with an error, {@link #hasNext()} first returns the events
 * already received, then throws a {@link StatusRuntimeException} carrying the status. A
 * resuming tail instead reopens itself after UNAVAILABLE, after its last record, waiting inside
 * {@link #hasNext()}. After {@link #close()} (which cancels the call) it returns false. Use it
 * from one consumer thread; {@link #close()} may be called from any thread.
 */
public final class TailSubscription implements Iterator<TailEvent>, AutoCloseable {
  // Calls are opened in the context the subscription was created in, each in its own
  // cancellable child: cancelling one is safe from any thread, and a reopened call does not
  // inherit whatever context the consumer thread happens to run in.
  private final Context parent = Context.current();
  private final LogsGrpc.LogsStub stub;
  private final ManagedChannel channel; // null unless resuming
  private final Resumer resumer; // null: the tail ends with its first call
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();

  // Guarded by `lock`. Messages and listener reports in one queue, in the order they happened,
  // so "reconnecting" comes after the records the old call delivered and "resumed" before the
  // new call's records.
  private final ArrayDeque<Object> inbox = new ArrayDeque<>(); // Delivery or Runnable
  private int buffered; // Deliveries in the inbox
  private int maxBuffered;
  private Call call;
  private boolean reopenPending;
  private long reopenAtNanos;
  private boolean ended;
  private boolean closed;
  private StatusRuntimeException failure;

  // Touched only by the consumer thread.
  private Delivery current;
  private int index;

  /** A message, and the call that is asked for the next one once the consumer takes it. */
  private record Delivery(TailMessage message, Call from) {}

  private TailSubscription(LogsGrpc.LogsStub stub, ManagedChannel channel, Resumer resumer) {
    this.stub = stub;
    this.channel = channel;
    this.resumer = resumer;
  }

  static TailSubscription start(LogsGrpc.LogsStub stub, TailRequest request) {
    TailSubscription s = new TailSubscription(stub, null, null);
    s.open(request, false);
    return s;
  }

  static TailSubscription resuming(LogsGrpc.LogsStub stub, ManagedChannel channel,
      TailRequest request, ReconnectListener listener) {
    TailSubscription s = new TailSubscription(stub, channel,
        new Resumer(request, listener, channel));
    s.open(request, false);
    return s;
  }

  /** Blocks until an event is available (true) or the tail has ended (false). */
  @Override
  public boolean hasNext() {
    try {
      return awaitEvent(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for tail events", e);
    }
  }

  /** The next event; blocks like {@link #hasNext()}. */
  @Override
  public TailEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the tail has ended");
    }
    return current.message().event(index++);
  }

  /**
   * The next event, waiting at most {@code timeout}; null if none arrived in time or the tail
   * has ended ({@link #isEnded()} tells which).
   *
   * @throws StatusRuntimeException if the broker ended the tail with an error
   */
  public TailEvent poll(Duration timeout) throws InterruptedException {
    if (!awaitEvent(System.nanoTime() + timeout.toNanos())) {
      return null;
    }
    return current.message().event(index++);
  }

  /**
   * True once the tail has ended (completed, failed or closed) and every event was taken. A
   * resuming tail waiting to reconnect has not ended.
   */
  public boolean isEnded() {
    if (current != null && index < current.message().events()) {
      return false;
    }
    lock.lock();
    try {
      return inbox.isEmpty() && (ended || closed);
    } finally {
      lock.unlock();
    }
  }

  /** The events as a sequential stream; closing the stream closes the subscription. */
  public Stream<TailEvent> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this,
        Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(this::close);
  }

  /** Cancels the call (and any reconnect); events not yet taken are discarded. */
  @Override
  public void close() {
    Call open;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      inbox.clear();
      buffered = 0;
      open = call;
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    if (open != null) {
      open.context.cancel(null);
    }
  }

  /** Messages buffered now (for tests of the bound). */
  int bufferedMessages() {
    lock.lock();
    try {
      return buffered;
    } finally {
      lock.unlock();
    }
  }

  /** Most messages ever buffered at once (for tests of the bound). */
  int maxBufferedMessages() {
    lock.lock();
    try {
      return maxBuffered;
    } finally {
      lock.unlock();
    }
  }

  private void open(TailRequest request, boolean retry) {
    Call next = new Call(retry);
    lock.lock();
    try {
      if (closed) {
        return;
      }
      call = next;
    } finally {
      lock.unlock();
    }
    // A close() from here on cancels next.context, which cancels the call even if it starts
    // after the cancel.
    next.context.run(() -> TailMessage.call(stub, request, next));
    if (resumer != null) {
      watchConnection(next);
    }
  }

  /**
   * Marks {@code c} connected once the channel is READY. The broker sends no headers before
   * its first message and grpc-java reports no onReady for server-streaming calls, but a call
   * (not wait-for-ready) fails unless the channel reaches READY, and is sent once it does.
   */
  private void watchConnection(Call c) {
    ConnectivityState state = channel.getState(false);
    lock.lock();
    try {
      if (closed || call != c || ended || reopenPending) {
        return; // closed, or that call is over: stop watching
      }
      if (state == ConnectivityState.READY) {
        c.markConnected();
        return;
      }
    } finally {
      lock.unlock();
    }
    channel.notifyWhenStateChanged(state, () -> watchConnection(c));
  }

  private void reopen() {
    TailRequest request;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      request = resumer.nextRequest();
    } finally {
      lock.unlock();
    }
    resumer.beforeReopen();
    open(request, true);
  }

  /**
   * Makes {@code current[index]} the next event; false at the end or on timeout. Listener
   * reports and reopening run here, on the consumer thread, outside the lock.
   */
  private boolean awaitEvent(long deadlineNanos) throws InterruptedException {
    while (current == null || index >= current.message().events()) {
      Runnable action;
      lock.lock();
      try {
        action = nextAction(deadlineNanos);
        if (action == null) {
          if (!ended || closed || failure == null) {
            return false;
          }
          throw failure;
        }
      } finally {
        lock.unlock();
      }
      action.run();
    }
    return true;
  }

  /** Waits for something for the consumer to do; null when there is nothing (end, timeout). */
  private Runnable nextAction(long deadlineNanos) throws InterruptedException {
    while (true) {
      if (closed) {
        return null;
      }
      Object next = inbox.pollFirst();
      if (next instanceof Delivery d) {
        buffered--;
        current = d;
        index = 0;
        // The consumer took a message: only now may the broker send another one.
        return d.from()::requestNext;
      }
      if (next instanceof Runnable report) {
        return report;
      }
      long now = System.nanoTime();
      if (reopenPending && now - reopenAtNanos >= 0) {
        reopenPending = false;
        return this::reopen;
      }
      if (ended) {
        return null;
      }
      boolean forever = deadlineNanos == Long.MAX_VALUE;
      if (!forever && now - deadlineNanos >= 0) {
        return null;
      }
      long until = reopenPending && (forever || reopenAtNanos - deadlineNanos < 0)
          ? reopenAtNanos : deadlineNanos;
      if (until == Long.MAX_VALUE) {
        arrived.await();
      } else {
        arrived.awaitNanos(until - now);
      }
    }
  }

  /** One Tail call; a resuming subscription makes a new one for every reconnect. */
  private final class Call implements ClientResponseObserver<TailRequest, TailMessage> {
    final Context.CancellableContext context = parent.withCancellation();
    final boolean retry;
    final long startedNanos = System.nanoTime();
    volatile ClientCallStreamObserver<TailRequest> stream;
    // Guarded by `lock`.
    boolean connected;
    boolean delivered;

    Call(boolean retry) {
      this.retry = retry;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<TailRequest> requestStream) {
      stream = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
    }

    void requestNext() {
      stream.request(1);
    }

    /** Under `lock`. */
    private void markConnected() {
      if (connected || resumer == null || call != this || closed) {
        return;
      }
      connected = true;
      resumer.connected();
      if (retry) {
        inbox.addLast((Runnable) resumer.listener()::resumed);
        arrived.signalAll();
      }
    }

    @Override
    public void onNext(TailMessage response) {
      lock.lock();
      try {
        if (closed || call != this) {
          return;
        }
        markConnected();
        delivered = true;
        if (resumer != null) {
          // Received, not yet taken: the consumer still gets it, so the resume point moves.
          resumer.received(response);
        }
        inbox.addLast(new Delivery(response, this));
        maxBuffered = Math.max(maxBuffered, ++buffered);
        arrived.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onError(Throwable t) {
      end(t instanceof StatusRuntimeException e ? e : Status.fromThrowable(t).asRuntimeException());
    }

    @Override
    public void onCompleted() {
      end(null);
    }

    private void end(StatusRuntimeException error) {
      lock.lock();
      try {
        if (call != this || ended) {
          return;
        }
        if (error != null && resumer != null && !closed && resumer.retries(error.getStatus())) {
          boolean worked = delivered
              || System.nanoTime() - startedNanos > Backoff.MAX.toNanos();
          long delay = resumer.nextDelayNanos(worked);
          reopenPending = true;
          reopenAtNanos = System.nanoTime() + delay;
          Status reason = error.getStatus();
          inbox.addLast((Runnable) () -> resumer.listener().reconnecting(reason,
              Duration.ofNanos(delay)));
        } else {
          ended = true;
          failure = error;
        }
        arrived.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }
}
