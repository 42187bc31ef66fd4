package dev.sluice.gateway;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the gateway until SIGTERM or SIGINT.
 *
 * <pre>
 * java -cp ... dev.sluice.gateway.GatewayMain [--http-host H] [--http-port P] [--broker HOST:PORT]
 *     [--allow-origin https://app.example.com[,...]] [--broker-connections N]
 *     [--tls-cert cert.pem --tls-key key.pem] [--session-key FILE]
 * </pre>
 */
public final class GatewayMain {
  private GatewayMain() {}

  public static void main(String[] args) throws InterruptedException {
    GatewayConfig config;
    try {
      config = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("sluice gateway: " + e.getMessage());
      System.exit(2);
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

  /** Reads the flags; IllegalArgumentException saying what is wrong (picocli's words). */
  static GatewayConfig parse(String[] args) {
    Options options = new Options();
    try {
      new CommandLine(options).parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    GatewayConfig c = GatewayConfig.defaults().withHttp(options.httpHost, options.httpPort)
        .withBroker(options.broker).withBrokerConnections(options.brokerConnections)
        .withAllowedOrigins(options.allowOrigins.stream()
            .flatMap(o -> Arrays.stream(o.split(","))).map(String::trim)
            .filter(o -> !o.isEmpty()).toList());
    if (options.sessionKey != null) {
      c = c.withSessionKey(options.sessionKey);
    }
    if (options.tlsCert != null || options.tlsKey != null) {
      c = c.withTls(options.tlsCert, options.tlsKey); // checks that both are given
    }
    return c;
  }

  /** The flags, as `sluice gateway` and `sluice up` pass them. */
  @Command(name = "gateway")
  static final class Options {
    @Option(names = "--http-host")
    String httpHost = GatewayConfig.DEFAULT_HTTP_HOST;

    @Option(names = "--http-port")
    int httpPort = GatewayConfig.DEFAULT_HTTP_PORT;

    @Option(names = "--broker")
    String broker = GatewayConfig.DEFAULT_BROKER_TARGET;

    @Option(names = "--allow-origin")
    List<String> allowOrigins = new ArrayList<>();

    @Option(names = "--broker-connections")
    int brokerConnections = GatewayConfig.DEFAULT_BROKER_CONNECTIONS;

    @Option(names = "--tls-cert")
    Path tlsCert;

    @Option(names = "--tls-key")
    Path tlsKey;

    @Option(names = "--session-key")
    Path sessionKey;
  }
}
