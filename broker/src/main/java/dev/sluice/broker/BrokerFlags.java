package dev.sluice.broker;

import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.common.config.ConfigOption;
import dev.sluice.common.config.Converters.ToBytes;
import dev.sluice.common.config.Converters.ToIntBytes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The options of {@code sluice broker} ({@link BrokerMain}): one for every setting of
 * {@link BrokerConfig}, the tail plugin's ({@link TailFlags}) and the drains' ({@link
 * DrainFlags}). Each starts at the record's default; {@code ConfigDefaults} puts the
 * environment and the config file beneath the command line.
 */
@Command(name = "sluice broker", sortOptions = false, usageHelpWidth = 100,
    abbreviateSynopsis = true,
    description = "Runs a Sluice broker until SIGTERM or Ctrl-C. Every option may also be set "
        + "as SLUICE_BROKER_<OPTION> (GRPC_PORT for --grpc-port) or in the [broker] table of "
        + "a --config file (grpc-port = 7400); the command line wins, then the environment.")
final class BrokerFlags {
  private static final BrokerConfig D = BrokerConfig.defaults();

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
  boolean help;

  @Mixin
  ConfigOption config;

  @Option(names = "--grpc-host", paramLabel = "HOST",
      description = "Address of the gRPC server (default: ${DEFAULT-VALUE}).")
  String grpcHost = D.grpcHost();

  @Option(names = "--grpc-port", paramLabel = "PORT",
      description = "Port of the gRPC server, 0 for any free one (default: ${DEFAULT-VALUE}).")
  int grpcPort = D.grpcPort();

