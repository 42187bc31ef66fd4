package dev.sluice.gateway;

import dev.sluice.common.config.ConfigDefaults;
import dev.sluice.common.config.ConfigOption;
import dev.sluice.common.config.Converters.ToIntBytes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * Runs the gateway until SIGTERM or SIGINT. Every setting of {@link GatewayConfig} has an
 * option; each may also come from the environment ({@code SLUICE_GATEWAY_HTTP_PORT=7480}) or
 * from the {@code [gateway]} table of a TOML file ({@code --config sluice.toml},
 * {@code http-port = 7480}); the command line wins, then the environment, then the file.
 *
 * <pre>
 * java -cp ... dev.sluice.gateway.GatewayMain [--config FILE] [--http-host H] [--http-port P]
 *     [--broker HOST:PORT] [--allow-origin https://app.example.com[,...]]...
 *     [--broker-connections N] [--max-body-bytes 64KiB] [--keep-alive 15s]
 *     [--tls-cert cert.pem --tls-key key.pem] [--session-key FILE]
 * </pre>
 */
public final class GatewayMain {
  private GatewayMain() {}

  public static void main(String[] args) throws InterruptedException {
    GatewayConfig config;
    try {
      config = parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("sluice gateway: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (config == null) {
      System.exit(0); // --help, printed
      return;
    }
    Gateway gateway = Gateway.start(config);
    // One write: `sluice up` prints to the same terminal, and printf may write in pieces.
    System.out.println(String.format("sluice gateway: %s listening on %s:%d (broker %s)",
        config.tlsCert() != null ? "HTTPS" : "HTTP", config.httpHost(), gateway.httpPort(),
        config.brokerTarget()));
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      gateway.close();
      System.out.println("sluice gateway: stopped cleanly");
      System.out.flush();
      stopped.countDown();
    }, "sluice-gateway-shutdown"));
    stopped.await();
  }

  /**
   * The settings the command line, then {@code env}, then the config file give; null after
   * printing the usage that was asked for.
   *
   * @throws IllegalArgumentException naming the option or setting at fault
   */
  static GatewayConfig parse(String[] args, Map<String, String> env) {
    Flags flags = new Flags();
    ParseResult parsed = ConfigDefaults.parse(new CommandLine(flags), "gateway", args, env);
    if (CommandLine.printHelpIfRequested(parsed)) {
      return null;
    }
    return flags.config();
  }

  /**
   * The options of {@code sluice gateway} as {@code sluice up} passes them: one for every
   * setting of {@link GatewayConfig}, each starting at its default.
   */
  @Command(name = "sluice gateway", sortOptions = false, abbreviateSynopsis = true,
      usageHelpWidth = 100,
      description = "Runs the HTTP gateway until SIGTERM or Ctrl-C. Every option may also be "
          + "set as SLUICE_GATEWAY_<OPTION> (HTTP_PORT for --http-port) or in the [gateway] "
          + "table of a --config file (http-port = 7480); the command line wins, then the "
          + "environment.")
  static final class Flags {
    private static final GatewayConfig D = GatewayConfig.defaults();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Mixin
    ConfigOption config;

    @Option(names = "--http-host", paramLabel = "HOST",
        description = "Address the gateway listens on (default: ${DEFAULT-VALUE}).")
    String httpHost = D.httpHost();

    @Option(names = "--http-port", paramLabel = "PORT",
        description = "Port the gateway listens on, 0 for any free one (default: "
            + "${DEFAULT-VALUE}).")
    int httpPort = D.httpPort();

    @Option(names = "--broker", paramLabel = "HOST:PORT",
        description = "The broker's gRPC address (default: ${DEFAULT-VALUE}).")
    String broker = D.brokerTarget();

    @Option(names = "--allow-origin", paramLabel = "ORIGIN", split = ",",
        description = "An origin (https://app.example.com) whose pages may call the gateway; "
            + "repeatable.")
    List<String> allowOrigins = new ArrayList<>();

    @Option(names = "--broker-connections", paramLabel = "N",
        description = "gRPC connections to the broker, live tails spread over them (default: "
            + "${DEFAULT-VALUE}).")
    int brokerConnections = D.brokerConnections();

    @Option(names = "--max-body-bytes", paramLabel = "SIZE", converter = ToIntBytes.class,
        description = "Largest request body accepted, 413 above it (default: 64KiB).")
    int maxBodyBytes = D.maxBodyBytes();

    @Option(names = "--keep-alive", paramLabel = "DURATION",
        description = "How often an idle SSE stream gets a comment (default: 15s).")
    Duration keepAlive = D.keepAlive();

    @Option(names = "--tls-cert", paramLabel = "PEM",
        description = "Serve HTTPS with this certificate chain (with --tls-key).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM",
        description = "The certificate's private key (PKCS#8 PEM).")
    Path tlsKey;

    @Option(names = "--session-key", paramLabel = "FILE",
        description = "Key that seals session cookies, made when missing; gateways sharing it "
            + "share sessions (default: a key of this process).")
    Path sessionKey;

    GatewayConfig config() {
      return new GatewayConfig(httpHost, httpPort, broker, allowOrigins.stream()
          .map(String::trim).filter(o -> !o.isEmpty()).toList(), brokerConnections,
          maxBodyBytes, keepAlive, tlsCert, tlsKey, sessionKey);
    }
  }
}
