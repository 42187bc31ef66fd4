package dev.sluice.broker.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.broker.store.segment.SegmentLog;
import dev.sluice.broker.store.segment.SegmentLog.Position;
import dev.sluice.proto.v1.Record;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable store: every record and every runner session's progress go into one
 * {@link SegmentLog}, and an append completes only once it is on disk (group commit, by the
 * {@link FsyncPolicy}). On open, recovery rebuilds each account's sequence numbers, its index,
 * its newest records and the sessions' last client sequence, so a reconnecting runner resends
 * only what is missing, and nothing acknowledged is lost.
 *
 * <p>Reads of the newest {@code recent} records of an account are served from memory at once;
 * older ones are read from the segments on a reader thread (never an event loop), found
 * through the account's {@link BlockIndex}. Retention deletes whole segments, oldest first,
 * by age and by total size, never the one being written.
 */
public final class SegmentStore implements LogStore {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentStore.class);
  static final byte RECORD = 1;
  static final byte SESSION = 2;
  private static final int READ_BLOCKS = 8;
  private static final int MAX_READ_ATTEMPTS = 16;

  /**
   * Settings of the store.
   *
   * @param recent records per account kept in memory for live readers
   * @param retentionAge segments whose newest write is older are deleted
   * @param retentionBytes the oldest segments are deleted while all together are larger; 0: no
   *     size limit
   * @param retentionCheck how often retention runs
   * @param requestIndexSize requests the request view remembers
   */
  public record Options(long segmentBytes, FsyncPolicy fsync, int recent, Duration retentionAge,
      long retentionBytes, Duration retentionCheck, int requestIndexSize) {
    public Options {
      if (recent < 1 || requestIndexSize < 1) {
        throw new IllegalArgumentException("recent and requestIndexSize must be >= 1");
      }
      if (retentionAge.isNegative() || retentionAge.isZero() || retentionBytes < 0
          || retentionCheck.isNegative() || retentionCheck.isZero()) {
        throw new IllegalArgumentException("retention: age and check interval must be > 0, "
            + "bytes >= 0");
      }
    }

    /** Defaults for everything but the log's own settings. */
    public static Options of(long segmentBytes, FsyncPolicy fsync, int recent) {
      return new Options(segmentBytes, fsync, recent, Duration.ofDays(30), 0,
          Duration.ofMinutes(1), 200_000);
    }
  }

  private final Options options;
  private final SegmentLog log;
  private final ConcurrentHashMap<String, Account> accounts = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> sessions = new ConcurrentHashMap<>();
  private final RequestIndex requests;
  private volatile Listener listener = (account, records) -> { };
  private final SequenceCheckpoint checkpoint;
  private final ExecutorService readers;
  private final DiskReader disk;
  private final ScheduledExecutorService retention;

  private final class Account {
    final byte[] name;
    final RecordRing ring = new RecordRing(options.recent()); // durable records; guarded by this
    final BlockIndex index = new BlockIndex(); // guarded by this
    long assigned; // last sequence handed out, guarded by this

    // Each entry's type and account, written in front of its body.
    final byte[] recordHead;
    final byte[] sessionHead;

    Account(String name) {
      this.name = name.getBytes(StandardCharsets.UTF_8);
      this.recordHead = body(RECORD, this.name, new byte[0]);
      this.sessionHead = body(SESSION, this.name, new byte[0]);
    }

    /**
     * Called in sequence order, once the record is on disk (or found there by recovery), with
     * its time and index keys ({@link BlockIndex#keys}), and the built record when there is one
     * (request events).
     */
    void stored(StoredRecord record, Position position, long time, long indexKeys, Record built,
        String accountName) {
      ring.add(record.compact());
      index.add(record.seq(), position, time, indexKeys);
      if (built != null) {
        requests.observe(accountName, record.seq(), built);
      }
    }
  }

  private SegmentStore(Path dir, Options options) throws IOException {
    this.options = options;
    this.requests = new RequestIndex(options.requestIndexSize());
    this.checkpoint = new SequenceCheckpoint(dir.resolve("sequences"));
    checkpoint.load().forEach((name, seqs) -> {
      Account a = account(name);
      a.assigned = seqs[0];
      a.index.purgedThrough(seqs[1]);
    });
    long[] count = new long[1];
    this.log = SegmentLog.open(dir, options.segmentBytes(), options.fsync(),
        entry -> count[0] += recover(entry));
    dropTornBatch();
    // No block may span a crash point: whatever a crash left between two blocks is never read.
    accounts.values().forEach(a -> a.index.seal());
    LOG.info("store recovered {} records of {} accounts and {} runner sessions", count[0],
        accounts.size(), sessions.size());
    this.readers = Executors.newFixedThreadPool(2, daemon("sluice-store-reader"));
    this.disk = new DiskReader(log);
    this.retention = Executors.newSingleThreadScheduledExecutor(daemon("sluice-store-retention"));
    long every = options.retentionCheck().toMillis();
    retention.scheduleWithFixedDelay(this::retentionQuietly, every, every, TimeUnit.MILLISECONDS);
  }

  /** Opens the store in {@code dir}, recovering what is there. */
  public static SegmentStore open(Path dir, Options options) throws IOException {
    return new SegmentStore(dir, options);
  }

  /** Opens the store with default retention and request index. */
  public static SegmentStore open(Path dir, long segmentBytes, FsyncPolicy fsync, int recent)
      throws IOException {
    return open(dir, Options.of(segmentBytes, fsync, recent));
  }

  public SegmentLog.Recovery recovery() {
    return log.recovery();
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** A record found by recovery whose batch end has not been seen yet. */
  private record Uncommitted(String account, StoredRecord record, Position position) {}

  private final List<Uncommitted> uncommitted = new ArrayList<>();

  /** Recovers one entry; returns how many records it committed. */
  private int recover(SegmentLog.Entry entry) {
    ByteBuffer body = ByteBuffer.wrap(entry.body());
    byte type = body.get();
    String account = string(body);
    if (type == RECORD) {
      byte[] bytes = new byte[body.remaining()];
      body.get(bytes);
      try {
        Record wire = Record.parseFrom(bytes);
        uncommitted.add(new Uncommitted(account,
            new StoredRecord(wire.getSeq(), wire, bytes), entry.position()));
      } catch (InvalidProtocolBufferException e) {
        LOG.error("recovery: a record of account {} at {} does not parse; skipped",
            account, entry.position());
      }
      return 0;
    }
    if (type != SESSION) {
      return 0;
    }
    String session = string(body);
    long clientSeq = body.getLong();
    // The batch's end: its last `count` records are committed (older logs have no count).
    int count = body.remaining() >= 4 ? body.getInt() : uncommitted.size();
    int orphans = uncommitted.size() - Math.min(count, uncommitted.size());
    if (orphans > 0) {
      LOG.warn("recovery: {} records without their batch end before {}; dropped", orphans,
          entry.position());
    }
    int committed = 0;
    Account a = account(account);
    for (Uncommitted u : uncommitted.subList(orphans, uncommitted.size())) {
      long seq = u.record().seq();
      if (seq <= a.index.purgedThrough() || seq <= a.ring.lastSeq()) {
        continue; // retention deleted it (its file outlived the crash), or a repeat
      }
      Record wire = u.record().record();
      a.stored(u.record(), u.position(), wire.getTimeUnixNano(), BlockIndex.keys(wire.getLabels()),
          wire, account);
      a.assigned = Math.max(a.assigned, seq);
      committed++;
    }
    uncommitted.clear();
    if (!session.isEmpty()) {
      sessions.merge(account + '\u0000' + session, clientSeq, Math::max);
    }
    return committed;
  }

  /**
   * Records after the last batch end belong to a batch a crash cut short: never acknowledged,
   * so the runner resends them. They are dropped, and cut from the log so no later batch
   * follows them.
   */
  private void dropTornBatch() throws IOException {
    if (uncommitted.isEmpty()) {
      return;
    }
    Position first = uncommitted.get(0).position();
    LOG.warn("recovery: dropped {} records of a batch a crash cut short (never acknowledged;"
        + " the runner resends them)", uncommitted.size());
    uncommitted.clear();
    try {
      log.truncateTail(first);
    } catch (IOException e) {
      // Not in the active segment (it was quarantined): the records stay on disk but are
      // never indexed, and every later recovery drops them again as records without a batch.
      LOG.error("recovery: could not cut the torn batch at {}: {}", first, e.getMessage());
    }
  }

  private Account account(String name) {
    return accounts.computeIfAbsent(name, Account::new);
  }

  @Override
  public Future<List<StoredRecord>> appendDrafts(String account, String sessionKey,
      long clientSeq, List<Draft> drafts) {
    Account a = account(account);
    Context context = Vertx.currentContext();
    Promise<List<StoredRecord>> promise = Promise.promise();
    List<StoredRecord> stored = new ArrayList<>(drafts.size());
    List<byte[]> heads = new ArrayList<>(drafts.size() + 1);
    List<byte[]> bodies = new ArrayList<>(drafts.size() + 1);
    synchronized (a) {
      for (Draft draft : drafts) {
        StoredRecord record = StoredRecord.of(++a.assigned, draft);
        stored.add(record);
        heads.add(a.recordHead);
        bodies.add(record.encoded());
      }
      // Every append ends with this entry (session progress and the batch's record count):
      // recovery keeps a batch only once its end is found, so a write cut short by a crash
      // never leaves part of an unacknowledged batch that the runner then sends again.
      byte[] key = sessionKey.getBytes(StandardCharsets.UTF_8);
      heads.add(a.sessionHead);
      bodies.add(ByteBuffer.allocate(2 + key.length + 8 + 4)
          .putShort((short) key.length).put(key).putLong(clientSeq).putInt(drafts.size())
          .array());
      // Enqueued under the account's lock: the log's order is the sequence order.
      // The callback runs on the writer thread (in log order, so sequence order), never here
      // under the account's lock: publishing takes subscribers' locks, and they take ours.
      log.append(heads, bodies, (positions, failure) -> {
        if (failure == null) {
          synchronized (a) {
            for (int i = 0; i < stored.size(); i++) {
              Draft d = drafts.get(i);
              a.stored(stored.get(i), positions.get(i), d.timeUnixNano(), d.indexKeys(), d.record(),
                  account);
            }
          }
          if (!stored.isEmpty()) {
            // On the writer thread, which completes appends in log order: sequence order. Not
            // under the account's lock: subscribers take their own locks, then read lastSeq.
            publishQuietly(account, stored);
          }
          if (!sessionKey.isEmpty()) {
            sessions.merge(account + '\u0000' + sessionKey, clientSeq, Math::max);
          }
        }
        Runnable done = failure == null ? () -> promise.complete(stored)
            : () -> promise.fail(failure);
        onContext(context, done);
      });
    }
    return promise.future();
  }

  private void publishQuietly(String account, List<StoredRecord> stored) {
    try {
      listener.stored(account, stored);
    } catch (RuntimeException e) {
      LOG.error("store: a listener failed on {} records", stored.size(), e);
    }
  }

  @Override
  public void listen(Listener listener) {
    this.listener = listener;
  }

  private static void onContext(Context context, Runnable action) {
    if (context != null) {
      context.runOnContext(v -> action.run());
    } else {
      action.run();
    }
  }

  static byte[] body(byte type, byte[] account, byte[] payload) {
    return ByteBuffer.allocate(1 + 2 + account.length + payload.length).put(type)
        .putShort((short) account.length).put(account).put(payload).array();
  }

  private static String string(ByteBuffer body) {
    byte[] bytes = new byte[body.getShort() & 0xffff];
    body.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public long lastClientSeq(String account, String sessionKey) {
    return sessions.getOrDefault(account + '\u0000' + sessionKey, 0L);
  }

  @Override
  public long lastSeq(String account) {
    Account a = accounts.get(account);
    if (a == null) {
      return 0;
    }
    synchronized (a) {
      // After retention deleted all of an account's records and a restart, the ring is empty
      // but the sequence went that far: cursors up to it are ours.
      return Math.max(a.ring.lastSeq(), a.index.purgedThrough());
    }
  }

  @Override
  public Optional<RequestSpan> request(String account, String app, String requestId) {
    return requests.get(account, app, requestId);
  }

  @Override
  public Future<ReadResult> read(String account, Scan scan) {
    Account a = accounts.get(account);
    if (a == null) {
      return Future.succeededFuture(new ReadResult(List.of(), 0, scan.afterSeq()));
    }
    BlockIndex.Plan plan;
    synchronized (a) {
      long first = a.index.firstSeq();
      if (scan.afterSeq() + 1 >= a.ring.firstSeq() || first > a.ring.lastSeq()) {
        // In memory: no disk, no thread hop. Records retention already deleted are not served.
        long after = Math.max(scan.afterSeq(), first - 1);
        ReadResult read = a.ring.read(after, scan.max());
        return Future.succeededFuture(new ReadResult(read.records(),
            read.missing() + (after - scan.afterSeq()), read.lastExamined()));
      }
      plan = a.index.plan(scan, READ_BLOCKS);
    }
    Context context = Vertx.currentContext();
    Promise<ReadResult> promise = Promise.promise();
    try {
      readers.execute(() -> readOffLoop(a, scan, plan, context, promise));
    } catch (RejectedExecutionException e) {
      return Future.failedFuture(new IOException("store is closed"));
    }
    return promise.future();
  }

  private void readOffLoop(Account a, Scan scan, BlockIndex.Plan plan, Context context,
      Promise<ReadResult> promise) {
    BlockIndex.Plan current = plan;
    for (int attempt = 1; ; attempt++) {
      try {
        ReadResult done = disk.read(a.name, scan, current);
        onContext(context, () -> promise.complete(done));
        return;
      } catch (IOException e) {
        // Retention may delete a segment between planning and reading (more than once under
        // a busy retention): plan again while the index has moved on; a plan that did not
        // change means the failure is real.
        BlockIndex.Plan again;
        synchronized (a) {
          again = a.index.plan(scan, READ_BLOCKS);
        }
        if (again.equals(current) || attempt >= MAX_READ_ATTEMPTS) {
          LOG.error("store: reading history of an account failed", e);
          onContext(context, () -> promise.fail(e));
          return;
        }
        current = again;
      } catch (RuntimeException e) {
        LOG.error("store: reading history of an account failed", e);
        onContext(context, () -> promise.fail(e));
        return;
      }
    }
  }


  // ---- retention --------------------------------------------------------------------------

  private void retentionQuietly() {
    try {
      enforceRetention(System.currentTimeMillis());
    } catch (IOException | RuntimeException e) {
      LOG.error("retention failed; it runs again in {}", options.retentionCheck(), e);
    }
  }

  /**
   * Deletes whole segments, oldest first, while the oldest is older than the retention age or
   * all together are larger than the size limit. Never the segment being written.
   *
   * @return how many segments were deleted
   */
  public synchronized int enforceRetention(long nowMillis) throws IOException {
    List<SegmentLog.SegmentInfo> segments = log.segments();
    long total = segments.stream().mapToLong(SegmentLog.SegmentInfo::bytes).sum();
    long oldest = nowMillis - options.retentionAge().toMillis();
    int deleted = 0;
    for (SegmentLog.SegmentInfo segment : segments) {
      boolean old = segment.lastModifiedMillis() < oldest;
      boolean over = options.retentionBytes() > 0 && total > options.retentionBytes();
      if (segment.active() || !(old || over)) {
        break;
      }
      // The index forgets the segment first and the new sequence floor is on disk before the
      // file goes, so a crash in between never hands out a sequence number twice.
      for (Account a : accounts.values()) {
        synchronized (a) {
          a.index.purge(segment.id());
        }
      }
      checkpoint.save(snapshotSequences());
      log.delete(segment.id());
      total -= segment.bytes();
      deleted++;
    }
    return deleted;
  }

  private Map<String, long[]> snapshotSequences() {
    Map<String, long[]> out = new HashMap<>();
    accounts.forEach((name, a) -> {
      synchronized (a) {
        out.put(name, new long[] {a.assigned, a.index.purgedThrough()});
      }
    });
    return out;
  }

  @Override
  public void close() {
    retention.shutdownNow();
    readers.shutdown();
    try {
      readers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.close();
  }
}
