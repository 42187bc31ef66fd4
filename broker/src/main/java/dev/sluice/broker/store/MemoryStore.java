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
 * survives a restart; {@code SegmentStore} is the durable one.
 */
public final class MemoryStore implements LogStore {
  private static final int MAX_SESSIONS = 1_000_000;

  private final int capacity;
  private final ConcurrentHashMap<String, RecordRing> accounts = new ConcurrentHashMap<>();
  private final Cache<String, Long> sessions =
      Caffeine.newBuilder().maximumSize(MAX_SESSIONS).build();

  public MemoryStore(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
  }

  @Override
  public Future<List<StoredRecord>> append(String account, String sessionKey, long clientSeq,
      List<Record> drafts) {
    RecordRing ring = accounts.computeIfAbsent(account, a -> new RecordRing(capacity));
    List<StoredRecord> stored = new ArrayList<>(drafts.size());
    synchronized (ring) {
      for (Record draft : drafts) {
        StoredRecord record = StoredRecord.of(ring.lastSeq() + 1, draft);
        ring.add(record);
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
    RecordRing ring = accounts.get(account);
    if (ring == null) {
      return 0;
    }
    synchronized (ring) {
      return ring.lastSeq();
    }
  }

  @Override
  public ReadResult read(String account, long afterSeq, int max) {
    RecordRing ring = accounts.get(account);
    if (ring == null) {
      return new ReadResult(List.of(), 0, afterSeq);
    }
    synchronized (ring) {
      return ring.read(afterSeq, max);
    }
  }

  @Override
  public void close() {
    accounts.clear();
  }
}
