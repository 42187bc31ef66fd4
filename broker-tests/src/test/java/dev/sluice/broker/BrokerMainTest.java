package dev.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.broker.plugin.tail.TailSettings;
import dev.sluice.broker.store.segment.FsyncPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerMainTest {
  @TempDir
  Path dir;

  private static BrokerConfig parse(String... args) {
    return BrokerMain.parse(args, Map.of());
  }

  private static BrokerConfig parse(Map<String, String> env, String... args) {
    return BrokerMain.parse(args, env);
  }

  private String file(String toml) throws IOException {
    return Files.writeString(dir.resolve("sluice.toml"), toml).toString();
  }

  @Test
  void withoutOptionsTheSettingsAreBrokerConfigsDefaults() {
    BrokerConfig config = parse();
    assertThat(config).isEqualTo(BrokerConfig.defaults());
    assertThat(config.store()).isEqualTo(BrokerConfig.StoreKind.SEGMENT);
    assertThat(config.retention().age()).isEqualTo(Duration.ofDays(30));
    assertThat(config.retention().bytes()).isEqualTo(10L << 30);
    assertThat(config.tail().overflow()).isEqualTo(TailSettings.OverflowPolicy.CATCH_UP);
  }

  @Test
  void everyEarlierFlagKeepsItsMeaning() {
    BrokerConfig c = parse("--grpc-host", "0.0.0.0", "--grpc-port", "7500", "--data-dir", "d",
        "--store", "memory", "--fsync", "5", "--trust-key", "a.pub", "--trust-key", "b.pub",
        "--tenant-lines-per-second", "1000000000", "--tenant-bytes-per-second", "1000000000000",
        "--max-open-requests", "6400", "--memory-store-records", "20000", "--recent-records",
        "1000", "--drain-allow-http", "--drain-allow-address", "127.0.0.0/8",
        "--drain-allow-address", "10.0.0.1", "--drain-ca-file", "ca.pem",
        "--tails-per-connection", "7", "--tails-per-principal", "20000",
        "--tails-per-account", "20000", "--stalled-tail-timeout", "45s",
        "--connection-idle-timeout", "1m", "--router-cache-size", "1024", "--insecure");
    assertThat(c.grpcHost()).isEqualTo("0.0.0.0");
    assertThat(c.grpcPort()).isEqualTo(7500);
    assertThat(c.dataDir()).isEqualTo(Path.of("d"));
    assertThat(c.store()).isEqualTo(BrokerConfig.StoreKind.MEMORY);
    assertThat(c.fsync()).isEqualTo(FsyncPolicy.interval(Duration.ofMillis(5)));
    assertThat(c.trustedKeys()).containsExactly(Path.of("a.pub"), Path.of("b.pub"));
    assertThat(c.tenantLinesPerSecond()).isEqualTo(1_000_000_000L);
    assertThat(c.tenantBytesPerSecond()).isEqualTo(1_000_000_000_000L);
    assertThat(c.maxOpenRequestsPerRunner()).isEqualTo(6400);
    assertThat(c.memoryStoreRecords()).isEqualTo(20_000);
    assertThat(c.recentRecords()).isEqualTo(1000);
    assertThat(c.drains().allowHttp()).isTrue();
    assertThat(c.drains().allowAddresses()).containsExactly("127.0.0.0/8", "10.0.0.1");
    assertThat(c.drains().caFile()).isEqualTo(Path.of("ca.pem"));
    assertThat(c.tail().tailsPerConnection()).isEqualTo(7);
    assertThat(c.tail().tailsPerPrincipal()).isEqualTo(20_000);
    assertThat(c.tail().tailsPerAccount()).isEqualTo(20_000);
    assertThat(c.tail().stalledTail()).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.connectionIdle()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.routerCacheSize()).isEqualTo(1024);
    assertThat(c.insecure()).isTrue();
  }

  @Test
  void subscriberBytesStillBoundsTheAccountsShareUnlessThatIsGiven() {
    BrokerConfig small = parse("--subscriber-bytes", "32MiB");
    assertThat(small.tail().subscriberBytes()).isEqualTo(32L << 20);
    assertThat(small.tail().accountSubscriberBytes()).isEqualTo(32L << 20);
    BrokerConfig both = parse("--subscriber-bytes", "32MiB", "--account-subscriber-bytes",
        "8MiB");
    assertThat(both.tail().accountSubscriberBytes()).isEqualTo(8L << 20);
  }

  @Test
  void everySettingHasAFlag() {
    BrokerConfig c = parse("--event-loops", "3", "--max-frame-bytes", "8MiB",
        "--max-records-per-batch", "100", "--max-line-bytes", "1KiB", "--segment-bytes",
        "64MiB", "--request-index-size", "500", "--shutdown-grace", "2s",
        "--retention-check", "30s", "--tenant-burst-seconds", "0.5",
        "--tail-queue-records", "10", "--tail-queue-bytes", "1MiB", "--tail-batch-records",
        "5", "--tail-batch-bytes", "64KiB", "--tail-overflow", "drop_oldest",
        "--system-plugin", "bridge", "--system-plugin", "audit", "--drain-max-per-account", "3",
        "--drain-timeout", "5s", "--drain-retry-initial", "250ms", "--drain-retry-max", "10s",
        "--drain-disable-after", "9", "--drain-backfill", "1m", "--drain-rotation-grace", "1h");
    assertThat(c.eventLoops()).isEqualTo(3);
    assertThat(c.maxFrameBytes()).isEqualTo(8 << 20);
    assertThat(c.maxRecordsPerBatch()).isEqualTo(100);
    assertThat(c.maxLineBytes()).isEqualTo(1024);
    assertThat(c.segmentBytes()).isEqualTo(64L << 20);
    assertThat(c.requestIndexSize()).isEqualTo(500);
    assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.retention().checkEvery()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.tenantBurstSeconds()).isEqualTo(0.5);
    assertThat(c.tail()).isEqualTo(new TailSettings(10, 1L << 20, 5, 64 << 10,
        TailSettings.OverflowPolicy.DROP_OLDEST, TailSettings.DEFAULTS.subscriberBytes(),
        TailSettings.DEFAULTS.accountSubscriberBytes(), 1_000, 1_000, 10_000,
        Duration.ofSeconds(30)));
    assertThat(c.systemPlugins()).isEqualTo(Set.of("bridge", "audit"));
    assertThat(c.drains().maxPerAccount()).isEqualTo(3);
    assertThat(c.drains().timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.drains().retryInitial()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.drains().retryMax()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.drains().disableAfter()).isEqualTo(9);
    assertThat(c.drains().backfill()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.drains().rotationGrace()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void retentionFlagsTakeUnits() {
    BrokerConfig config = parse("--retention-age", "12h", "--retention-bytes", "512MiB");
    assertThat(config.retention().age()).isEqualTo(Duration.ofHours(12));
    assertThat(config.retention().bytes()).isEqualTo(512L << 20);
    assertThat(parse("--retention-bytes", "0").retention().bytes()).isZero();
    assertThat(parse("--retention-age", "45s").retention().age())
        .isEqualTo(Duration.ofSeconds(45));
    assertThat(parse("--retention-age", "1d12h").retention().age())
        .isEqualTo(Duration.ofHours(36));
  }

  @Test
  void badValuesNameTheFlagAndWhatWasExpected() {
    assertThatThrownBy(() -> parse("--retention-age", "30"))
        .hasMessageStartingWith("--retention-age: '30' (expected: a duration");
    assertThatThrownBy(() -> parse("--retention-bytes", "10GB"))
        .hasMessageStartingWith("--retention-bytes: '10GB' (expected: bytes");
    assertThatThrownBy(() -> parse("--retention-bytes", "99999999999999TiB"))
        .hasMessageContaining("too large");
    assertThatThrownBy(() -> parse("--max-frame-bytes", "4GiB"))
        .hasMessageStartingWith("--max-frame-bytes: '4GiB' is too large");
    assertThatThrownBy(() -> parse("--fsync", "sometimes"))
        .hasMessageStartingWith("--fsync: 'sometimes' (expected: always, or");
    assertThatThrownBy(() -> parse("--store", "disk"))
        .hasMessageStartingWith("--store: ").hasMessageContaining("disk");
    assertThatThrownBy(() -> parse("--grpc-port", "http"))
        .hasMessageStartingWith("--grpc-port: 'http' is not an int");
    assertThatThrownBy(() -> parse("--retention-agee", "1d"))
        .hasMessageContaining("Unknown options: '--retention-agee'");
  }

  @Test
  void aValueOutOfRangeIsRefusedByTheSettingsRecord() {
    assertThatThrownBy(() -> parse("--retention-age", "0d"))
        .hasMessageStartingWith("retention.age: PT0S (expected: > 0)");
    assertThatThrownBy(() -> parse("--grpc-port", "70000"))
        .hasMessageStartingWith("grpcPort: 70000 (expected: 0..65535)");
  }

  @Test
  void theFilesBrokerTableSetsAnySetting() throws IOException {
    String config = file("""
        [broker]
        grpc-port = 7500
        data-dir = "/var/lib/sluice"
        retention-age = "7d"
        retention-bytes = "1GiB"
        trust-key = ["old.pub", "new.pub"]
        tail-overflow = "DROP_NEWEST"
        drain-allow-http = true
        tenant-burst-seconds = 1.5

        [gateway]
        http-port = 7580
        """);
    BrokerConfig c = parse("--config", config);
    assertThat(c.grpcPort()).isEqualTo(7500);
    assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/sluice"));
    assertThat(c.retention().age()).isEqualTo(Duration.ofDays(7));
    assertThat(c.retention().bytes()).isEqualTo(1L << 30);
    assertThat(c.trustedKeys()).isEqualTo(List.of(Path.of("old.pub"), Path.of("new.pub")));
    assertThat(c.tail().overflow()).isEqualTo(TailSettings.OverflowPolicy.DROP_NEWEST);
    assertThat(c.drains().allowHttp()).isTrue();
    assertThat(c.tenantBurstSeconds()).isEqualTo(1.5);
  }

  @Test
  void commandLineBeatsEnvironmentBeatsFile() throws IOException {
    String config = file("[broker]\ngrpc-port = 7500\nrecent-records = 100\n"
        + "shutdown-grace = \"3s\"\ninsecure = true\n");
    Map<String, String> env = Map.of("SLUICE_BROKER_GRPC_PORT", "7600",
        "SLUICE_BROKER_RECENT_RECORDS", "200");
    BrokerConfig c = parse(env, "--config", config, "--grpc-port", "7700", "--insecure=false");
    assertThat(c.grpcPort()).isEqualTo(7700);
    assertThat(c.recentRecords()).isEqualTo(200);
    assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.insecure()).isFalse();
    assertThat(parse(env, "--config", config).insecure()).isTrue();
    // A flag sets, never toggles, what the file set.
    assertThat(parse(env, "--config", config, "--insecure").insecure()).isTrue();
  }

  @Test
  void anUnknownKeyInTheFileNamesTheKeyAndTheFile() throws IOException {
    String config = file("[broker]\nretention_age = \"7d\"\n");
    assertThatThrownBy(() -> parse("--config", config))
        .hasMessageStartingWith(config + ": unknown key 'retention_age' in [broker]");
  }

  @Test
  void aBadDurationOrSizeSaysWhereItCameFrom() throws IOException {
    String config = file("[broker]\nstalled-tail-timeout = \"30 seconds\"\n");
    assertThatThrownBy(() -> parse("--config", config))
        .hasMessageStartingWith("--stalled-tail-timeout: '30 seconds' (expected: a duration")
        .hasMessageEndingWith("(from stalled-tail-timeout in [broker] of " + config + ")");
    assertThatThrownBy(() -> parse(Map.of("SLUICE_BROKER_SEGMENT_BYTES", "1GB")))
        .hasMessageStartingWith("--segment-bytes: '1GB' (expected: bytes")
        .hasMessageEndingWith("(from SLUICE_BROKER_SEGMENT_BYTES)");
    assertThatThrownBy(() -> parse(Map.of("SLUICE_BROKER_SEGMENT_BITES", "1GiB")))
        .hasMessageStartingWith("SLUICE_BROKER_SEGMENT_BITES: names no option of sluice broker");
  }

  @Test
  void helpIsPrintedNotRun() {
    assertThat(parse("--help")).isNull();
  }
}
