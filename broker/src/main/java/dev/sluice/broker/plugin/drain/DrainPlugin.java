package dev.sluice.broker.plugin.drain;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.plugin.PluginContext;
import dev.sluice.broker.plugin.Drains;
import dev.sluice.broker.plugin.SluicePlugin;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.Drain;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainStatus;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TestDrainResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains: each one a {@link DrainWorker} with a durable cursor on the store, pushing signed
 * NDJSON batches to an HTTPS endpoint. This class keeps the drains (in the drains file) and
 * does what the {@code Drains} service asks; the service checks that the caller is an admin.
 */
public final class DrainPlugin implements SluicePlugin, Drains {
  private static final Logger LOG = LoggerFactory.getLogger(DrainPlugin.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  /** Shortest secret: 64 characters, as fal asks. */
  public static final int MIN_SECRET = 64;
  public static final int MAX_BATCH_LINES = 5_000;
  public static final int MIN_FLUSH_MS = 100;
  public static final int MAX_FLUSH_MS = 60_000;

  private final Map<String, DrainWorker> drains = new ConcurrentHashMap<>();
  private PluginContext broker;
  private DrainSettings settings;
  private EndpointGuard guard;
  private Delivery delivery;
  private DrainMeters meters;
  private DrainBook book;

  @Override
  public String name() {
    return "drains";
  }

  @Override
  public void start(PluginContext context) {
    this.broker = context;
    this.settings = context.settings(DrainSettings.class);
    this.guard = new EndpointGuard(settings);
    this.delivery = new Delivery(settings, guard);
    this.meters = DrainMeters.in(context.stats());
    this.book = new DrainBook(context.dataDir().resolve("drains.json"));
    try {
      for (DrainState state : book.load()) {
        DrainWorker worker = worker(state);
        drains.put(key(state.account, state.name), worker);
        worker.start();
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("drains: cannot read " + context.dataDir()
          .resolve("drains.json") + ": " + e.getMessage(), e);
    }
    if (!drains.isEmpty()) {
      LOG.info("drains: resumed {} drains", drains.size());
    }
  }

  @Override
  public void stop() {
    drains.values().forEach(DrainWorker::stop);
    save().join();
    delivery.close();
    book.close();
  }

  DrainSettings settings() {
    return settings;
  }

  DrainMeters meters() {
    return meters;
  }

  Delivery delivery() {
    return delivery;
  }

  private DrainWorker worker(DrainState state) {
    Context context = broker.vertx().getOrCreateContext();
    return new DrainWorker(this, state, broker, context);
  }

  private static String key(String account, String name) {
    return account + '\u0000' + name;
  }

  /** Saves every drain; completes when the file is on disk. */
  CompletableFuture<Void> save() {
    return book.save(() -> {
      List<JsonObject> out = new ArrayList<>();
      for (DrainWorker w : drains.values()) {
        synchronized (w) {
          out.add(w.state.toJson());
        }
      }
      return out;
    });
  }

  /** The secrets that sign now: the current one, and the previous one during a rotation. */
  List<String> secrets(DrainState state) {
    if (!state.previousSecret.isEmpty()
        && System.currentTimeMillis() < state.previousUntilMillis) {
      return List.of(state.secret, state.previousSecret);
    }
    return List.of(state.secret);
  }

  // ---- management ---------------------------------------------------------------------

  /** Creates a drain in {@code account}; it starts with the last {@code backfill} of logs. */
  @Override
  public Future<Drain> create(String account, DrainSpec spec) {
    String name = name(spec.getName());
    URI url = guard.checkUrl(spec.getUrl());
    secret(spec.getSecret());
    DrainState state = new DrainState();
    state.uid = UUID.randomUUID().toString();
    state.account = account;
    state.name = name;
    state.url = url.toString();
    state.secret = spec.getSecret();
    apply(state, spec, List.of("filter", "min_level", "max_batch_lines", "flush_interval_ms"));
    long now = System.currentTimeMillis() * 1_000_000L;
    state.sinceNanos = now - settings.backfill().toNanos();
    return checkAddress(url).compose(ok -> {
      synchronized (drains) {
        long mine = drains.keySet().stream().filter(k -> k.startsWith(account + '\u0000'))
            .count();
        if (mine >= settings.maxPerAccount()) {
          throw new SluiceException(Failure.RESOURCE_EXHAUSTED, "account '" + account
              + "' has " + mine + " drains, the most allowed (" + settings.maxPerAccount() + ")");
        }
        if (drains.containsKey(key(account, name))) {
          throw new SluiceException(Failure.ALREADY_EXISTS, "drain '" + name + "' exists");
        }
        // Backfill: every record stored so far is older than "since" or within it.
        state.startBoundary = broker.lastSeq(new ReadGrant(account, Subjects.filter(">")));
        DrainWorker worker = worker(state);
        drains.put(key(account, name), worker);
        return Future.fromCompletionStage(save(), Vertx.currentContext())
            .onFailure(e -> drains.remove(key(account, name), worker)) // not kept: not created
            .map(v -> {
              worker.start();
              LOG.info("drain {} of account {} created", name, account);
              return view(worker);
            });
      }
    });
  }

  @Override
  public Drain get(String account, String name) {
    return view(find(account, name));
  }

  @Override
  public List<Drain> list(String account) {
    List<Drain> out = new ArrayList<>();
    drains.forEach((k, w) -> {
      if (k.startsWith(account + '\u0000')) {
        out.add(view(w));
      }
    });
    out.sort((a, b) -> a.getSpec().getName().compareTo(b.getSpec().getName()));
    return out;
  }

  /** Changes the fields named in {@code mask}. A new secret signs next to the old one for a while. */
  @Override
  public Future<Drain> update(String account, DrainSpec spec, List<String> mask) {
    DrainWorker worker = find(account, spec.getName());
    if (mask.isEmpty()) {
      throw SluiceException.invalid("update_mask: empty (name the fields to change)");
    }
    for (String field : mask) {
      if (!List.of("url", "secret", "filter", "min_level", "max_batch_lines",
          "flush_interval_ms").contains(field)) {
        throw SluiceException.invalid("update_mask: unknown field '" + field + "'");
      }
    }
    URI url = mask.contains("url") ? guard.checkUrl(spec.getUrl()) : null;
    if (mask.contains("secret")) {
      secret(spec.getSecret());
    }
    DrainState probe = new DrainState();
    apply(probe, spec, mask); // validates before anything changes
    Context context = Vertx.currentContext();
    return (url == null ? Future.<Void>succeededFuture() : checkAddress(url)).compose(ok -> {
      synchronized (worker) {
        DrainState s = worker.state;
        if (url != null) {
          s.url = url.toString();
        }
        if (mask.contains("secret") && !spec.getSecret().equals(s.secret)) {
          s.previousSecret = s.secret;
          s.previousUntilMillis = System.currentTimeMillis() + settings.rotationGrace().toMillis();
          s.secret = spec.getSecret();
        }
        apply(s, spec, mask);
      }
      worker.wake();
      return Future.fromCompletionStage(save(), context).map(v -> view(worker));
    });
  }

  /** Turns delivery on again; it resumes from the drain's cursor. */
  @Override
  public Future<Drain> enable(String account, String name, boolean on) {
    DrainWorker worker = find(account, name);
    synchronized (worker) {
      worker.state.enabled = on;
      if (on) {
        worker.state.consecutiveFailures = 0;
      }
    }
    if (on) {
      worker.wake();
    }
    return Future.fromCompletionStage(save(), Vertx.currentContext()).map(v -> view(worker));
  }

  @Override
  public Future<Void> delete(String account, String name) {
    DrainWorker worker = find(account, name);
    drains.remove(key(account, name));
    worker.stop();
    return Future.fromCompletionStage(save(), Vertx.currentContext());
  }

  /** Sends one signed probe batch and reports the answer; counters are not touched. */
  @Override
  public Future<TestDrainResponse> test(String account, String name) {
    DrainWorker worker = find(account, name);
    Record probe = Record.newBuilder().setTimeUnixNano(System.currentTimeMillis() * 1_000_000L)
        .setLevel(Level.INFO).setMessage("sluice drain test: if you can read this, the drain "
            + "reaches you").setLabels(Labels.newBuilder().setAppName("sluice")
            .setSource("drain-test")).build();
    byte[] body = Ndjson.encode(List.of(probe));
    String batchId = "test-" + UUID.randomUUID();
    long timestamp = System.currentTimeMillis() / 1000;
    Map<String, String> headers = new LinkedHashMap<>();
    URI url;
    synchronized (worker) {
      url = URI.create(worker.state.url);
      headers.put("Content-Type", "application/x-ndjson");
      headers.put("X-Sluice-Timestamp", Long.toString(timestamp));
      headers.put("X-Sluice-Batch-Id", batchId);
      headers.put("X-Sluice-Signature", Signer.header(secrets(worker.state), timestamp,
          batchId, body));
    }
    Context context = Vertx.currentContext();
    return Future.fromCompletionStage(delivery.post(url, headers, body), context)
        .map(r -> TestDrainResponse.newBuilder().setHttpStatus(r.status()).setDetail(r.reason())
            .setLatencyMs((int) Math.min(Integer.MAX_VALUE, r.latencyNanos() / 1_000_000))
            .build());
  }

  // ---- helpers ------------------------------------------------------------------------

  private DrainWorker find(String account, String name) {
    DrainWorker worker = drains.get(key(account, name(name)));
    if (worker == null) {
      throw new SluiceException(Failure.NOT_FOUND, "drain '" + name + "' not found");
    }
    return worker;
  }

  private Future<Void> checkAddress(URI url) {
    // DNS blocks: off the event loop.
    return broker.vertx().executeBlocking(() -> {
      String refused = guard.refusal(url);
      if (refused != null) {
        throw SluiceException.invalid("url: " + refused);
      }
      return null;
    }, false);
  }

  private static String name(String name) {
    if (!NAME.matcher(name).matches()) {
      throw SluiceException.invalid("name: '" + name + "' (expected: [A-Za-z0-9_-]{1,64})");
    }
    return name;
  }

  private static void secret(String secret) {
    if (secret.length() < MIN_SECRET) {
      // Never echo the secret, not even a short one.
      throw SluiceException.invalid("secret: " + secret.length() + " characters (expected: at"
          + " least " + MIN_SECRET + ")");
    }
  }

  private static void apply(DrainState s, DrainSpec spec, List<String> mask) {
    if (mask.contains("filter")) {
      String filter = spec.getFilter().isEmpty() ? ">" : spec.getFilter();
      Subjects.filter(filter);
      s.filter = filter;
    }
    if (mask.contains("min_level")) {
      if (spec.getMinLevel() == Level.UNRECOGNIZED) {
        throw SluiceException.invalid("min_level: unknown level");
      }
      s.minLevel = spec.getMinLevelValue();
    }
    if (mask.contains("max_batch_lines")) {
      int lines = spec.getMaxBatchLines() == 0 ? 1000 : spec.getMaxBatchLines();
      if (lines < 1 || lines > MAX_BATCH_LINES) {
        throw SluiceException.invalid("max_batch_lines: " + spec.getMaxBatchLines()
            + " (expected: 1.." + MAX_BATCH_LINES + ", or 0 for 1000)");
      }
      s.maxBatchLines = lines;
    }
    if (mask.contains("flush_interval_ms")) {
      int ms = spec.getFlushIntervalMs() == 0 ? 1000 : spec.getFlushIntervalMs();
      if (ms < MIN_FLUSH_MS || ms > MAX_FLUSH_MS) {
        throw SluiceException.invalid("flush_interval_ms: " + spec.getFlushIntervalMs()
            + " (expected: " + MIN_FLUSH_MS + ".." + MAX_FLUSH_MS + ", or 0 for 1000)");
      }
      s.flushIntervalMs = ms;
    }
  }

  private Drain view(DrainWorker worker) {
    DrainState s;
    synchronized (worker) {
      s = DrainState.fromJson(worker.state.toJson());
    }
    long last = broker.lastSeq(new ReadGrant(s.account,
        Subjects.filter(">")));
    long oldest = worker.oldestUndeliveredNanos();
    double lagSeconds = oldest == 0 ? 0
        : Math.max(0, (System.currentTimeMillis() * 1_000_000L - oldest) / 1e9);
    return Drain.newBuilder()
        .setSpec(DrainSpec.newBuilder().setName(s.name).setUrl(s.url).setFilter(s.filter)
            .setMinLevelValue(s.minLevel).setMaxBatchLines(s.maxBatchLines)
            .setFlushIntervalMs(s.flushIntervalMs))
        .setStatus(DrainStatus.newBuilder().setEnabled(s.enabled)
            .setConsecutiveFailures(s.consecutiveFailures).setTotalFailures(s.totalFailures)
            .setLastError(s.lastError).setLastSuccessUnixNano(s.lastSuccessNanos)
            .setDeliveredLines(s.deliveredLines).setDeliveredBatches(s.deliveredBatches)
            .setLagLines(Math.max(0, last - s.cursor)).setLagSeconds(lagSeconds)
            .setLostRecords(s.lostRecords).setLastGap(s.lastGap))
        .build();
  }
}
