package dev.sluice.broker;

import dev.sluice.common.config.ConfigDefaults;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Runs a broker until SIGTERM or SIGINT, then shuts it down gracefully. Every setting of
 * {@link BrokerConfig} has an option ({@link BrokerFlags}); each may also come from the
 * environment ({@code SLUICE_BROKER_GRPC_PORT=7400}) or from the {@code [broker]} table of a
 * TOML file ({@code --config sluice.toml}, {@code grpc-port = 7400}); the command line wins,
 * then the environment, then the file.
 *
 * <pre>
 * java -cp ... dev.sluice.broker.BrokerMain [--config FILE] [--grpc-host H] [--grpc-port P]
 *     [--data-dir D] [--store segment|memory] [--fsync always|MS] [--retention-age 30d]
 *     [--retention-bytes 10GiB] [--trust-key FILE]... [--insecure] ...   (--help: all of them)
 * </pre>
 */
public final class BrokerMain {
  private BrokerMain() {}

  public static void main(String[] args) throws InterruptedException {
    BrokerConfig config;
    try {
      config = parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("sluice broker: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (config == null) {
      System.exit(0); // --help or --version, printed
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

  /**
   * The settings the command line, then {@code env}, then the config file give; null after
   * printing the usage or version that was asked for.
   *
   * @throws IllegalArgumentException naming the option or setting at fault
   */
  static BrokerConfig parse(String[] args, Map<String, String> env) {
    BrokerFlags flags = new BrokerFlags();
    CommandLine cli = new CommandLine(flags).setCaseInsensitiveEnumValuesAllowed(true);
    ParseResult parsed = ConfigDefaults.parse(cli, "broker", args, env);
    if (CommandLine.printHelpIfRequested(parsed)) {
      return null;
    }
    return flags.config();
  }
}
