package dev.sluice.client.runner;

import java.util.LinkedHashSet;

/**
 * The runner's open requests, in start order, for DESIGN's scoping rule: a line logged outside
 * any request belongs to the one request open on the runner, if exactly one is. Applied on
 * the runner, where the open requests are known for certain, so it survives reconnects and
 * broker restarts that make the broker forget which requests were open. Thread-safe.
 */
final class OpenRequests {
  private final LinkedHashSet<String> ids = new LinkedHashSet<>();

  synchronized void add(String id) {
    ids.add(id);
  }

  synchronized void remove(String id) {
    ids.remove(id);
  }

  /** The only open request, or "" when none or several are open. */
  synchronized String only() {
    return ids.size() == 1 ? ids.iterator().next() : "";
  }
}