  @Option(names = "--event-loops", paramLabel = "N",
      description = "gRPC server instances sharing the port, one event loop each (default: "
          + "the number of cores, ${DEFAULT-VALUE}).")
  int eventLoops = D.eventLoops();

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "The broker's data directory (default: ${DEFAULT-VALUE}).")
  Path dataDir = D.dataDir();

  @Option(names = "--store", paramLabel = "segment|memory",
      description = "segment: files in <data-dir>/log, acknowledged once on disk; memory: a "
          + "ring per account, lost on restart (default: segment).")
  BrokerConfig.StoreKind store = D.store();

  @Option(names = "--fsync", paramLabel = "always|MS", converter = FsyncArg.class,
      description = "Force every group of appends (always, the default), or at most every "
          + "MS milliseconds (5 or 5ms).")
  FsyncPolicy fsync = D.fsync();

  @Option(names = "--segment-bytes", paramLabel = "SIZE", converter = ToBytes.class,
      description = "Size at which a new segment file starts (default: 256MiB).")
  long segmentBytes = D.segmentBytes();

  @Option(names = "--retention-age", paramLabel = "DURATION",
      description = "Segments last written longer ago are deleted (default: 30d).")
  Duration retentionAge = D.retention().age();

  @Option(names = "--retention-bytes", paramLabel = "SIZE", converter = ToBytes.class,
      description = "While all segments are larger, the oldest is deleted; 0: no limit "
          + "(default: 10GiB).")
  long retentionBytes = D.retention().bytes();

  @Option(names = "--retention-check", paramLabel = "DURATION",
      description = "How often retention runs (default: 1m).")
  Duration retentionCheck = D.retention().checkEvery();

  @Option(names = "--recent-records", paramLabel = "N",
      description = "The segment store's newest records per account kept in memory "
          + "(default: ${DEFAULT-VALUE}).")
  int recentRecords = D.recentRecords();

  @Option(names = "--memory-store-records", paramLabel = "N",
      description = "Records kept per account by the memory store (default: ${DEFAULT-VALUE}).")
  int memoryStoreRecords = D.memoryStoreRecords();

  @Option(names = "--request-index-size", paramLabel = "N",
      description = "Requests whose place in the store is remembered (default: "
          + "${DEFAULT-VALUE}).")
  int requestIndexSize = D.requestIndexSize();

  @Option(names = "--max-frame-bytes", paramLabel = "SIZE", converter = ToIntBytes.class,
      description = "Largest message accepted from a runner (default: 4MiB).")
  int maxFrameBytes = D.maxFrameBytes();

  @Option(names = "--max-records-per-batch", paramLabel = "N",
      description = "Most lines in one LogBatch (default: ${DEFAULT-VALUE}).")
  int maxRecordsPerBatch = D.maxRecordsPerBatch();

  @Option(names = "--max-line-bytes", paramLabel = "SIZE", converter = ToIntBytes.class,
      description = "Longest line; longer ones are split into marked parts (default: 64KiB).")
  int maxLineBytes = D.maxLineBytes();

  @Option(names = "--max-open-requests", paramLabel = "N",
      description = "Requests open at once on one runner (default: ${DEFAULT-VALUE}).")
  int maxOpenRequests = D.maxOpenRequestsPerRunner();

  @Option(names = "--router-cache-size", paramLabel = "N",
      description = "Entries of the subject match cache (default: ${DEFAULT-VALUE}).")
  int routerCacheSize = D.routerCacheSize();

  @Option(names = "--tenant-lines-per-second", paramLabel = "N",
      description = "Ingest limit of each account, lines per second (default: "
          + "${DEFAULT-VALUE}).")
  long tenantLinesPerSecond = D.tenantLinesPerSecond();

  @Option(names = "--tenant-bytes-per-second", paramLabel = "SIZE", converter = ToBytes.class,
      description = "Ingest limit of each account, bytes per second (default: 100MiB).")
  long tenantBytesPerSecond = D.tenantBytesPerSecond();

  @Option(names = "--tenant-burst-seconds", paramLabel = "S",
      description = "Seconds of the limits an account may use at once (default: "
          + "${DEFAULT-VALUE}).")
  double tenantBurstSeconds = D.tenantBurstSeconds();

  @Option(names = "--shutdown-grace", paramLabel = "DURATION",
      description = "How long shutdown waits for clients (default: 10s).")
  Duration shutdownGrace = D.shutdownGrace();

  @Option(names = "--connection-idle-timeout", paramLabel = "DURATION",
      description = "A connection silent this long is closed; 1s..1d (default: 20s).")
  Duration connectionIdle = D.connectionIdle();

  @Option(names = "--trust-key", paramLabel = "FILE", split = ",",
      description = "An issuer public key whose tokens are accepted; repeatable (default: "
          + "<data-dir>/issuer.pub).")
  List<Path> trustKeys = new ArrayList<>();

  @Option(names = "--insecure", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      description = "No authentication: one open account, everyone may do everything "
          + "(--insecure=false turns off what the environment or the file turned on).")
  boolean insecure = D.insecure();

  @Option(names = "--system-plugin", paramLabel = "NAME", split = ",",
      description = "A plugin that may read every account; repeatable (default: none).")
  List<String> systemPlugins = new ArrayList<>();

  @Mixin
  TailFlags tail;

  @Mixin
  DrainFlags drains;

  /** The settings these options name; IllegalArgumentException naming a bad one. */
  BrokerConfig config() {
    return new BrokerConfig(grpcHost, grpcPort, eventLoops, dataDir, maxFrameBytes,
        maxRecordsPerBatch, maxLineBytes, maxOpenRequests, routerCacheSize, memoryStoreRecords,
        recentRecords, shutdownGrace, tenantLinesPerSecond, tenantBytesPerSecond,
        tenantBurstSeconds, store, fsync, segmentBytes,
        new BrokerConfig.Retention(retentionAge, retentionBytes, retentionCheck),
        requestIndexSize, drains.settings(), insecure, trustKeys, tail.settings(),
        connectionIdle, Set.copyOf(systemPlugins));
  }

  /** {@code always}, milliseconds, or a duration: {@link FsyncPolicy#parse}. */
  static final class FsyncArg implements ITypeConverter<FsyncPolicy> {
    @Override
    public FsyncPolicy convert(String value) {
      try {
        return FsyncPolicy.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage().replaceFirst("^fsync: ", ""));
      }
    }
  }
}
