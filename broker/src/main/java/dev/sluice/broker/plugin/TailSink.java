package dev.sluice.broker.plugin;

import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.Notice;
import java.util.List;

/**
 * Where a tail writes: the transport of one subscriber (a gRPC call today, the gateway's
 * SSE/WebSocket later). Called only on the subscriber's own context.
 */
public interface TailSink {
  /** True if the transport can take another message without buffering it unboundedly. */
  boolean isReady();

  /**
   * Writes one message: the notices first, then the records. Runs {@code written} once the
   * transport sent it to the socket, or dropped it (the stream ended), on any thread.
   */
  void send(List<Notice> notices, List<StoredRecord> records, Runnable written);

  /**
   * Ends a stream whose reader stopped reading: at once, without waiting for what the
   * transport still holds, with {@code failure}'s status where the transport can still say it.
   */
  void abort(SluiceException failure);

  /** Ends the stream: normally when {@code failure} is null, else with its status. */
  void end(SluiceException failure);

  /**
   * How long the stream may stay silent before an empty message keeps its connection from
   * being closed as idle; 0 when the transport keeps it alive itself (HTTP/2 pings).
   */
  default long keepaliveMillis() {
    return 0;
  }
}
