package dev.sluice.broker;

import static dev.sluice.common.Checks.atLeast;
import static dev.sluice.common.Checks.bad;

import dev.sluice.broker.plugin.drain.DrainSettings;
import dev.sluice.broker.plugin.tail.TailSettings;
import dev.sluice.broker.store.segment.FsyncPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Settings of one broker. Immutable; every value is checked here, with a message that names
 * the setting and what was expected. Defaults are the {@code DEFAULT_*} constants and are
 * listed in the README's settings table.
 *
 * <pre>{@code
 * BrokerConfig config = BrokerConfig.defaults().withGrpcPort(0).withDataDir(tmp);
 * try (Broker broker = Broker.start(config)) { ... broker.grpcPort() ... }
 * }</pre>
 *
 * @param grpcHost address the gRPC server binds to
 * @param grpcPort port of the gRPC server; 0 picks a free one
 * @param eventLoops gRPC server instances, each on its own event loop (connections are
 *     spread over them)
 * @param dataDir directory for the broker's data
 * @param maxFrameBytes largest gRPC message accepted from a runner
 * @param maxRecordsPerBatch most lines in one LogBatch
 * @param maxLineBytes longest line in UTF-8 bytes; longer lines are split into marked parts
 * @param maxOpenRequestsPerRunner most requests open at once on one runner session
 * @param routerCacheSize entries of the subject match cache (runner x request cardinality)
 * @param memoryStoreRecords records kept per account by the in-memory store
 * @param recentRecords the segment store's newest records per account kept in memory for
 *     live readers (older ones are read from disk); every record kept there is one the young
 *     collector copies, so it stays small
 * @param shutdownGrace how long shutdown waits for clients to finish before closing
 * @param tenantLinesPerSecond ingest limit of each account, lines per second
 * @param tenantBytesPerSecond ingest limit of each account, message bytes per second
 * @param tenantBurstSeconds how many seconds of the limits an account may use at once
 * @param store which store keeps the records
 * @param fsync when the segment store forces appends to disk (see {@code FsyncPolicy})
 * @param segmentBytes size at which the segment store starts a new segment file
 * @param retention when the segment store deletes old segments
 * @param requestIndexSize requests whose place in the store is remembered (request view)
 * @param drains settings of log drains (endpoint rules, CA file, retries)
 * @param insecure true to run without authentication (one open account); never by default
 * @param trustedKeys issuer public keys whose tokens are accepted (two during a rotation);
 *     empty means {@code <dataDir>/issuer.pub}
 * @param tail settings of the tail plugin: queues, messages, and what tails may cost
 * @param connectionIdle a connection from which nothing was read for this long is closed: a
 *     handshake never finished, or a peer gone without a word (the broker pings every
 *     connection at two fifths of it, and a live client answers)
 * @param systemPlugins names of the plugins that may read every account (a cluster bridge);
 *     empty by default: a plugin reads only the accounts its grants name
 */
