package dev.sluice.broker.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.proto.v1.Record;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A bounded in-memory store: per account, a ring of the newest {@code capacity} records. Older
 * records fall off the ring (a reader asking for them is told how many are missing). Nothing
 * survives a restart; the durable segment store replaces it as the default.
 */
public final class MemoryStore implements LogStore {
  private static final int MAX_SESSIONS = 1_000_000;

  private final int capacity;
  private final ConcurrentHashMap<String, Ring> accounts = new ConcurrentHashMap<>();
  private final Cache<String, Long> sessions =
      Caffeine.newBuilder().maximumSize(MAX_SESSIONS).build();

  public MemoryStore(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
  }

  private static final class Ring {
    final StoredRecord[] slots;
    long lastSeq;

    Ring(int capacity) {
      slots = new StoredRecord[capacity];
    }

    long firstSeq() {
      return Math.max(1, lastSeq - slots.length + 1);
    }

    StoredRecord at(long seq) {
      return slots[(int) ((seq - 1) % slots.length)];
    }
  }

  @Override
  public Future<List<StoredRecord>> append(String account, String sessionKey, long clientSeq,
      List<Record> drafts) {
    Ring ring = accounts.computeIfAbsent(account, a -> new Ring(capacity));
    List<StoredRecord> stored = new ArrayList<>(drafts.size());
    synchronized (ring) {
      for (Record draft : drafts) {
        long seq = ++ring.lastSeq;
        StoredRecord record = StoredRecord.of(seq, draft);
        ring.slots[(int) ((seq - 1) % ring.slots.length)] = record;
        stored.add(record);
      }
    }
    if (sessionKey != null && !sessionKey.isEmpty()) {
      sessions.asMap().merge(account + '\u0000' + sessionKey, clientSeq, Math::max);
    }
    return Future.succeededFuture(stored);
  }

  @Override
  public long lastClientSeq(String account, String sessionKey) {
    Long seq = sessions.getIfPresent(account + '\u0000' + sessionKey);
    return seq == null ? 0 : seq;
  }

  @Override
  public long lastSeq(String account) {
    Ring ring = accounts.get(account);
    if (ring == null) {
      return 0;
    }
    synchronized (ring) {
      return ring.lastSeq;
    }
  }

  @Override
  public ReadResult read(String account, long afterSeq, int max) {
    Ring ring = accounts.get(account);
    if (ring == null) {
      return new ReadResult(List.of(), 0, afterSeq);
    }
    synchronized (ring) {
      long from = Math.max(afterSeq + 1, ring.firstSeq());
      long missing = Math.max(0, ring.firstSeq() - (afterSeq + 1));
      List<StoredRecord> out = new ArrayList<>();
      long seq = from;
      for (; seq <= ring.lastSeq && out.size() < max; seq++) {
        out.add(ring.at(seq));
      }
      return new ReadResult(out, missing, Math.max(afterSeq, seq - 1));
    }
  }

  @Override
  public void close() {
    accounts.clear();
  }
}
