package dev.sluice.broker.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A session's open requests by the bytes of their ids, so a line's request is found from the
 * frame's bytes: no String made, validated and hashed for every line (that lookup was about a
 * twentieth of the broker's work at saturation). Direct-mapped: a collision only sends the
 * line the slow way. It holds only scopes found open, and forgets them all whenever the
 * runner's open requests change ({@link RunnerSessions.OpenRequests#version}), so it never
 * answers with a request that ended. Used by the session's event loop only.
 */
final class ScopeCache {
  private static final int MIN_SLOTS = 16;
  private static final int MAX_SLOTS = 1 << 14;

  private RequestScope[] slots = new RequestScope[MIN_SLOTS];
  private byte[][] ids = new byte[MIN_SLOTS][];
  private long version = -1;

  /** The scope cached for the id {@code bytes[offset, offset + length)}, or null. */
  RequestScope get(long openVersion, byte[] bytes, int offset, int length) {
    if (openVersion != version) {
      return null;
    }
    int slot = hash(bytes, offset, length) & (slots.length - 1);
    byte[] id = ids[slot];
    return id != null && Arrays.equals(id, 0, id.length, bytes, offset, offset + length)
        ? slots[slot] : null;
  }

  /** Remembers {@code scope}, found open when the open requests were at {@code openVersion}. */
  void put(long openVersion, int openCount, RequestScope scope) {
    if (openVersion != version) {
      int wanted = Math.min(MAX_SLOTS, Math.max(MIN_SLOTS,
          Integer.highestOneBit(Math.max(1, openCount)) << 2));
      if (wanted != slots.length) {
        slots = new RequestScope[wanted];
        ids = new byte[wanted][];
      } else {
        Arrays.fill(slots, null);
        Arrays.fill(ids, null);
      }
      version = openVersion;
    }
    byte[] id = scope.requestId().getBytes(StandardCharsets.UTF_8);
    int slot = hash(id, 0, id.length) & (slots.length - 1);
    slots[slot] = scope;
    ids[slot] = id;
  }

  private static int hash(byte[] bytes, int offset, int length) {
    int h = 0;
    for (int i = offset, end = offset + length; i < end; i++) {
      h = 31 * h + bytes[i];
    }
    return h ^ (h >>> 16);
  }
}
