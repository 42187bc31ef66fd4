package dev.sluice.gateway;

import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import java.util.Set;

/**
 * What a live tail asks the broker for, from the same parameters over SSE and WebSocket:
 * {@code subject}, {@code level}, {@code grep}, {@code trace}, and where to begin: {@code last}
 * (the last N stored, then live), {@code since} (a time or a duration ago), {@code after} (a
 * record's cursor), or none (new records only). A browser's {@code Last-Event-ID} wins over all
 * three: it is where the stream it reconnects had got to.
 */
final class TailStart {
  static final Set<String> PARAMS = Set.of("subject", "level", "grep", "trace", "last",
      "since", "after");
  /** The broker's own bound on a replay by count. */
  static final int MAX_LAST = 1_000_000;

  private TailStart() {}

  static TailRequest request(Params p, String lastEventId) {
    p.atMostOne("last", "since", "after");
    TailRequest.Builder request = TailRequest.newBuilder().setFilter(p.subject(">"))
        .setWhere(p.where());
    if (lastEventId != null && !lastEventId.isEmpty()) {
      request.setStart(StartPosition.newBuilder()
          .setAfterCursor(Cursors.decode(lastEventId, "Last-Event-ID")));
    } else if (p.has("last")) {
      request.setStart(StartPosition.newBuilder().setLastN(p.count("last", 1, MAX_LAST)));
    } else if (p.has("since")) {
      request.setStart(StartPosition.newBuilder()
          .setSinceUnixNano(p.time("since", java.time.Instant.now())));
    } else if (p.has("after")) {
      request.setStart(StartPosition.newBuilder().setAfterCursor(p.cursor("after")));
    }
    return request.build();
  }
}
