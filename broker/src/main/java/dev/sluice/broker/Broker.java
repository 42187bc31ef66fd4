package dev.sluice.broker;

import dev.sluice.broker.access.AccessProxy;
import dev.sluice.broker.access.AppPolicies;
import dev.sluice.broker.access.OpenAccess;
import dev.sluice.broker.access.TokenAccess;
import dev.sluice.broker.grpc.GrpcFrontend;
import dev.sluice.broker.ingest.IngestSession;
import dev.sluice.broker.ingest.RunnerSessions;
import dev.sluice.broker.ingest.TenantLimiter;
import dev.sluice.broker.plugin.PluginHost;
import dev.sluice.broker.stats.Stats;
import dev.sluice.broker.store.LogStore;
import dev.sluice.broker.store.MemoryStore;
import dev.sluice.broker.store.SegmentStore;
import dev.sluice.broker.store.segment.SegmentLog;
import io.vertx.core.Future;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Tokens;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running broker: the composition root that wires store, access proxy, plugins and the gRPC
 * frontend. Start it, use {@link #grpcPort()}, close it.
 *
 * <pre>{@code
 * try (Broker broker = Broker.start(BrokerConfig.defaults().withGrpcPort(0))) {
 *   ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", broker.grpcPort())...
 * }
 * }</pre>
 */
public final class Broker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final BrokerConfig config;
  private final Vertx vertx;
  private final LogStore store;
  private final PluginHost plugins;
  private final GrpcFrontend frontend;
  private final Stats stats;
  private final AppPolicies policies;
  private boolean closed;

  private Broker(BrokerConfig config, Vertx vertx, LogStore store, PluginHost plugins,
      GrpcFrontend frontend, Stats stats, AppPolicies policies) {
    this.policies = policies;
    this.config = config;
    this.vertx = vertx;
    this.store = store;
    this.plugins = plugins;
    this.frontend = frontend;
    this.stats = stats;
  }

  /** Starts a broker and returns once its gRPC port accepts calls. */
  public static Broker start(BrokerConfig config) {
    try {
      Files.createDirectories(config.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("dataDir: cannot create " + config.dataDir(), e);
    }
    Vertx vertx = Vertx.vertx();
    LogStore store = openStore(config);
    AppPolicies policies = openPolicies(config);
    Stats stats = new Stats();
    AccessProxy access = accessProxy(config, policies, stats);
    PluginHost plugins = new PluginHost(vertx, new PluginHost.Options(config.dataDir(),
        config.routerCacheSize(), List.of(config.tail(), config.drains()),
        config.systemPlugins(), stats), store);
    store.listen(plugins::publish);
    try {
      plugins.start();
      TenantLimiter limiter = new TenantLimiter(config.tenantLinesPerSecond(),
          config.tenantBytesPerSecond(), config.tenantBurstSeconds(), System::nanoTime, stats);
      IngestSession.Deps ingest = new IngestSession.Deps(new IngestSession.Limits(
          config.maxFrameBytes(), config.maxRecordsPerBatch(), config.maxLineBytes(),
          config.maxOpenRequestsPerRunner()), store, access, new RunnerSessions(), policies,
          limiter);
      GrpcFrontend frontend = await(GrpcFrontend.start(vertx, new GrpcFrontend.Options(
          config.grpcHost(), config.grpcPort(), config.eventLoops(), config.maxFrameBytes(),
          config.connectionIdle(), config.tail().tailsPerConnection()), access, ingest, plugins,
          policies, stats), START_TIMEOUT);
      if (config.insecure()) {
        LOG.warn("INSECURE: authentication is OFF (--insecure). Every client may read and write "
            + "everything in account '{}'. Never run like this where others can connect.",
            OpenAccess.ACCOUNT);
      }
      return new Broker(config, vertx, store, plugins, frontend, stats, policies);
    } catch (RuntimeException e) {
      plugins.stop();
      vertx.close();
      throw e;
    }
  }

  private static LogStore openStore(BrokerConfig config) {
    if (config.store() == BrokerConfig.StoreKind.MEMORY) {
      return new MemoryStore(config.memoryStoreRecords(), config.requestIndexSize());
    }
    try {
      BrokerConfig.Retention retention = config.retention();
      return SegmentStore.open(config.dataDir().resolve("log"), new SegmentStore.Options(
          config.segmentBytes(), config.fsync(), config.recentRecords(), retention.age(),
          retention.bytes(), retention.checkEvery(), config.requestIndexSize()));
    } catch (IOException e) {
      throw new UncheckedIOException("store: cannot open " + config.dataDir().resolve("log"), e);
    }
  }

  private static AppPolicies openPolicies(BrokerConfig config) {
    if (config.store() == BrokerConfig.StoreKind.MEMORY) {
      return new AppPolicies(); // nothing else survives a restart either
    }
    Path file = config.dataDir().resolve("app-policies");
    try {
      return AppPolicies.open(file);
    } catch (IOException e) {
      throw new UncheckedIOException("app policies: cannot read " + file, e);
    }
  }

  private static AccessProxy accessProxy(BrokerConfig config, AppPolicies policies,
      Stats stats) {
    if (config.insecure()) {
      return new OpenAccess();
    }
    List<PublicKey> keys = new ArrayList<>();
    for (Path file : config.issuerKeys()) {
      if (!Files.exists(file)) {
        throw new IllegalStateException("no issuer key at " + file + ": create one with "
            + "'sluice keys init --data-dir " + config.dataDir() + "', or start with --insecure");
      }
      try {
        keys.add(IssuerKeys.readPublic(file));
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
    }
    return new TokenAccess(new Tokens.Verifier(keys), policies, Clock.systemUTC(), stats);
  }

  /** The port the gRPC server listens on (the real one when configured with 0). */
  public int grpcPort() {
    return frontend.port();
  }

  /**
   * The broker's statistics: every counter and gauge of every component, by name (README,
   * "Statistics"); what a metrics endpoint renders.
   */
  public Stats stats() {
    return stats;
  }

  /**
   * What the store's recovery found at start: bytes cut from a torn tail, the damaged ranges
   * it read past, and how long it took. Empty for the in-memory store.
   */
  public Optional<SegmentLog.Recovery> storeRecovery() {
    return store instanceof SegmentStore segments ? Optional.of(segments.recovery())
        : Optional.empty();
  }

  public BrokerConfig config() {
    return config;
  }

  /**
   * How long {@link #close} takes at most with {@code config}: the shutdown grace, and ten
   * seconds more for the store and the event loops (README, "Shutdown").
   */
  public static Duration shutdownBound(BrokerConfig config) {
    return config.shutdownGrace().plusSeconds(10);
  }

  /**
   * Graceful stop: ingest streams stop reading, ack what they stored and end with UNAVAILABLE;
   * tails send what is queued and end with UNAVAILABLE; then the server closes and the store
   * flushes. Bounded by the shutdown grace. Do not call it on an event loop.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    Duration grace = config.shutdownGrace();
    // First stop accepting (HTTP/2 GOAWAY: no new calls, open ones go on), then end the open
    // calls ourselves, so nothing arrives after the drain and nothing open is cut off.
    Future<Void> serverClosed = frontend.close(grace);
    quietly("ingest drain", () -> await(frontend.drainIngest(), grace));
    quietly("plugins stop", plugins::stop);
    quietly("server close", () -> await(serverClosed, grace.plusSeconds(5)));
    quietly("store close", store::close);
    quietly("app policies close", policies::close);
    quietly("vert.x close", () -> await(vertx.close(), Duration.ofSeconds(10)));
  }

  private static void quietly(String step, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      LOG.warn("shutdown: {} failed: {}", step, e.toString());
    }
  }

  static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future.toCompletionStage().toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out after " + timeout, e);
    }
  }
}
