package dev.sluice.broker.plugin.tail;

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

  /** Writes one message: the notices first, then the records. */
  void send(List<Notice> notices, List<StoredRecord> records);

  /** Ends the stream: normally when {@code failure} is null, else with its status. */
  void end(SluiceException failure);
}
