package dev.sluice.broker.plugin.drain;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.plugin.PluginContext;
import dev.sluice.broker.plugin.StoreWalk;
import dev.sluice.broker.store.LogStore.Lost;
import dev.sluice.broker.store.Scan;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.Record;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one drain: a durable cursor on the store, not a queue. Every flush interval (at
 * once while full batches are waiting) it reads the next batch after its cursor, records the
 * batch's range, POSTs it, and moves the cursor only when the endpoint accepted it. A failing
 * or disabled drain just stops moving its cursor: nothing is lost within retention, nothing
 * is held in memory, and ingest never waits for it. Runs on its own context.
 */
final class DrainWorker {
  private static final Logger LOG = LoggerFactory.getLogger(DrainWorker.class);
  private static final int READ = 1_024;
  /**
   * Records one read pass examines at most before it sends what it has and yields: the walk
   * runs on an event loop when the records are in memory, and ingest shares that loop.
   */
  private static final int MAX_EXAMINED = 8_192;
  /** Longest Retry-After believed. */
  private static final long MAX_RETRY_AFTER_MS = 600_000;

  final DrainState state; // guarded by this
  private final DrainPlugin plugin;
  private final PluginContext broker;
  private final Context context;
  private final DrainSettings settings;

  // Touched only on `context`.
  private long timer = -1;
  private boolean busy;
  private boolean stopped;
  private int retries;
  private volatile long oldestUndeliveredNanos;

  /**
   * A batch read from the store: its records, the range of sequences it covers, and whether
   * more may be waiting right after it (it was full, or the read's budget ran out).
   */
  record Batch(List<Record> records, long first, long through, boolean full, String filter,
      int minLevel) {}

  DrainWorker(DrainPlugin plugin, DrainState state, PluginContext broker, Context context) {
    this.plugin = plugin;
    this.state = state;
    this.broker = broker;
    this.context = context;
    this.settings = plugin.settings();
  }

  void start() {
    context.runOnContext(v -> tick());
  }

  /** Settings changed or the drain was enabled: look again now. */
  void wake() {
    context.runOnContext(v -> {
      retries = 0;
      cancelTimer();
      tick();
    });
  }

  void stop() {
    context.runOnContext(v -> {
      stopped = true;
      cancelTimer();
    });
  }

  long oldestUndeliveredNanos() {
    return oldestUndeliveredNanos;
  }

  private void cancelTimer() {
    if (timer >= 0) {
      broker.vertx().cancelTimer(timer);
      timer = -1;
    }
  }

  private void schedule(long delayMs) {
    cancelTimer();
    if (!stopped) {
      timer = broker.vertx().setTimer(Math.max(1, delayMs), id -> {
        timer = -1;
        tick();
      });
    }
  }

