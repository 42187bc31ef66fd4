package dev.sluice.broker.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A session's open requests by the bytes of their ids, so a line's request is found from the
 * frame's bytes: no String made, validated and hashed for every line (that lookup was about a
 * twentieth of the broker's work at saturation). An open-addressing table at most half full:
 * a request that does not fit is only found the slow way. It holds only scopes found open,
 * and forgets them all whenever the runner's open requests change
 * ({@link RunnerSessions.OpenRequests#version}), so it never answers with a request that
 * ended. Used by the session's event loop only.
 */
final class ScopeCache {
  private static final int MIN_SLOTS = 16;
  private static final int MAX_SLOTS = 1 << 16;

  private RequestScope[] slots = new RequestScope[MIN_SLOTS];
  private int size;
  private long version = -1;

  /** The scope cached for the id {@code bytes[offset, offset + length)}, or null. */
  RequestScope get(long openVersion, byte[] bytes, int offset, int length) {
    if (openVersion != version) {
      return null;
    }
    int mask = slots.length - 1;
    for (int slot = hash(bytes, offset, length) & mask; ; slot = (slot + 1) & mask) {
      // The scope compares its own id: no separate key array and key object to miss in the
      // cache for every line (with thousands of requests each of them was a memory stall).
      RequestScope scope = slots[slot];
      if (scope == null || scope.hasId(bytes, offset, length)) {
        return scope;
      }
    }
  }

  /** Remembers {@code scope}, found open when the open requests were at {@code openVersion}. */
  void put(long openVersion, int openCount, RequestScope scope) {
    if (openVersion != version) {
      // Four to eight slots per open request: probes stay short.
      int wanted = Math.min(MAX_SLOTS, Math.max(MIN_SLOTS,
          Integer.highestOneBit(Math.max(1, openCount)) << 3));
      if (wanted != slots.length) {
        slots = new RequestScope[wanted];
      } else {
        Arrays.fill(slots, null);
      }
      size = 0;
      version = openVersion;
    }
    byte[] id = scope.requestId().getBytes(StandardCharsets.UTF_8);
    if (2 * (size + 1) > slots.length || id.length == 0 || !scope.hasId(id, 0, id.length)) {
      return; // full enough, or a scope whose subject does not end with its id: the slow way
    }
    int mask = slots.length - 1;
    int slot = hash(id, 0, id.length) & mask;
    while (slots[slot] != null) {
      if (slots[slot].hasId(id, 0, id.length)) {
        return;
      }
      slot = (slot + 1) & mask;
    }
    slots[slot] = scope;
    size++;
  }

  private static int hash(byte[] bytes, int offset, int length) {
    int h = 0;
    for (int i = offset, end = offset + length; i < end; i++) {
      h = 31 * h + bytes[i];
    }
    h *= 0x9E3779B9; // ids differ in their last characters: spread them over the table
    return h ^ (h >>> 16);
  }
}
