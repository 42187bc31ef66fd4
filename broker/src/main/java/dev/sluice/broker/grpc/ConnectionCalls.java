package dev.sluice.broker.grpc;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the calls of a connection that closed. The GrpcIo bridge tells a call it was cancelled
 * only when the client resets the stream (eclipse-vertx/vertx-grpc#101); a client that just
 * disappears (killed, crashed, network cut) would leave its tails registered and its ingest
 * session open for ever. The HTTP server reports every connection close here, keyed by the
 * client's address, and each call registered under that address is cancelled.
 */
final class ConnectionCalls {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionCalls.class);
  private final ConcurrentHashMap<String, Set<Runnable>> byConnection = new ConcurrentHashMap<>();

  static String key(String hostAddress, int port) {
    return hostAddress + ":" + port;
  }

  /** The key of a connection's remote address; null if it has none. */
  static String key(io.vertx.core.net.SocketAddress remote) {
    return remote == null ? null : key(remote.hostAddress(), remote.port());
  }

  /** Runs {@code onClose} when the connection {@code key} closes; returns an unregister. */
  Runnable register(String key, Runnable onClose) {
    if (key == null) {
      return () -> { };
    }
    byConnection.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(onClose);
    return () -> byConnection.computeIfPresent(key, (k, hooks) -> {
      hooks.remove(onClose);
      return hooks.isEmpty() ? null : hooks;
    });
  }

  void closed(String key) {
    Set<Runnable> hooks = byConnection.remove(key);
    if (hooks == null) {
      return;
    }
    for (Runnable hook : hooks) {
      try {
        hook.run();
      } catch (RuntimeException e) {
        LOG.warn("ending a call of closed connection {} failed: {}", key, e.toString());
      }
    }
  }
}
