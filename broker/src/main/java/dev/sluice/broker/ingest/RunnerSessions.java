package dev.sluice.broker.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Request scopes that outlive one connection: a runner that reconnects (same
 * {@code Hello.session_id}) finds its open requests again, so its unscoped lines keep landing
 * in the right request. Bounded and expiring; held in memory only.
 */
public final class RunnerSessions {
  private static final int MAX_SESSIONS = 100_000;
  private static final Duration IDLE = Duration.ofHours(1);

  private final Cache<String, OpenRequests> sessions =
      Caffeine.newBuilder().maximumSize(MAX_SESSIONS).expireAfterAccess(IDLE).build();

  /** The open requests of a session; a fresh, unshared one when {@code key} is empty. */
  OpenRequests attach(String key) {
    return key.isEmpty() ? new OpenRequests() : sessions.get(key, k -> new OpenRequests());
  }

  /** Open requests by id, in start order. Synchronized: an old connection may linger. */
  static final class OpenRequests {
    private final Map<String, RequestScope> open = new LinkedHashMap<>();
    /** Bumped by every change, so a cache of these requests knows when to forget them. */
    private volatile long version;

    long version() {
      return version;
    }

    synchronized RequestScope get(String requestId) {
      return open.get(requestId);
    }

    synchronized int size() {
      return open.size();
    }

    synchronized void put(RequestScope scope) {
      version++;
      open.put(scope.requestId(), scope);
    }

    synchronized RequestScope remove(String requestId) {
      version++;
      return open.remove(requestId);
    }

    /** The only open request, or null when none or several are open. */
    synchronized RequestScope only() {
      return open.size() == 1 ? open.values().iterator().next() : null;
    }
  }
}
