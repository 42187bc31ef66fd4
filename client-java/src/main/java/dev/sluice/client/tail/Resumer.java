package dev.sluice.client.tail;

import dev.sluice.client.internal.Backoff;
import com.google.protobuf.ByteString;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;

/**
 * What a resuming tail needs besides its calls: which ends to retry, how long to wait, and
 * where to resume. The broker hands every subscriber an account's records in sequence order,
 * so the cursor of the last record received is an exact resume point: the reopened tail
 * replays what was stored after it, then follows live, without a gap or a duplicate.
 *
 * <p>Not thread-safe: the owning {@link TailSubscription} calls it under its lock.
 */
final class Resumer {
  private final TailRequest original;
  private final ReconnectListener listener;
  private final ManagedChannel channel;
  private final Backoff backoff = new Backoff(Backoff.INITIAL, Backoff.MAX);
  private ByteString lastCursor = ByteString.EMPTY;
  private boolean connectedOnce;

  Resumer(TailRequest original, ReconnectListener listener, ManagedChannel channel) {
    this.original = original;
    this.listener = listener;
    this.channel = channel;
  }

  ReconnectListener listener() {
    return listener;
  }

  /** A call reached the broker. */
  void connected() {
    connectedOnce = true;
  }

  /** Notes how far the tail got: its newest record. */
  void received(TailMessage response) {
    int n = response.records();
    if (n > 0) {
      ByteString cursor = response.record(n - 1).cursor();
      if (!cursor.isEmpty()) {
        lastCursor = ByteString.copyFrom(cursor.toByteArray()); // not a view of the message
      }
    }
  }

  /**
   * Whether a call that ended with {@code status} is reopened. Only UNAVAILABLE (the broker
   * stopping, or the connection lost): anything else would fail the same way again. And only
   * once a call has reached the broker, so a wrong address or a broker that is not running
   * is reported at once instead of retried forever. Never once the channel is shut down
   * (the subscriber was closed, which ends its calls with UNAVAILABLE too).
   */
  boolean retries(Status status) {
    return connectedOnce && status.getCode() == Status.Code.UNAVAILABLE
        && !channel.isShutdown();
  }

  /**
   * The wait before reopening. A call that delivered something or stayed up longer than the
   * backoff's cap counts as a success, so the next failure starts again from 100 ms.
   */
  long nextDelayNanos(boolean callWorked) {
    if (callWorked) {
      backoff.reset();
    }
    return backoff.nextDelayNanos();
  }

  /** Lets the channel connect now, rather than after its own (up to 2 minute) backoff. */
  void beforeReopen() {
    channel.resetConnectBackoff();
  }

  /**
   * The request that resumes the tail: right after the last record received; before any
   * record arrived, the request's own start position again.
   */
  TailRequest nextRequest() {
    if (lastCursor.isEmpty()) {
      return original;
    }
    return original.toBuilder()
        .setStart(StartPosition.newBuilder().setAfterCursor(lastCursor)).build();
  }
}
