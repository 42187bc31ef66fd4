package dev.sluice.broker.store;

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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 *
 * <p>This class numbers and appends records, keeps the runner sessions' progress and decides
 * what retention deletes; {@link Account} is one account's state, {@link Accounts} all of them
 * with the bookkeeping of their numbers across restarts, {@link StoreReads} the reads.
 */
public final class SegmentStore implements LogStore {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentStore.class);
  static final byte RECORD = 1;
  static final byte SESSION = 2;

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
  private final Accounts accounts;
  private final ConcurrentHashMap<String, Long> sessions = new ConcurrentHashMap<>();
  private final RequestIndex requests;
  private volatile Listener listener = (account, records, drafts, appender) ->
      Future.succeededFuture();
  private final StoreReads reads;
  private final ScheduledExecutorService retention;

  private SegmentStore(Path dir, Options options) throws IOException {
    this.options = options;
    this.requests = new RequestIndex(options.requestIndexSize());
    this.accounts = new Accounts(dir, options.recent(), requests);
    Map<String, Long> floors = accounts.loadCheckpoint();
    StoreRecovery recovery = new StoreRecovery(recoveryTarget(), floors,
        accounts.loadReserved());
    this.log = SegmentLog.open(dir, options.segmentBytes(), options.fsync(), recovery);
    dropTornBatch(recovery.torn());
    // No block may span a crash point: whatever a crash left between two blocks is never read.
    accounts.sealAll();
    accounts.reportLost(recovery.lost(), recovery.damage());
    if (recovery.heldSessions()) {
      LOG.warn("recovery: the segment being written is damaged, which a crash can do to its "
          + "last write: runner sessions resume from before the damage, so runners send again "
          + "what they had not had acknowledged (a batch stored but never acknowledged may be "
          + "stored twice, none is lost)");
    }
    SegmentLog.Recovery scan = log.recovery();
    LOG.info("store recovered {} records of {} accounts and {} runner sessions: read {} entries "
        + "({} MB) in {} ms, {} entries/s", recovery.committed(), accounts.size(),
        sessions.size(), scan.entries(), scan.bytes() >> 20, scan.nanos() / 1_000_000,
        scan.entriesPerSecond());
    this.reads = new StoreReads(log);
    this.retention = Executors.newSingleThreadScheduledExecutor(daemon("sluice-store-retention"));
    long every = options.retentionCheck().toMillis();
    retention.scheduleWithFixedDelay(this::retentionQuietly, every, every, TimeUnit.MILLISECONDS);
    // Last: the accounts made until now are recovery's, whose numbers recovery set; one made
    // from now on starts past what damage may have held.
    accounts.open(recovery.bound(), retention);
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

  static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private StoreRecovery.Target recoveryTarget() {
    return new StoreRecovery.Target() {
      @Override
      public boolean commit(String account, StoredRecord record, Position position) {
        Account a = accounts.account(account);
        long seq = record.seq();
        if (seq <= a.index.purgedThrough() || seq <= a.ring.lastSeq()) {
          return false; // retention deleted it (its file outlived the crash), or a repeat
        }
        Record wire = record.record();
        a.stored(record, position, wire.getTimeUnixNano(), BlockIndex.keys(wire.getLabels()),
            wire, account);
        a.assigned = Math.max(a.assigned, seq);
        return true;
      }

      @Override
      public void session(String account, String session, long clientSeq) {
        sessions.merge(account + '\u0000' + session, clientSeq, Math::max);
      }

      @Override
      public void seal() {
        accounts.sealAll();
      }
    };
  }

  /**
   * Records after the last batch end belong to a batch whose write a crash tore: it was never
   * acknowledged, so the runner sends it again. They are dropped, and cut from the log so no
   * later batch follows them.
   */
  private void dropTornBatch(List<StoreRecovery.Uncommitted> torn) throws IOException {
    if (torn.isEmpty()) {
      return;
    }
    Position first = torn.get(0).position();
    LOG.warn("recovery: dropped {} records of a batch whose end a crash cut off (its write was "
        + "torn, so it was never acknowledged; the runner sends it again)", torn.size());
    torn.clear();
    try {
      log.truncateTail(first);
    } catch (IOException e) {
      // The records stay on disk but are never indexed: every later recovery drops them again
      // as records without a batch end.
      LOG.error("recovery: could not cut the torn batch at {}: {}", first, e.getMessage());
    }
  }

  @Override
  public Future<List<StoredRecord>> appendDrafts(String account, String sessionKey,
      long clientSeq, List<Draft> drafts) {
    Account a = accounts.account(account);
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
      // Every append ends with this entry (session progress, the batch's record count and the
      // account's last sequence): recovery keeps a batch only once its end is found, so a
      // write cut short by a crash never leaves part of an unacknowledged batch that the
      // runner then sends again; and damage before it shows as lost sequence numbers.
      byte[] key = sessionKey.getBytes(StandardCharsets.UTF_8);
      heads.add(a.sessionHead);
      bodies.add(ByteBuffer.allocate(2 + key.length + 8 + 4 + 8)
          .putShort((short) key.length).put(key).putLong(clientSeq).putInt(drafts.size())
          .putLong(a.assigned).array());
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
          if (!sessionKey.isEmpty()) {
            sessions.merge(account + '\u0000' + sessionKey, clientSeq, Math::max);
          }
          if (!stored.isEmpty()) {
            // On the writer thread, which hands appends over in log order: sequence order. Not
            // under the account's lock: subscribers take their own locks, then read lastSeq.
            // The listener only takes them; the append completes once it says so (a listener
            // that holds some appends back may complete them after later ones).
            taken(account, stored, drafts, context).onComplete(
                v -> onContext(context, () -> promise.complete(stored)));
            return;
          }
        }
        Runnable done = failure == null ? () -> promise.complete(stored)
            : () -> promise.fail(failure);
        onContext(context, done);
      });
    }
    return promise.future();
  }

  private Future<Void> taken(String account, List<StoredRecord> stored, List<Draft> drafts,
      Context appender) {
    try {
      return listener.stored(account, stored, drafts, appender);
    } catch (RuntimeException e) {
      // The records are on disk: the append succeeded whatever the listener did.
      LOG.error("store: a listener failed on {} records", stored.size(), e);
      return Future.succeededFuture();
    }
  }

  @Override
  public void listen(Listener listener) {
    this.listener = listener;
  }

  static void onContext(Context context, Runnable action) {
    // Already there when a publishing lane ran on the appender's context: no second turn.
    if (context != null && context != Vertx.currentContext()) {
      context.runOnContext(v -> action.run());
    } else {
      action.run();
    }
  }

  static byte[] body(byte type, byte[] account, byte[] payload) {
    return ByteBuffer.allocate(1 + 2 + account.length + payload.length).put(type)
        .putShort((short) account.length).put(account).put(payload).array();
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
      // but the sequence went that far: cursors up to it are ours. So are numbers lost to
      // damage after the newest record: readers may hold them.
      return Math.max(Math.max(a.ring.lastSeq(), a.index.purgedThrough()), a.lostTop());
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
    return reads.read(a, scan);
  }

  /** The sequence numbers recovery found lost to damage in {@code account}, oldest first. */
  public List<Lost> lost(String account) {
    Account a = accounts.get(account);
    return a == null ? List.of() : a.lost;
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
      accounts.purge(segment.id());
      accounts.saveCheckpoint();
      log.delete(segment.id());
      total -= segment.bytes();
      deleted++;
    }
    return deleted;
  }

  @Override
  public void close() {
    // Not shutdownNow: a pending save of the numbers set aside for a new account still runs
    // (the periodic retention pass does not).
    shutdown(retention);
    reads.close();
    log.close();
  }

  /** Shuts {@code pool} down and waits up to 5 s for what it runs. */
  static void shutdown(ExecutorService pool) {
    pool.shutdown();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
