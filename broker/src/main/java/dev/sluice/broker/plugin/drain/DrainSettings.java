package dev.sluice.broker.plugin.drain;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Broker-wide settings of drains. Immutable, checked here.
 *
 * @param allowHttp accept plain {@code http://} endpoints (development only; never by default)
 * @param allowAddresses CIDR blocks (or single addresses) that endpoints may resolve to although
 *     they are loopback, link-local, private or metadata addresses; empty: none
 * @param caFile a PEM file of extra CA certificates to trust for endpoints, or null
 * @param maxPerAccount most drains one account may have
 * @param timeout longest wait for one delivery
 * @param retryInitial first wait after a failed delivery (doubling, with jitter)
 * @param retryMax longest wait between retries
 * @param disableAfter failed deliveries in a row that disable a drain
 * @param backfill how far back a new drain starts
 * @param rotationGrace how long the previous secret still signs after a secret update
 */
public record DrainSettings(boolean allowHttp, List<String> allowAddresses, Path caFile,
    int maxPerAccount, Duration timeout, Duration retryInitial, Duration retryMax,
    int disableAfter, Duration backfill, Duration rotationGrace) {

  public static final DrainSettings DEFAULTS = new DrainSettings(false, List.of(), null, 20,
      Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMinutes(1), 5,
      Duration.ofSeconds(30), Duration.ofHours(24));

  public DrainSettings {
    allowAddresses = List.copyOf(allowAddresses);
    allowAddresses.forEach(EndpointGuard::parseCidr); // fails early on a typo
    positive("drains.timeout", timeout);
    positive("drains.retryInitial", retryInitial);
    positive("drains.retryMax", retryMax);
    Objects.requireNonNull(backfill, "drains.backfill");
    Objects.requireNonNull(rotationGrace, "drains.rotationGrace");
    if (maxPerAccount < 1 || disableAfter < 1) {
      throw new IllegalArgumentException("drains.maxPerAccount and drains.disableAfter: "
          + "expected >= 1");
    }
  }

  private static void positive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
  }

  public DrainSettings withAllowHttp(boolean value) {
    return new DrainSettings(value, allowAddresses, caFile, maxPerAccount, timeout,
        retryInitial, retryMax, disableAfter, backfill, rotationGrace);
  }

  public DrainSettings withAllowAddresses(List<String> value) {
    return new DrainSettings(allowHttp, value, caFile, maxPerAccount, timeout, retryInitial,
        retryMax, disableAfter, backfill, rotationGrace);
  }

  public DrainSettings withCaFile(Path value) {
    return new DrainSettings(allowHttp, allowAddresses, value, maxPerAccount, timeout,
        retryInitial, retryMax, disableAfter, backfill, rotationGrace);
  }

  public DrainSettings withRetry(Duration initial, Duration max) {
    return new DrainSettings(allowHttp, allowAddresses, caFile, maxPerAccount, timeout, initial,
        max, disableAfter, backfill, rotationGrace);
  }

  public DrainSettings withDisableAfter(int value) {
    return new DrainSettings(allowHttp, allowAddresses, caFile, maxPerAccount, timeout,
        retryInitial, retryMax, value, backfill, rotationGrace);
  }

  public DrainSettings withTimeout(Duration value) {
    return new DrainSettings(allowHttp, allowAddresses, caFile, maxPerAccount, value,
        retryInitial, retryMax, disableAfter, backfill, rotationGrace);
  }
}