  private void tick() {
    DrainState s;
    long from;
    long through;
    String filter;
    int minLevel;
    int max;
    boolean retry;
    synchronized (this) {
      if (stopped || busy || !state.enabled) {
        return;
      }
      busy = true;
      s = state;
      long stored = broker.lastSeq(grant(">"));
      if (s.cursor > stored || s.pendingThrough > stored) {
        storeWasReset(stored);
      }
      // A batch whose range was recorded before (a retry, or a restart mid-retry) is read
      // again exactly, with the filter and level it was read with, so it keeps its lines and
      // its batch id, and the receiver can drop a repeat.
      retry = s.pendingThrough > 0;
      from = retry ? s.pendingFirst - 1 : s.cursor;
      filter = retry ? s.pendingFilter : s.filter;
      minLevel = retry ? s.pendingMinLevel : s.minLevel;
      through = retry ? s.pendingThrough : broker.lastSeq(grant(filter));
      // A retry reads its whole recorded range even if the batch size changed since.
      max = retry ? DrainPlugin.MAX_BATCH_LINES : s.maxBatchLines;
    }
    collect(from, through, max, filter, minLevel, retry).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("drain {}: reading the store failed: {}", s.name, ar.cause().toString());
        busy = false;
        schedule(s.flushIntervalMs);
        return;
      }
      deliver(ar.result());
    });
  }

  private ReadGrant grant(String filter) {
    // The drain reads what its admin could read when creating it: the account, its filter.
    return new ReadGrant(state.account, Subjects.filter(filter));
  }

  /**
   * The drain's cursor is beyond everything stored: the store was reset (a memory store after
   * a restart, a wiped data directory). Its positions mean nothing here any more; start over
   * with a new identity, so no batch id repeats one the receiver saw, and say so.
   */
  private void storeWasReset(long stored) {
    LOG.warn("drain {} of account {}: its cursor {} is beyond the store's newest record {} "
        + "(the store was reset); starting again from the store's beginning", state.name,
        state.account, Math.max(state.cursor, state.pendingThrough), stored);
    state.uid = java.util.UUID.randomUUID().toString();
    state.cursor = 0;
    state.pendingFirst = 0;
    state.pendingThrough = 0;
    state.startBoundary = 0;
    state.lostThrough = 0;
    state.lastError = "the store was reset; delivery started again from its beginning";
  }

  private Future<Batch> collect(long after, long through, int max, String filter,
      int minLevel, boolean retry) {
    List<Record> out = new ArrayList<>();
    ReadGrant grant = grant(filter);
    long since;
    long startBoundary;
    synchronized (this) {
      since = state.sinceNanos;
      startBoundary = state.startBoundary;
    }
    // The backfill's time bound lets the store skip old blocks up to the start boundary.
    Scan scan = Scan.after(after, READ).since(since, startBoundary); // the host adds the filter hint
    // A retry reads its whole recorded range in one walk: its batch must be that range.
    long budget = retry ? Long.MAX_VALUE : MAX_EXAMINED;
    return StoreWalk.walk(broker, grant, scan, through, budget, stored -> {
      Record r = stored.record();
      boolean backfillOld = stored.seq() <= startBoundary && r.getTimeUnixNano() < since;
      if (backfillOld || r.getLevelValue() < minLevel) {
        return true;
      }
      if (out.size() >= max) {
        return false; // full: this one starts the next batch
      }
      out.add(r);
      return true;
    }, this::passedLost).map(end -> retry && end.finished()
        ? new Batch(out, after + 1, through, false, filter, minLevel)
        : new Batch(out, after + 1, end.position(), !end.finished(), filter, minLevel));
  }

  /**
   * The drain's read passed records recovery found damaged on disk: they cannot be delivered.
   * Counted once (a retry reads the same range again) and shown in the drain's status.
   */
  private void passedLost(Lost range) {
    synchronized (this) {
      if (range.last() <= state.lostThrough) {
        return;
      }
      long lost = range.last() - Math.max(range.first() - 1, state.lostThrough);
      state.lostRecords += lost;
      plugin.meters().lostRecords().add(state.account, lost);
      state.lostThrough = range.last();
      state.lastGap = range.describe();
    }
    LOG.warn("drain {} of account {}: {}; {} not be delivered", state.name, state.account,
        range.describe(), range.count() == 1 ? "it can" : "they can");
  }

  private void deliver(Batch batch) {
    if (batch.records().isEmpty()) {
      synchronized (this) {
        // Nothing matched up to here: the cursor moves on without a delivery.
        state.cursor = Math.max(state.cursor, batch.through());
        state.pendingFirst = 0;
        state.pendingThrough = 0;
      }
      oldestUndeliveredNanos = 0;
      busy = false;
      if (batch.full()) {
        context.runOnContext(v -> tick()); // more to read: no need to wait for the interval
      } else {
        schedule(flushInterval());
      }
      return;
    }
    oldestUndeliveredNanos = batch.records().get(0).getTimeUnixNano();
    boolean recorded;
    synchronized (this) {
      recorded = state.pendingThrough == batch.through() && state.pendingFirst == batch.first();
      if (!recorded) {
        state.pendingFilter = batch.filter(); // what it was read with, not what is set now
        state.pendingMinLevel = batch.minLevel();
      }
      state.pendingFirst = batch.first();
      state.pendingThrough = batch.through();
    }
    // The range is on disk before the first attempt, so a restart retries the same batch.
    Future<Void> saved = recorded ? Future.succeededFuture()
        : Future.fromCompletionStage(plugin.save(), context);
    saved.onComplete(ar -> {
      if (ar.failed()) {
        // Not sent before its range is on disk: a restart must retry exactly this batch.
        LOG.warn("drain {}: recording the batch failed: {}", state.name, ar.cause().toString());
        busy = false;
        schedule(flushInterval());
        return;
      }
      send(batch);
    });
  }

  private void send(Batch batch) {
    byte[] body = Ndjson.encode(batch.records());
    String batchId = batchId(batch);
    long timestamp = System.currentTimeMillis() / 1000;
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/x-ndjson");
    headers.put("X-Sluice-Timestamp", Long.toString(timestamp));
    headers.put("X-Sluice-Batch-Id", batchId);
    URI url;
    synchronized (this) {
      headers.put("X-Sluice-Signature", Signer.header(plugin.secrets(state), timestamp, batchId,
          body));
      url = URI.create(state.url);
    }
    plugin.delivery().post(url, headers, body).whenComplete((result, e) ->
        context.runOnContext(v -> settle(batch, result)));
  }

  private String batchId(Batch batch) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update((state.uid + ':' + batch.first() + ':' + batch.through())
          .getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void settle(Batch batch, Delivery.Result result) {
    busy = false;
    if (stopped) {
      return;
    }
    boolean disabled = false;
    synchronized (this) {
      if (result.ok()) {
        state.cursor = Math.max(state.cursor, batch.through());
        state.pendingFirst = 0;
        state.pendingThrough = 0;
        state.consecutiveFailures = 0;
        state.lastSuccessNanos = System.currentTimeMillis() * 1_000_000L;
        state.deliveredLines += batch.records().size();
        state.deliveredBatches++;
        plugin.meters().deliveredLines().add(state.account, batch.records().size());
      } else {
        plugin.meters().failedPosts().add(state.account, 1);
        state.consecutiveFailures++;
        state.totalFailures++;
        state.lastError = result.reason();
        if (state.consecutiveFailures >= settings.disableAfter()) {
          state.enabled = false;
          disabled = true;
        }
      }
    }
    plugin.save();
    if (result.ok()) {
      retries = 0;
      oldestUndeliveredNanos = 0;
      if (batch.full()) {
        tick(); // more is waiting: no need to wait for the interval
      } else {
        schedule(flushInterval());
      }
      return;
    }
    if (disabled) {
      LOG.warn("drain {} of account {} disabled after {} failed deliveries; last: {}",
          state.name, state.account, settings.disableAfter(), result.reason());
      return;
    }
    schedule(retryDelayMs(result));
  }

  private long retryDelayMs(Delivery.Result result) {
    long max = settings.retryMax().toMillis();
    long base = Math.min(max, settings.retryInitial().toMillis() << Math.min(20, retries++));
    long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    if (result.retryAfter() != null) {
      // The endpoint said when: believe it, up to a bound of our own (a day-long Retry-After
      // would otherwise park the drain silently).
      delay = Math.max(delay, Math.min(MAX_RETRY_AFTER_MS, result.retryAfter().toMillis()));
    }
    return delay;
  }

  private long flushInterval() {
    synchronized (this) {
      return state.flushIntervalMs;
    }
  }
}
