package dev.sluice.broker;

import dev.sluice.broker.plugin.drain.DrainSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options of the drains' settings ({@link DrainSettings}), a mixin of {@link BrokerFlags}. */
final class DrainFlags {
  private static final DrainSettings D = DrainSettings.DEFAULTS;

  @Option(names = "--drain-allow-http", arity = "0..1", fallbackValue = "true",
      paramLabel = "BOOL",
      description = "Accept plain http:// drain endpoints (development only).")
  boolean allowHttp = D.allowHttp();

  @Option(names = "--drain-allow-address", paramLabel = "CIDR", split = ",",
      description = "A loopback, private or link-local block drains may reach; repeatable.")
  List<String> allowAddresses = new ArrayList<>(D.allowAddresses());

  @Option(names = "--drain-ca-file", paramLabel = "PEM",
      description = "Extra CA certificates to trust for drain endpoints.")
  Path caFile = D.caFile();

  @Option(names = "--drain-max-per-account", paramLabel = "N",
      description = "Most drains of one account (default: ${DEFAULT-VALUE}).")
  int maxPerAccount = D.maxPerAccount();

  @Option(names = "--drain-timeout", paramLabel = "DURATION",
      description = "Longest wait for one delivery (default: 10s).")
  Duration timeout = D.timeout();

  @Option(names = "--drain-retry-initial", paramLabel = "DURATION",
      description = "First wait after a failed delivery, doubling (default: 1s).")
  Duration retryInitial = D.retryInitial();

  @Option(names = "--drain-retry-max", paramLabel = "DURATION",
      description = "Longest wait between retries (default: 1m).")
  Duration retryMax = D.retryMax();

  @Option(names = "--drain-disable-after", paramLabel = "N",
      description = "Failed deliveries in a row that disable a drain (default: "
          + "${DEFAULT-VALUE}).")
  int disableAfter = D.disableAfter();

  @Option(names = "--drain-backfill", paramLabel = "DURATION",
      description = "How far back a new drain starts (default: 30s).")
  Duration backfill = D.backfill();

  @Option(names = "--drain-rotation-grace", paramLabel = "DURATION",
      description = "How long the previous secret still signs after an update (default: 1d).")
  Duration rotationGrace = D.rotationGrace();

  DrainSettings settings() {
    return new DrainSettings(allowHttp, allowAddresses, caFile, maxPerAccount, timeout,
        retryInitial, retryMax, disableAfter, backfill, rotationGrace);
  }
}
