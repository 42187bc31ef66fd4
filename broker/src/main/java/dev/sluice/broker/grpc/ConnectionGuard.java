package dev.sluice.broker.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the broker keeps per HTTP/2 connection so that one client cannot make it spend without
 * bound.
 *
 * <p><b>PING floods.</b> A PING that comes less than {@value #PING_INTERVAL_MS} ms after the
 * previous one is a strike unless the broker sent something since the pings before it; more
 * than {@value #MAX_PING_STRIKES} strikes in a row end the connection with GOAWAY
 * {@code ENHANCE_YOUR_CALM} ("too_many_pings"), as grpc-java's servers do. A client's
 * keep-alive pings (seconds apart) never strike, and neither do flow-control pings, which
 * follow the data the broker sends: grpc-java's server forgives pings for every DATA or
 * HEADERS frame it writes; the broker sees messages, not frames, so each message it sends
 * forgives one ping per {@value #FRAME_BYTES} bytes (a frame's worth), and so a client that
 * floods pings is held to a few per frame of data it is really sent.
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
  /** A DATA frame's bytes (HTTP/2's default largest frame): one ping forgiven for each. */
  static final int FRAME_BYTES = 16_384;
  /** Forgiven pings banked at most: a burst of data does not buy a later flood. */
  static final long MAX_FORGIVEN = 1_024;
  /** HTTP/2's ENHANCE_YOUR_CALM error code. */
  static final long ENHANCE_YOUR_CALM = 0xb;
  private static final Buffer TOO_MANY_PINGS =
      Buffer.buffer("too_many_pings".getBytes(StandardCharsets.US_ASCII));

  private final HttpConnection connection;
  // Pings forgiven by what was sent since; sends come from any thread.
  private final AtomicLong forgiven = new AtomicLong();
  // The rest is touched on the connection's event loop only.
  private long lastPingNanos;
  private int strikes;
  private int afterGoAway = -1; // pings since the GOAWAY; -1 before it
  private long keepalive = -1;
  private boolean awaitingAnswer; // a keep-alive ping went out and is not answered yet

  private ConnectionGuard(HttpConnection connection) {
    this.connection = connection;
  }

  /** The guards of open HTTP/2 connections, by {@link ConnectionCalls#key}. */
  static final class Registry {
    private final ConcurrentHashMap<String, ConnectionGuard> open = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final long keepaliveMs;

    Registry(Vertx vertx, java.time.Duration idle) {
      this.vertx = vertx;
      this.keepaliveMs = Math.max(100, idle.toMillis() * 2 / 5);
    }

    /**
     * Starts guarding a connection; call on its event loop, from the connection handler, after
     * its close handler is set (which calls {@link #closed}). An HTTP/1.1 connection has no
     * pings to guard: only the idle timeout applies to it.
     */
    void opened(HttpConnection connection, String key) {
      if (key == null) {
        return;
      }
      ConnectionGuard guard = new ConnectionGuard(connection);
      try {
        connection.pingHandler(data -> guard.pinged());
      } catch (UnsupportedOperationException http1) {
        return;
      }
      open.put(key, guard);
      guard.keepalive = vertx.setPeriodic(keepaliveMs, id -> guard.ping());
    }

    /** The connection {@code key} closed. */
    void closed(String key) {
      ConnectionGuard guard = open.remove(key);
      if (guard != null) {
        vertx.cancelTimer(guard.keepalive);
      }
    }

    /** The guard of {@code connection}; a stand-in if it is not (or no longer) open. */
    ConnectionGuard of(HttpConnection connection) {
      return of(ConnectionCalls.key(connection.remoteAddress()));
    }

    /** The guard of the connection {@code key}; a stand-in if it is not (or no longer) open. */
    ConnectionGuard of(String key) {
      ConnectionGuard guard = key == null ? null : open.get(key);
      return guard != null ? guard : STAND_IN;
    }

    /** Open guarded connections (HTTP/2 ones). */
    int size() {
      return open.size();
    }

    /**
     * Marks the connection active whenever a call of a bridged gRPC service sends headers or a
     * message: a client's flow-control pings follow what it receives, and must not count as a
     * flood while a large answer (a query page) streams to it.
     */
    ServerInterceptor activity() {
      return new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call,
            Metadata headers, ServerCallHandler<Q, R> next) {
          ConnectionGuard guard = of(connectionOf(call));
          if (guard == STAND_IN) {
            return next.startCall(call, headers);
          }
          return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
              guard.active();
              super.sendHeaders(responseHeaders);
            }

            @Override
            public void sendMessage(R message) {
              guard.active(message instanceof MessageLite m ? m.getSerializedSize() : 0);
              super.sendMessage(message);
            }
          }, headers);
        }
      };
    }
  }

  /** The client's connection of a bridged call, as {@link ConnectionCalls#key}; null if none. */
  static String connectionOf(ServerCall<?, ?> call) {
    java.net.SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return remote instanceof InetSocketAddress inet && inet.getAddress() != null
        ? ConnectionCalls.key(inet.getAddress().getHostAddress(), inet.getPort()) : null;
  }

  /** The guard of a connection not guarded: its activity goes nowhere. */
  private static final ConnectionGuard STAND_IN = new ConnectionGuard(null);

  /** Something was opened on the connection, or headers sent: a ping that follows is welcome. */
  void active() {
    active(0);
  }

  /** A message of {@code bytes} was sent: a ping per frame of it that follows is welcome. */
  void active(long bytes) {
    if (connection == null || forgiven.get() >= MAX_FORGIVEN) {
      return; // the stand-in of a connection not guarded, or enough banked
    }
    forgiven.addAndGet(1 + bytes / FRAME_BYTES);
  }

  private void pinged() {
    if (afterGoAway >= 0) {
      if (++afterGoAway == PINGS_AFTER_GOAWAY) {
        connection.close(); // still flooding: no more answers, GOAWAY read or not
      }
      return;
    }
    long now = System.nanoTime();
    if (forgiven.get() > 0 && forgiven.decrementAndGet() >= 0) {
      strikes = 0; // it follows what was sent
    } else if (now - lastPingNanos < PING_INTERVAL_MS * 1_000_000L) {
      strikes++;
    }
    lastPingNanos = now;
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
