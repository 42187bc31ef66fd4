package dev.sluice.client.tail;

import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
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
  // The calls, the inbox and reopening live in the feed; this class is the consumer's side.
  private final TailFeed feed;

  // Touched only by the consumer thread: the message being read, and the next event in it.
  private TailMessage current;
  private int index;

  private TailSubscription(TailFeed feed) {
    this.feed = feed;
  }

  static TailSubscription start(LogsGrpc.LogsStub stub, TailRequest request) {
    return new TailSubscription(TailFeed.start(stub, null, null, request));
  }

  static TailSubscription resuming(LogsGrpc.LogsStub stub, ManagedChannel channel,
      TailRequest request, ReconnectListener listener) {
    return new TailSubscription(TailFeed.start(stub, channel,
        new Resumer(request, listener, channel), request));
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
    return current.event(index++);
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
    return current.event(index++);
  }

  /**
   * True once the tail has ended (completed, failed or closed) and every event was taken. A
   * resuming tail waiting to reconnect has not ended.
   */
  public boolean isEnded() {
    if (current != null && index < current.events()) {
      return false;
    }
    return feed.isDrained();
  }

  /** The events as a sequential stream; closing the stream closes the subscription. */
  public Stream<TailEvent> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this,
        Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(this::close);
  }

  /** Cancels the call (and any reconnect); events not yet taken are discarded. */
  @Override
  public void close() {
    feed.close();
  }

  /** Messages buffered now (for tests of the bound). */
  int bufferedMessages() {
    return feed.bufferedMessages();
  }

  /** Most messages ever buffered at once (for tests of the bound). */
  int maxBufferedMessages() {
    return feed.maxBufferedMessages();
  }

  /** Makes {@code current[index]} the next event; false at the end or on timeout. */
  private boolean awaitEvent(long deadlineNanos) throws InterruptedException {
    while (current == null || index >= current.events()) {
      TailMessage next = feed.take(deadlineNanos);
      if (next == null) {
        return false;
      }
      current = next;
      index = 0;
    }
    return true;
  }
}
