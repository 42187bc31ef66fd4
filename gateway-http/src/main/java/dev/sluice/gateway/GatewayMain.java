package dev.sluice.gateway;

import java.util.concurrent.CountDownLatch;

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
        config.tlsCert() != null ? "HTTPS" : "HTTP", config.httpHost(), gateway.httpPort(), config.brokerTarget()));
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

  static GatewayConfig parse(String[] args) {
    GatewayConfig c = GatewayConfig.defaults();
    java.nio.file.Path[] tls = new java.nio.file.Path[2]; // both are checked together
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + ": missing value");
      }
      String value = args[++i];
      c = switch (flag) {
        case "--http-host" -> c.withHttp(value, c.httpPort());
        case "--http-port" -> c.withHttp(c.httpHost(), number(flag, value));
        case "--broker" -> c.withBroker(value);
        case "--allow-origin" -> c.withAllowedOrigins(java.util.stream.Stream.concat(
            c.allowedOrigins().stream(), java.util.Arrays.stream(value.split(","))
                .map(String::trim).filter(o -> !o.isEmpty())).toList());
        case "--broker-connections" -> c.withBrokerConnections(number(flag, value));
        case "--session-key" -> c.withSessionKey(java.nio.file.Path.of(value));
        case "--tls-cert" -> {
          tls[0] = java.nio.file.Path.of(value);
          yield c;
        }
        case "--tls-key" -> {
          tls[1] = java.nio.file.Path.of(value);
          yield c;
        }
        default -> throw new IllegalArgumentException("unknown option " + flag
            + " (expected: --http-host, --http-port, --broker, --allow-origin, "
            + "--broker-connections, --tls-cert, --tls-key, --session-key)");
      };
    }
    if (tls[0] != null || tls[1] != null) {
      c = c.withTls(tls[0], tls[1]);
    }
    return c;
  }

  private static int number(String flag, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + ": '" + value + "' (expected: a number)");
    }
  }
}
