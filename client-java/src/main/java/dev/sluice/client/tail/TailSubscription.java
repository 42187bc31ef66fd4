package dev.sluice.client.tail;

import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import io.grpc.Context;
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
 * {@link SluiceSubscriber#tail(TailRequest)}.
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
 * most two messages are held here; a consumer that does not keep up stops the broker from
 * writing, and the broker's own bounded queue then drops its oldest records and says so with a
 * DROPPED notice. Memory never grows with the consumer's lag.
 *
 * <p>When the broker ends the tail with an error, {@link #hasNext()} first returns the events
 * already received, then throws a {@link StatusRuntimeException} carrying the status. After
 * {@link #close()} (which cancels the call) it returns false. Use it from one consumer thread;
 * {@link #close()} may be called from any thread.
 */
public final class TailSubscription implements Iterator<TailEvent>, AutoCloseable {
  private final Context.CancellableContext context = Context.current().withCancellation();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();

  // Guarded by `lock`.
  private final ArrayDeque<TailResponse> buffered = new ArrayDeque<>();
  private int maxBuffered;
  private boolean ended;
  private boolean closed;
  private StatusRuntimeException failure;

  // Touched only by the consumer thread.
  private TailResponse current;
  private int index;

  private volatile ClientCallStreamObserver<TailRequest> call;

  private TailSubscription() {}

  static TailSubscription start(LogsGrpc.LogsStub stub, TailRequest request) {
    TailSubscription s = new TailSubscription();
    // The call lives in a cancellable context: cancelling it is safe from any thread.
    s.context.run(() -> stub.tail(request, s.new Observer()));
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
    return Events.at(current, index++);
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
    return Events.at(current, index++);
  }

  /** True once the tail has ended (completed, failed or closed) and every event was taken. */
  public boolean isEnded() {
    if (current != null && index < Events.count(current)) {
      return false;
    }
    lock.lock();
    try {
      return buffered.isEmpty() && (ended || closed);
    } finally {
      lock.unlock();
    }
  }

  /** The events as a sequential stream; closing the stream closes the subscription. */
  public Stream<TailEvent> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this,
        Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(this::close);
  }

  /** Cancels the call; events not yet taken are discarded. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      buffered.clear();
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    context.cancel(null);
  }

  /** Messages buffered now (for tests of the bound). */
  int bufferedMessages() {
    lock.lock();
    try {
      return buffered.size();
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

  /** Makes {@code current[index]} the next event; false at the end or on timeout. */
  private boolean awaitEvent(long deadlineNanos) throws InterruptedException {
    while (current == null || index >= Events.count(current)) {
      TailResponse next;
      lock.lock();
      try {
        while (buffered.isEmpty() && !ended && !closed) {
          if (deadlineNanos == Long.MAX_VALUE) {
            arrived.await();
          } else if (arrived.awaitNanos(deadlineNanos - System.nanoTime()) <= 0
              && buffered.isEmpty()) {
            return false;
          }
        }
        if (closed) {
          return false;
        }
        next = buffered.pollFirst();
        if (next == null) {
          if (failure != null) {
            throw failure;
          }
          return false;
        }
      } finally {
        lock.unlock();
      }
      current = next;
      index = 0;
      // The consumer took a message: only now may the broker send another one.
      ClientCallStreamObserver<TailRequest> c = call;
      if (c != null) {
        c.request(1);
      }
    }
    return true;
  }

  private final class Observer implements ClientResponseObserver<TailRequest, TailResponse> {
    @Override
    public void beforeStart(ClientCallStreamObserver<TailRequest> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(TailResponse response) {
      lock.lock();
      try {
        if (closed) {
          return;
        }
        buffered.addLast(response);
        maxBuffered = Math.max(maxBuffered, buffered.size());
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
        ended = true;
        failure = error;
        arrived.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }
}
