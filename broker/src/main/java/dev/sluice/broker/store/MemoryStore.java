package dev.sluice.broker.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

  private final RequestIndex requests;
  private volatile Listener listener = (account, records, drafts, appender) ->
      Future.succeededFuture();

  public MemoryStore(int capacity) {
    this(capacity, 200_000);
  }

  public MemoryStore(int capacity, int requestIndexSize) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    this.capacity = capacity;
    this.requests = new RequestIndex(requestIndexSize);
  }

  @Override
  public Future<List<StoredRecord>> appendDrafts(String account, String sessionKey,
      long clientSeq, List<Draft> drafts) {
    RecordRing ring = accounts.computeIfAbsent(account, a -> new RecordRing(capacity));
    List<StoredRecord> stored = new ArrayList<>(drafts.size());
    Future<Void> taken = Future.succeededFuture();
    // Two locks: the ring's guards the records; the publish lock keeps the listener in
    // sequence order without holding the ring's, which subscribers take to read lastSeq.
    synchronized (publishLock(ring)) {
      synchronized (ring) {
        for (Draft draft : drafts) {
          StoredRecord record = StoredRecord.of(ring.lastSeq() + 1, draft);
          ring.add(record.compact());
          stored.add(record);
          if (draft.record() != null) {
            requests.observe(account, record.seq(), draft.record());
          }
        }
      }
      if (!stored.isEmpty()) {
        taken = listener.stored(account, stored, drafts, Vertx.currentContext());
      }
    }
    if (sessionKey != null && !sessionKey.isEmpty()) {
      sessions.asMap().merge(account + '\u0000' + sessionKey, clientSeq, Math::max);
    }
    return taken.map(stored);
  }

  private static Object publishLock(RecordRing ring) {
    return ring.publishLock;
  }

  @Override
  public void listen(Listener listener) {
    this.listener = listener;
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
  public Future<ReadResult> read(String account, Scan scan) {
    RecordRing ring = accounts.get(account);
    if (ring == null) {
      return Future.succeededFuture(new ReadResult(List.of(), 0, scan.afterSeq()));
    }
    synchronized (ring) {
      return Future.succeededFuture(ring.read(scan.afterSeq(), scan.max()));
    }
  }

  @Override
  public Optional<RequestSpan> request(String account, String app, String requestId) {
    return requests.get(account, app, requestId);
  }

  @Override
  public void close() {
    accounts.clear();
  }
}
