package dev.sluice.client.tail;

import io.grpc.Status;
import java.time.Duration;

/**
 * Told what a resuming tail ({@link SluiceSubscriber#resumingTail}) does about a lost
 * connection. Both methods run on the thread that reads the tail, inside
 * {@link TailSubscription#hasNext()} or {@link TailSubscription#poll}, so they never race with
 * the reader; keep them short.
 *
 * <pre>{@code
 * subscriber.resumingTail(request, new ReconnectListener() {
 *   public void reconnecting(Status reason, Duration delay) {
 *     System.err.println("reconnecting in " + delay.toMillis() + " ms: " + reason);
 *   }
 * });
 * }</pre>
 */
public interface ReconnectListener {
  /** A listener that ignores both events. */
  ReconnectListener NONE = new ReconnectListener() {};

  /** The tail ended with the retryable {@code reason}; it is reopened after {@code delay}. */
  default void reconnecting(Status reason, Duration delay) {}

  /** A reopened tail reached the broker again; records continue after the last one read. */
  default void resumed() {}
}
