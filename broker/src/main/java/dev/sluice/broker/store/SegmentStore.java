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
  private volatile Listener listener = (account, records, drafts) -> Future.succeededFuture();
  private final SequenceCheckpoint checkpoint;
  private final ReservedNumbers reserved;
  // After recovery found damage: the most entries it could have held. An account first seen
  // after that may have had them all (nothing else of it survived), so its numbers start past.
  private volatile long newAccountFloor;
  private volatile boolean opened;
  private final ExecutorService readers;
  private final DiskReader disk;
  private final ScheduledExecutorService retention;

  private final class Account {
    final byte[] name;
    final RecordRing ring = new RecordRing(options.recent()); // durable records; guarded by this
    final BlockIndex index = new BlockIndex(); // guarded by this
    long assigned; // last sequence handed out, guarded by this
    // Sequence numbers recovery found lost to damage, oldest first; replaced, never changed.
    volatile List<Lost> lost = List.of();

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
    Map<String, Long> floors = new HashMap<>();
    checkpoint.load().forEach((name, seqs) -> {
      Account a = account(name);
      a.assigned = seqs[0];
      a.index.purgedThrough(seqs[1]);
      floors.put(name, seqs[1]);
    });
    this.reserved = new ReservedNumbers(dir.resolve("reserved"));
    StoreRecovery recovery = new StoreRecovery(recoveryTarget(), floors, reserved.load());
    this.log = SegmentLog.open(dir, options.segmentBytes(), options.fsync(), recovery);
    dropTornBatch(recovery.torn());
    // No block may span a crash point: whatever a crash left between two blocks is never read.
    accounts.values().forEach(a -> a.index.seal());
    reportLost(recovery.lost(), recovery.damage());
    if (recovery.heldSessions()) {
      LOG.warn("recovery: the segment being written is damaged, which a crash can do to its "
          + "last write: runner sessions resume from before the damage, so runners send again "
          + "what they had not had acknowledged (a batch stored but never acknowledged may be "
          + "stored twice, none is lost)");
    }
    this.newAccountFloor = recovery.bound();
    SegmentLog.Recovery scan = log.recovery();
    LOG.info("store recovered {} records of {} accounts and {} runner sessions: read {} entries "
        + "({} MB) in {} ms, {} entries/s", recovery.committed(), accounts.size(),
        sessions.size(), scan.entries(), scan.bytes() >> 20, scan.nanos() / 1_000_000,
        scan.entriesPerSecond());
    this.readers = Executors.newFixedThreadPool(2, daemon("sluice-store-reader"));
    this.disk = new DiskReader(log);
    this.retention = Executors.newSingleThreadScheduledExecutor(daemon("sluice-store-retention"));
    long every = options.retentionCheck().toMillis();
    retention.scheduleWithFixedDelay(this::retentionQuietly, every, every, TimeUnit.MILLISECONDS);
    this.opened = true;
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

  private StoreRecovery.Target recoveryTarget() {
    return new StoreRecovery.Target() {
      @Override
      public boolean commit(String account, StoredRecord record, Position position) {
        Account a = account(account);
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
        accounts.values().forEach(a -> a.index.seal());
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

  /**
   * Keeps each account's lost sequence numbers for readers (GAP notices) and says which they
   * are; the account's sequence moves past them, so none is handed out again.
   */
  private void reportLost(Map<String, List<Lost>> lost, List<SegmentLog.Damage> damage)
      throws IOException {
    boolean known = damage.stream().allMatch(SegmentLog.Damage::known);
    Map<String, List<Lost>> kept = new HashMap<>();
    lost.forEach((name, found) -> {
      Account a = account(name);
      long floor = a.index.purgedThrough(); // retention's: told as deleted, not as lost
      List<Lost> ranges = found.stream().map(l -> l.within(floor, Long.MAX_VALUE))
          .filter(java.util.Objects::nonNull).toList();
      a.lost = ranges;
      kept.put(name, ranges);
      for (Lost range : ranges) {
        a.assigned = Math.max(a.assigned, range.last());
        if (known) {
          LOG.warn("recovery: account {}: {} (known damage)", name, range.describe());
        } else {
          LOG.error("recovery: account {}: {}; {} stored and acknowledged", name,
              range.describe(), !range.certain() ? "any that were had been"
                  : range.count() == 1 ? "it had been" : "they had been");
        }
      }
    });
    reserved.save(kept);
  }

  private Account account(String name) {
    Account known = accounts.get(name);
    if (known != null) {
      return known;
    }
    boolean[] created = {false};
    Account a = accounts.computeIfAbsent(name, n -> {
      Account fresh = new Account(n);
      long floor = newAccountFloor;
      if (opened && floor > 0) {
        // Not yet shared: no lock needed. Readers that held numbers of it are told.
        fresh.assigned = floor;
        fresh.lost = List.of(new Lost(1, floor, false));
        created[0] = true;
      }
      return fresh;
    });
    if (created[0]) {
      // Kept off the calling event loop; until it is on disk, a restart would call the
      // numbers lost rather than set aside (no number is reused either way).
      retention.execute(this::saveReservedQuietly);
    }
    return a;
  }

  private void saveReservedQuietly() {
    Map<String, List<Lost>> lost = new HashMap<>();
    accounts.forEach((name, a) -> lost.put(name, a.lost));
    try {
      reserved.save(lost);
    } catch (IOException | RuntimeException e) {
      LOG.warn("store: keeping the numbers set aside for new accounts failed: {}", e.toString());
    }
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
            // On the writer thread, which completes appends in log order: sequence order. Not
            // under the account's lock: subscribers take their own locks, then read lastSeq.
            // The listener only takes them; the append completes once it has.
            taken(account, stored, drafts).onComplete(
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

  private Future<Void> taken(String account, List<StoredRecord> stored, List<Draft> drafts) {
    try {
      return listener.stored(account, stored, drafts);
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
      return Math.max(Math.max(a.ring.lastSeq(), a.index.purgedThrough()), lostTop(a));
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
        // In memory: no disk, no thread hop. Records retention already deleted are not served
        // and are counted missing; numbers lost to damage are told as lost instead.
        long after = Math.max(scan.afterSeq(), a.index.purgedThrough());
        ReadResult read = a.ring.read(after, scan.max());
        // A read that reached the newest record also passed what was lost after it.
        long examined = read.lastExamined() >= a.ring.lastSeq()
            ? Math.max(read.lastExamined(), lostTop(a)) : read.lastExamined();
        return Future.succeededFuture(withLost(a, scan.afterSeq(), new ReadResult(read.records(),
            read.missing() + (after - scan.afterSeq()), examined)));
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

  private static long lostTop(Account a) {
    List<Lost> lost = a.lost;
    return lost.isEmpty() ? 0 : lost.get(lost.size() - 1).last();
  }

  /** {@code read} with the lost sequence numbers it crossed after {@code after}. */
  private static ReadResult withLost(Account a, long after, ReadResult read) {
    List<Lost> lost = a.lost;
    if (lost.isEmpty()) {
      return read;
    }
    List<Lost> crossed = new ArrayList<>(1);
    for (Lost range : lost) {
      Lost part = range.within(after, read.lastExamined());
      if (part != null) {
        crossed.add(part);
      }
    }
    return crossed.isEmpty() ? read
        : new ReadResult(read.records(), read.missing(), read.lastExamined(), crossed);
  }

  /** The sequence numbers recovery found lost to damage in {@code account}, oldest first. */
  public List<Lost> lost(String account) {
    Account a = accounts.get(account);
    return a == null ? List.of() : a.lost;
  }

  private void readOffLoop(Account a, Scan scan, BlockIndex.Plan plan, Context context,
      Promise<ReadResult> promise) {
    BlockIndex.Plan current = plan;
    for (int attempt = 1; ; attempt++) {
      try {
        ReadResult done = withLost(a, scan.afterSeq(), disk.read(a.name, scan, current));
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
          long floor = a.index.purgedThrough();
          // Deleted with their segment: a reader is told of them as of any deleted record.
          a.lost = a.lost.stream().map(l -> l.within(floor, Long.MAX_VALUE))
              .filter(java.util.Objects::nonNull).toList();
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
    // Not shutdownNow: a pending save of the numbers set aside for a new account still runs
    // (the periodic retention pass does not).
    retention.shutdown();
    try {
      retention.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    readers.shutdown();
    try {
      readers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.close();
  }
}
