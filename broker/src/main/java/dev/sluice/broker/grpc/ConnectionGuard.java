package dev.sluice.broker.grpc;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the broker keeps per HTTP/2 connection so that one client cannot make it spend without
 * bound.
 *
 * <p><b>PING floods.</b> A PING that comes less than {@value #PING_INTERVAL_MS} ms after the
 * previous one, with nothing sent or opened on the connection in between, is a strike; more
 * than {@value #MAX_PING_STRIKES} strikes end the connection with GOAWAY
 * {@code ENHANCE_YOUR_CALM} ("too_many_pings"), as grpc-java's servers do. A client's
 * keep-alive pings (seconds apart) never strike, and neither do grpc-java's flow-control
 * pings, which follow the data the broker sends: sending marks the connection active.
 *
 * <p><b>Dead and half-open peers.</b> The HTTP server closes a connection on which nothing was
 * read or written for the isolation setting {@code connectionIdle} (20 s by default): one that
 * never finished its handshake (a half-sent preface). The broker pings every HTTP/2 connection
 * at two fifths of that, one ping at a time, which keeps a live one from being idle; a peer
 * gone without a word answers none, the connection falls silent, and it is closed as idle.
 */
final class ConnectionGuard {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
  /** Pings closer than this, with no activity between, are strikes. */
  static final long PING_INTERVAL_MS = 1_000;
  /** Strikes tolerated before GOAWAY ENHANCE_YOUR_CALM. */
  static final int MAX_PING_STRIKES = 10;
  /**
   * Pings after the GOAWAY that close the connection at once. The close otherwise waits for
   * the read that brought the flood to end (so the GOAWAY is sent), and a flooding client can
   * fill many reads before that: each of its pings costs the event loop an answer.
   */
  static final int PINGS_AFTER_GOAWAY = 1_000;
  /** HTTP/2's ENHANCE_YOUR_CALM error code. */
  static final long ENHANCE_YOUR_CALM = 0xb;
  private static final Buffer TOO_MANY_PINGS =
      Buffer.buffer("too_many_pings".getBytes(StandardCharsets.US_ASCII));

  private final HttpConnection connection;
  private volatile long lastActivityNanos = System.nanoTime();
  // The rest is touched on the connection's event loop only.
  private long lastPingNanos;
  private long activityAtLastPing;
  private int strikes;
  private int afterGoAway = -1; // pings since the GOAWAY; -1 before it
  private long keepalive = -1;
  private boolean awaitingAnswer; // a keep-alive ping went out and is not answered yet

  private ConnectionGuard(HttpConnection connection) {
    this.connection = connection;
  }

  /** The guards of open connections. */
  static final class Registry {
    private final ConcurrentHashMap<HttpConnection, ConnectionGuard> open =
        new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final long keepaliveMs;

    Registry(Vertx vertx, java.time.Duration idle) {
      this.vertx = vertx;
      this.keepaliveMs = Math.max(100, idle.toMillis() * 2 / 5);
    }

    /** Starts guarding a connection; call on its event loop, from the connection handler. */
    ConnectionGuard opened(HttpConnection connection) {
      ConnectionGuard guard = new ConnectionGuard(connection);
      open.put(connection, guard);
      connection.pingHandler(data -> guard.pinged());
      guard.keepalive = vertx.setPeriodic(keepaliveMs, id -> guard.ping());
      return guard;
    }

    /** The connection closed. */
    void closed(HttpConnection connection) {
      ConnectionGuard guard = open.remove(connection);
      if (guard != null) {
        vertx.cancelTimer(guard.keepalive);
      }
    }

    /** The guard of {@code connection}; a stand-in if it is not (or no longer) open. */
    ConnectionGuard of(HttpConnection connection) {
      ConnectionGuard guard = open.get(connection);
      return guard != null ? guard : new ConnectionGuard(null);
    }
  }

  /** Something was sent or opened on the connection: pings that follow it are welcome. */
  void active() {
    lastActivityNanos = System.nanoTime();
  }

  private void pinged() {
    if (afterGoAway >= 0) {
      if (++afterGoAway == PINGS_AFTER_GOAWAY) {
        connection.close(); // still flooding: no more answers, GOAWAY read or not
      }
      return;
    }
    long now = System.nanoTime();
    long activity = lastActivityNanos;
    boolean close = now - lastPingNanos < PING_INTERVAL_MS * 1_000_000L;
    if (close && activity == activityAtLastPing) {
      strikes++;
    } else if (activity != activityAtLastPing) {
      strikes = 0;
    }
    lastPingNanos = now;
    activityAtLastPing = activity;
    if (strikes > MAX_PING_STRIKES) {
      afterGoAway = 0;
      LOG.warn("connection {}: too many pings with nothing in between; GOAWAY "
          + "ENHANCE_YOUR_CALM", connection.remoteAddress());
      connection.goAway(ENHANCE_YOUR_CALM, -1, TOO_MANY_PINGS);
      // Closed on the loop's next turn: the GOAWAY is flushed when the read that brought this
      // ping completes, and a close now would beat it.
      io.vertx.core.Vertx.currentContext().runOnContext(v -> connection.close());
    }
  }

  private void ping() {
    // One ping at a time: after one a peer does not answer, nothing more is written, so the
    // idle timeout closes the connection of a peer gone without a word.
    if (connection == null || awaitingAnswer) {
      return;
    }
    awaitingAnswer = true;
    connection.ping(Buffer.buffer(new byte[8])).onComplete(ack -> {
      if (ack.succeeded()) {
        awaitingAnswer = false;
      }
    });
  }
}
