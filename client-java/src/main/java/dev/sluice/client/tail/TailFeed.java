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
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * What feeds a {@link TailSubscription}: its Tail calls (one; for a resuming tail, a new one
 * after each lost connection) and the inbox between their transport thread and the consumer.
 * The subscription is the consumer's API and holds the message it is reading; this holds
 * everything the transport touches, under one lock. Backpressure and reconnecting are
 * described on {@link TailSubscription}.
 */
final class TailFeed {
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

  /** A message, and the call that is asked for the next one once the consumer takes it. */
  private record Delivery(TailMessage message, Call from) {}

  private TailFeed(LogsGrpc.LogsStub stub, ManagedChannel channel, Resumer resumer) {
    this.stub = stub;
    this.channel = channel;
    this.resumer = resumer;
  }

  /** Opens the first call; {@code resumer} null (and {@code channel} with it): no reopening. */
  static TailFeed start(LogsGrpc.LogsStub stub, ManagedChannel channel, Resumer resumer,
      TailRequest request) {
    TailFeed feed = new TailFeed(stub, channel, resumer);
    feed.open(request, false);
    return feed;
  }

  /**
   * The next message, on the consumer thread, once the broker has been asked for the one
   * after it; null when the tail has ended, is closed, or nothing came before
   * {@code deadlineNanos} ({@link Long#MAX_VALUE}: no deadline). Listener reports and
   * reopening run here, on the consumer thread, outside the lock.
   *
   * @throws StatusRuntimeException if the broker ended the tail with an error
   */
  TailMessage take(long deadlineNanos) throws InterruptedException {
    while (true) {
      Object next;
      lock.lock();
      try {
        next = nextAction(deadlineNanos);
        if (next == null) {
          if (!ended || closed || failure == null) {
            return null;
          }
          throw failure;
        }
      } finally {
        lock.unlock();
      }
      if (next instanceof Delivery d) {
        // The consumer took a message: only now may the broker send another one.
        d.from().requestNext();
        return d.message();
      }
      ((Runnable) next).run();
    }
  }

  /** True once the tail has ended (completed, failed or closed) and its inbox is empty. */
  boolean isDrained() {
    return locked(() -> inbox.isEmpty() && (ended || closed));
  }

  /** Cancels the call (and any reconnect); messages not yet taken are discarded. */
  void close() {
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
    return locked(() -> buffered);
  }

  /** Most messages ever buffered at once (for tests of the bound). */
  int maxBufferedMessages() {
    return locked(() -> maxBuffered);
  }

  private <T> T locked(Supplier<T> read) {
    lock.lock();
    try {
      return read.get();
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
   * Waits for something for the consumer to do: a {@link Delivery}, or a Runnable (a listener
   * report, or reopening); null when there is nothing (end, timeout). Under `lock`.
   */
  private Object nextAction(long deadlineNanos) throws InterruptedException {
    while (true) {
      if (closed) {
        return null;
      }
      Object next = inbox.pollFirst();
      if (next instanceof Delivery) {
        buffered--;
        return next;
      }
      if (next instanceof Runnable report) {
        return report;
      }
      long now = System.nanoTime();
      if (reopenPending && now - reopenAtNanos >= 0) {
        reopenPending = false;
        return (Runnable) this::reopen;
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
