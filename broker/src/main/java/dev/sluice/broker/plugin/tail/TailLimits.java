package dev.sluice.broker.plugin.tail;

import dev.sluice.broker.error.SluiceException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many tails one connection, one principal and one account hold at once, against the
 * isolation settings: a client past one is refused with RESOURCE_EXHAUSTED naming the limit
 * (a page or a CLI opens a few; the defaults are far above that).
 */
final class TailLimits {
  private final TailSettings limits;
  private final ConcurrentHashMap<String, Integer> byConnection = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Integer> byPrincipal = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Integer> byAccount = new ConcurrentHashMap<>();

  TailLimits(TailSettings limits) {
    this.limits = limits;
  }

  /** A tail's place in each count; give it back once. */
  record Slot(String connection, String principal, String account) {}

  /** Counts a new tail in, or throws RESOURCE_EXHAUSTED if a limit is reached. */
  Slot acquire(String connection, String principal, String account) {
    String principalKey = account + '\u0000' + principal;
    take(byAccount, account, limits.tailsPerAccount(), "tails of account '" + account
        + "' (tail.tailsPerAccount)");
    try {
      take(byPrincipal, principalKey, limits.tailsPerPrincipal(), "tails of one token "
          + "(tail.tailsPerPrincipal)");
    } catch (SluiceException e) {
      give(byAccount, account);
      throw e;
    }
    if (connection != null) {
      try {
        take(byConnection, connection, limits.tailsPerConnection(), "tails on one "
            + "connection (tail.tailsPerConnection; open more connections)");
      } catch (SluiceException e) {
        give(byPrincipal, principalKey);
        give(byAccount, account);
        throw e;
      }
    }
    return new Slot(connection, principalKey, account);
  }

  void release(Slot slot) {
    if (slot.connection() != null) {
      give(byConnection, slot.connection());
    }
    give(byPrincipal, slot.principal());
    give(byAccount, slot.account());
  }

  private static void take(ConcurrentHashMap<String, Integer> counts, String key,
      int limit, String what) {
    // Counted inside the map's lock for the key: a count going to zero (and out of the map)
    // on one event loop and a new tail on another cannot lose either.
    boolean[] refused = new boolean[1];
    counts.compute(key, (k, n) -> {
      int now = n == null ? 0 : n;
      if (now >= limit) {
        refused[0] = true;
        return n;
      }
      return now + 1;
    });
    if (refused[0]) {
      throw SluiceException.exhausted(what + ": at most " + limit + " at once; close one first");
    }
  }

  private static void give(ConcurrentHashMap<String, Integer> counts, String key) {
    counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
  }
}
