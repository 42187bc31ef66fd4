package dev.sluice.broker;

import dev.sluice.broker.store.segment.FsyncPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a broker until SIGTERM or SIGINT, then shuts it down gracefully.
 *
 * <pre>
 * java -cp ... dev.sluice.broker.BrokerMain [--grpc-host H] [--grpc-port P] [--data-dir D]
 *     [--store memory|segment] [--fsync always|MS] [--trust-key FILE]... [--insecure]
 *     [--tenant-lines-per-second N] [--tenant-bytes-per-second N] [--max-open-requests N]
 *     [--memory-store-records N] [--recent-records N]
 *     [--retention-age 30d] [--retention-bytes 10GiB|0]
 *     [--drain-allow-http] [--drain-allow-address CIDR]... [--drain-ca-file PEM]
 *     [--subscriber-bytes 256MiB] [--account-subscriber-bytes 64MiB]
 *     [--tails-per-connection N] [--tails-per-principal N] [--tails-per-account N]
 *     [--stalled-tail-timeout 30s] [--connection-idle-timeout 20s]
 * </pre>
 */
public final class BrokerMain {
  private BrokerMain() {}

  public static void main(String[] args) throws InterruptedException {
    BrokerConfig config;
    try {
      config = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("sluice broker: " + e.getMessage());
      System.exit(2);
      return;
    }
    Broker broker;
    try {
      broker = Broker.start(config);
    } catch (RuntimeException e) {
      System.err.println("sluice broker: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    // One write: `sluice up` prints to the same terminal, and printf may write in pieces.
    System.out.println(String.format("sluice broker: gRPC listening on %s:%d, data in %s",
        config.grpcHost(), broker.grpcPort(), config.dataDir()));
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM and SIGINT run shutdown hooks: stop accepting, drain, tell clients, exit.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("sluice broker: shutting down");
      broker.close();
      System.out.println("sluice broker: stopped cleanly");
      System.out.flush();
      stopped.countDown();
    }, "sluice-shutdown"));
    stopped.await();
  }

  static BrokerConfig parse(String[] args) {
    BrokerConfig config = BrokerConfig.defaults();
    List<Path> trusted = new ArrayList<>();
    List<String> allowed = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--insecure")) {
        config = config.withInsecure(true);
        continue;
      }
      if (flag.equals("--drain-allow-http")) {
        config = config.withDrains(config.drains().withAllowHttp(true));
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + ": missing value");
      }
      String value = args[++i];
      config = switch (flag) {
        case "--grpc-host" -> config.withGrpcHost(value);
        case "--grpc-port" -> config.withGrpcPort(port(value));
        case "--data-dir" -> config.withDataDir(Path.of(value));
        case "--tenant-lines-per-second" -> config.withTenantLimits(number(flag, value),
            config.tenantBytesPerSecond(), config.tenantBurstSeconds());
        case "--tenant-bytes-per-second" -> config.withTenantLimits(
            config.tenantLinesPerSecond(), number(flag, value), config.tenantBurstSeconds());
        case "--max-open-requests" -> config.withMaxOpenRequestsPerRunner(
            (int) Math.min(Integer.MAX_VALUE, number(flag, value)));
        case "--memory-store-records" -> config.withMemoryStoreRecords(
            (int) Math.min(Integer.MAX_VALUE, number(flag, value)));
        case "--recent-records" -> config.withRecentRecords(
            (int) Math.min(Integer.MAX_VALUE, number(flag, value)));
        case "--store" -> config.withStore(storeKind(value), config.fsync());
        case "--fsync" -> config.withStore(config.store(), FsyncPolicy.parse(value));
        case "--retention-age" -> config.withRetention(new BrokerConfig.Retention(
            duration(flag, value), config.retention().bytes(), config.retention().checkEvery()));
        case "--retention-bytes" -> config.withRetention(new BrokerConfig.Retention(
            config.retention().age(), bytes(flag, value), config.retention().checkEvery()));
        case "--drain-allow-address" -> {
          allowed.add(value);
          yield config.withDrains(config.drains().withAllowAddresses(allowed));
        }
        case "--drain-ca-file" -> config.withDrains(config.drains().withCaFile(Path.of(value)));
        case "--trust-key" -> {
          trusted.add(Path.of(value));
          yield config.withTrustedKeys(trusted);
        }
        case "--subscriber-bytes" -> config.withTail(config.tail().withSubscriberBytes(
            bytes(flag, value), Math.min(bytes(flag, value),
                config.tail().accountSubscriberBytes())));
        case "--account-subscriber-bytes" -> config.withTail(config.tail()
            .withSubscriberBytes(config.tail().subscriberBytes(), bytes(flag, value)));
        case "--tails-per-connection" -> config.withTail(config.tail().withTails(
            count(flag, value), config.tail().tailsPerPrincipal(),
            config.tail().tailsPerAccount()));
        case "--tails-per-principal" -> config.withTail(config.tail().withTails(
            config.tail().tailsPerConnection(), count(flag, value),
            config.tail().tailsPerAccount()));
        case "--tails-per-account" -> config.withTail(config.tail().withTails(
            config.tail().tailsPerConnection(), config.tail().tailsPerPrincipal(),
            count(flag, value)));
        case "--stalled-tail-timeout" -> config.withTail(
            config.tail().withStalledTail(duration(flag, value)));
        case "--connection-idle-timeout" -> config.withConnectionIdle(duration(flag, value));
        case "--router-cache-size" -> config.withRouterCacheSize(count(flag, value));
        default -> throw new IllegalArgumentException("unknown option " + flag
            + " (expected: --grpc-host, --grpc-port, --data-dir, --store, --fsync, --trust-key,"
            + " --tenant-lines-per-second, --tenant-bytes-per-second, --max-open-requests,"
            + " --memory-store-records, --recent-records,"
            + " --retention-age,"
            + " --retention-bytes, --drain-allow-http, --drain-allow-address, --drain-ca-file,"
            + " --subscriber-bytes, --account-subscriber-bytes, --tails-per-connection,"
            + " --tails-per-principal, --tails-per-account, --stalled-tail-timeout,"
            + " --connection-idle-timeout, --router-cache-size, --insecure)");
      };
    }
    return config;
  }

  private static int count(String flag, String value) {
    return (int) Math.min(Integer.MAX_VALUE, number(flag, value));
  }

  private static long number(String flag, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + ": '" + value + "' (expected: a whole number)");
    }
  }

  /** {@code 45s}, {@code 10m}, {@code 12h}, {@code 30d}. */
  static Duration duration(String flag, String value) {
    Matcher m = Pattern.compile("(\\d{1,9})([smhd])")
        .matcher(value);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new IllegalArgumentException(flag + ": '" + value
          + "' (expected: a positive whole number with s, m, h or d, like 30d)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** {@code 0} (no limit), {@code 500MiB}, {@code 10GiB}, or plain bytes. */
  static long bytes(String flag, String value) {
    Matcher m = Pattern.compile("(\\d{1,15})(KiB|MiB|GiB|TiB)?")
        .matcher(value);
    if (!m.matches()) {
      throw new IllegalArgumentException(flag + ": '" + value
          + "' (expected: bytes, or a whole number with KiB, MiB, GiB or TiB; 0 for no limit)");
    }
    long n = Long.parseLong(m.group(1));
    int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
      case "KiB" -> 10;
      case "MiB" -> 20;
      case "GiB" -> 30;
      default -> 40;
    };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException(flag + ": '" + value + "' is too large");
    }
    return n << shift;
  }

  private static BrokerConfig.StoreKind storeKind(String value) {
    return switch (value) {
      case "memory" -> BrokerConfig.StoreKind.MEMORY;
      case "segment" -> BrokerConfig.StoreKind.SEGMENT;
      default -> throw new IllegalArgumentException("--store: '" + value
          + "' (expected: memory or segment)");
    };
  }

  private static int port(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--grpc-port: '" + value + "' (expected: 0..65535)");
    }
  }
}
