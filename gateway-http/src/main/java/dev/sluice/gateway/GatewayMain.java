package dev.sluice.gateway;

import java.util.concurrent.CountDownLatch;

/**
 * Runs the gateway until SIGTERM or SIGINT.
 *
 * <pre>
 * java -cp ... dev.sluice.gateway.GatewayMain [--http-host H] [--http-port P] [--broker HOST:PORT]
 *     [--allow-origin https://app.example.com[,...]] [--broker-connections N]
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
    System.out.println(String.format("sluice gateway: HTTP listening on %s:%d (broker %s)",
        config.httpHost(), gateway.httpPort(), config.brokerTarget()));
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
        default -> throw new IllegalArgumentException("unknown option " + flag
            + " (expected: --http-host, --http-port, --broker, --allow-origin, "
            + "--broker-connections)");
      };
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