public record BrokerConfig(
    String grpcHost,
    int grpcPort,
    int eventLoops,
    Path dataDir,
    int maxFrameBytes,
    int maxRecordsPerBatch,
    int maxLineBytes,
    int maxOpenRequestsPerRunner,
    int routerCacheSize,
    int memoryStoreRecords,
    int recentRecords,
    Duration shutdownGrace,
    long tenantLinesPerSecond,
    long tenantBytesPerSecond,
    double tenantBurstSeconds,
    StoreKind store,
    FsyncPolicy fsync,
    long segmentBytes,
    Retention retention,
    int requestIndexSize,
    DrainSettings drains,
    boolean insecure,
    List<Path> trustedKeys,
    TailSettings tail,
    Duration connectionIdle,
    Set<String> systemPlugins) {

  public static final String DEFAULT_GRPC_HOST = "127.0.0.1";
  public static final int DEFAULT_GRPC_PORT = 7400;
  public static final int DEFAULT_EVENT_LOOPS = Runtime.getRuntime().availableProcessors();
  public static final Path DEFAULT_DATA_DIR = Path.of(".sluice");
  public static final int DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
  public static final int DEFAULT_MAX_RECORDS_PER_BATCH = 5_000;
  public static final int DEFAULT_MAX_LINE_BYTES = 64 * 1024;
  public static final int DEFAULT_MAX_OPEN_REQUESTS_PER_RUNNER = 1_024;
  public static final int DEFAULT_ROUTER_CACHE_SIZE = 262_144;
  public static final int DEFAULT_MEMORY_STORE_RECORDS = 200_000;
  public static final int DEFAULT_RECENT_RECORDS = 16_384;
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);
  public static final long DEFAULT_TENANT_LINES_PER_SECOND = 250_000;
  public static final long DEFAULT_TENANT_BYTES_PER_SECOND = 100L * 1024 * 1024;
  public static final double DEFAULT_TENANT_BURST_SECONDS = 2.0;

  public static final StoreKind DEFAULT_STORE = StoreKind.SEGMENT;
  // Group commit shares a force between concurrent appends already; an interval only adds
  // latency unless dozens of appends are in flight per tick (bench/README.md).
  public static final FsyncPolicy DEFAULT_FSYNC = FsyncPolicy.always();
  public static final long DEFAULT_SEGMENT_BYTES = 256L * 1024 * 1024;
  public static final Retention DEFAULT_RETENTION = new Retention(Duration.ofDays(30),
      10L * 1024 * 1024 * 1024, Duration.ofMinutes(1));
  public static final int DEFAULT_REQUEST_INDEX_SIZE = 200_000;
  public static final Duration DEFAULT_CONNECTION_IDLE = Duration.ofSeconds(20);

  /**
   * When the segment store deletes whole segments, oldest first (never the one being written).
   *
   * @param age a segment whose last write is older than this is deleted
   * @param bytes while all segments together are larger, the oldest is deleted; 0: no limit
   * @param checkEvery how often retention runs
   */
  public record Retention(Duration age, long bytes, Duration checkEvery) {
    public Retention {
      Objects.requireNonNull(age, "retention.age");
      Objects.requireNonNull(checkEvery, "retention.checkEvery");
      if (age.isNegative() || age.isZero()) {
        throw bad("retention.age", age, "> 0");
      }
      atLeast("retention.bytes", bytes, 0);
      if (checkEvery.isNegative() || checkEvery.isZero()) {
        throw bad("retention.checkEvery", checkEvery, "> 0");
      }
    }
  }

  /** Where records are kept. */
  public enum StoreKind {
    /** A bounded ring per account in memory; nothing survives a restart. */
    MEMORY,
    /** Segment files in {@code <dataDir>/log}, acknowledged after fsync, recovered on start. */
    SEGMENT
  }

  public BrokerConfig {
    requireText(grpcHost, "grpcHost");
    if (grpcPort < 0 || grpcPort > 65_535) {
      throw bad("grpcPort", grpcPort, "0..65535");
    }
    atLeast("eventLoops", eventLoops, 1);
    Objects.requireNonNull(dataDir, "dataDir");
    atLeast("maxFrameBytes", maxFrameBytes, 1024);
    atLeast("maxRecordsPerBatch", maxRecordsPerBatch, 1);
    atLeast("maxLineBytes", maxLineBytes, 64);
    if (maxLineBytes > maxFrameBytes) {
      throw bad("maxLineBytes", maxLineBytes, "<= maxFrameBytes (" + maxFrameBytes + ")");
    }
    atLeast("maxOpenRequestsPerRunner", maxOpenRequestsPerRunner, 1);
    atLeast("routerCacheSize", routerCacheSize, 16);
    atLeast("memoryStoreRecords", memoryStoreRecords, 1);
    atLeast("recentRecords", recentRecords, 1);
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    if (shutdownGrace.isNegative()) {
      throw bad("shutdownGrace", shutdownGrace, ">= 0");
    }
    trustedKeys = List.copyOf(trustedKeys);
    atLeast("tenantLinesPerSecond", tenantLinesPerSecond, 1);
    atLeast("tenantBytesPerSecond", tenantBytesPerSecond, 1);
    if (!(tenantBurstSeconds > 0)) {
      throw bad("tenantBurstSeconds", tenantBurstSeconds, "> 0");
    }
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(fsync, "fsync");
    atLeast("segmentBytes", segmentBytes, 1024);
    Objects.requireNonNull(retention, "retention");
    atLeast("requestIndexSize", requestIndexSize, 1);
    Objects.requireNonNull(drains, "drains");
    Objects.requireNonNull(tail, "tail");
    Objects.requireNonNull(connectionIdle, "connectionIdle");
    systemPlugins = Set.copyOf(systemPlugins);
    if (connectionIdle.toSeconds() < 1 || connectionIdle.toDays() >= 1) {
      throw bad("connectionIdle", connectionIdle, ">= 1 s and < 1 day");
    }
  }

  /** The defaults: gRPC on 127.0.0.1:7400, data in {@code ./.sluice}. */
  public static BrokerConfig defaults() {
    return new BrokerConfig(DEFAULT_GRPC_HOST, DEFAULT_GRPC_PORT, DEFAULT_EVENT_LOOPS,
        DEFAULT_DATA_DIR, DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_RECORDS_PER_BATCH,
        DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_OPEN_REQUESTS_PER_RUNNER,
        DEFAULT_ROUTER_CACHE_SIZE, DEFAULT_MEMORY_STORE_RECORDS, DEFAULT_RECENT_RECORDS,
        DEFAULT_SHUTDOWN_GRACE,
        DEFAULT_TENANT_LINES_PER_SECOND, DEFAULT_TENANT_BYTES_PER_SECOND,
        DEFAULT_TENANT_BURST_SECONDS, DEFAULT_STORE, DEFAULT_FSYNC, DEFAULT_SEGMENT_BYTES,
        DEFAULT_RETENTION, DEFAULT_REQUEST_INDEX_SIZE, DrainSettings.DEFAULTS, false, List.of(),
        TailSettings.DEFAULTS, DEFAULT_CONNECTION_IDLE, Set.of());
  }

  /** The issuer public keys to trust: {@link #trustedKeys}, or the data directory's key. */
  public List<Path> issuerKeys() {
    return trustedKeys.isEmpty() ? List.of(dataDir.resolve("issuer.pub")) : trustedKeys;
  }

  public BrokerConfig withGrpcHost(String value) {
    return edit(d -> d.grpcHost = value);
  }

  public BrokerConfig withGrpcPort(int value) {
    return edit(d -> d.grpcPort = value);
  }

  public BrokerConfig withEventLoops(int value) {
    return edit(d -> d.eventLoops = value);
  }

  public BrokerConfig withDataDir(Path value) {
    return edit(d -> d.dataDir = value);
  }

  public BrokerConfig withLimits(int frameBytes, int recordsPerBatch, int lineBytes) {
    return edit(d -> {
      d.maxFrameBytes = frameBytes;
      d.maxRecordsPerBatch = recordsPerBatch;
      d.maxLineBytes = lineBytes;
    });
  }

  public BrokerConfig withMaxOpenRequestsPerRunner(int value) {
    return edit(d -> d.maxOpenRequestsPerRunner = value);
  }

  public BrokerConfig withTail(TailSettings value) {
    return edit(d -> d.tail = value);
  }

  public BrokerConfig withMemoryStoreRecords(int value) {
    return edit(d -> d.memoryStoreRecords = value);
  }

  public BrokerConfig withRecentRecords(int value) {
    return edit(d -> d.recentRecords = value);
  }

  public BrokerConfig withShutdownGrace(Duration value) {
    return edit(d -> d.shutdownGrace = value);
  }

  public BrokerConfig withTenantLimits(long linesPerSecond, long bytesPerSecond,
      double burstSeconds) {
    return edit(d -> {
      d.tenantLinesPerSecond = linesPerSecond;
      d.tenantBytesPerSecond = bytesPerSecond;
      d.tenantBurstSeconds = burstSeconds;
    });
  }

  public BrokerConfig withStore(StoreKind kind, FsyncPolicy policy) {
    return edit(d -> {
      d.store = kind;
      d.fsync = policy;
    });
  }

  public BrokerConfig withSegmentBytes(long value) {
    return edit(d -> d.segmentBytes = value);
  }

  public BrokerConfig withRetention(Retention value) {
    return edit(d -> d.retention = value);
  }

  public BrokerConfig withRequestIndexSize(int value) {
    return edit(d -> d.requestIndexSize = value);
  }

  public BrokerConfig withDrains(DrainSettings value) {
    return edit(d -> d.drains = value);
  }

  public BrokerConfig withInsecure(boolean value) {
    return edit(d -> d.insecure = value);
  }

  public BrokerConfig withTrustedKeys(List<Path> value) {
    return edit(d -> d.trustedKeys = value);
  }

  public BrokerConfig withConnectionIdle(Duration value) {
    return edit(d -> d.connectionIdle = value);
  }

  public BrokerConfig withSystemPlugins(Set<String> value) {
    return edit(d -> d.systemPlugins = value);
  }

  public BrokerConfig withRouterCacheSize(int value) {
    return edit(d -> d.routerCacheSize = value);
  }

  private BrokerConfig edit(Consumer<Draft> change) {
    Draft draft = new Draft(this);
    change.accept(draft);
    return draft.build();
  }

  /** A mutable copy, so each wither names only what it changes; build() validates. */
  private static final class Draft {
    String grpcHost;
    int grpcPort;
    int eventLoops;
    Path dataDir;
    int maxFrameBytes;
    int maxRecordsPerBatch;
    int maxLineBytes;
    int maxOpenRequestsPerRunner;
    int routerCacheSize;
    int memoryStoreRecords;
    int recentRecords;
    Duration shutdownGrace;
    long tenantLinesPerSecond;
    long tenantBytesPerSecond;
    double tenantBurstSeconds;
    StoreKind store;
    FsyncPolicy fsync;
    long segmentBytes;
    Retention retention;
    int requestIndexSize;
    DrainSettings drains;
    boolean insecure;
    List<Path> trustedKeys;
    TailSettings tail;
    Duration connectionIdle;
    Set<String> systemPlugins;

    Draft(BrokerConfig c) {
      grpcHost = c.grpcHost;
      grpcPort = c.grpcPort;
      eventLoops = c.eventLoops;
      dataDir = c.dataDir;
      maxFrameBytes = c.maxFrameBytes;
      maxRecordsPerBatch = c.maxRecordsPerBatch;
      maxLineBytes = c.maxLineBytes;
      maxOpenRequestsPerRunner = c.maxOpenRequestsPerRunner;
      routerCacheSize = c.routerCacheSize;
      memoryStoreRecords = c.memoryStoreRecords;
      recentRecords = c.recentRecords;
      shutdownGrace = c.shutdownGrace;
      tenantLinesPerSecond = c.tenantLinesPerSecond;
      tenantBytesPerSecond = c.tenantBytesPerSecond;
      tenantBurstSeconds = c.tenantBurstSeconds;
      store = c.store;
      fsync = c.fsync;
      segmentBytes = c.segmentBytes;
      retention = c.retention;
      requestIndexSize = c.requestIndexSize;
      drains = c.drains;
      insecure = c.insecure;
      trustedKeys = c.trustedKeys;
      tail = c.tail;
      connectionIdle = c.connectionIdle;
      systemPlugins = c.systemPlugins;
    }

    BrokerConfig build() {
      return new BrokerConfig(grpcHost, grpcPort, eventLoops, dataDir, maxFrameBytes,
          maxRecordsPerBatch, maxLineBytes, maxOpenRequestsPerRunner, routerCacheSize,
          memoryStoreRecords, recentRecords, shutdownGrace, tenantLinesPerSecond,
          tenantBytesPerSecond, tenantBurstSeconds, store, fsync, segmentBytes, retention,
          requestIndexSize, drains, insecure, trustedKeys, tail, connectionIdle,
          systemPlugins);
    }
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + ": must not be empty");
    }
  }
}
