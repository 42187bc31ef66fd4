package dev.sluice.gateway;

/**
 * Settings of the HTTP gateway. Immutable, checked here.
 *
 * @param httpHost address the HTTP server binds to
 * @param httpPort port of the HTTP server; 0 picks a free one
 * @param brokerTarget the broker's gRPC address, {@code host:port}
 */
public record GatewayConfig(String httpHost, int httpPort, String brokerTarget) {
  public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
  public static final int DEFAULT_HTTP_PORT = 7480;
  public static final String DEFAULT_BROKER_TARGET = "127.0.0.1:7400";

  public GatewayConfig {
    if (httpHost == null || httpHost.isBlank()) {
      throw new IllegalArgumentException("httpHost: must not be empty");
    }
    if (httpPort < 0 || httpPort > 65_535) {
      throw new IllegalArgumentException("httpPort: " + httpPort + " (expected: 0..65535)");
    }
    if (brokerTarget == null || !brokerTarget.contains(":")) {
      throw new IllegalArgumentException("brokerTarget: " + brokerTarget + " (expected: host:port)");
    }
  }

  public static GatewayConfig defaults() {
    return new GatewayConfig(DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, DEFAULT_BROKER_TARGET);
  }
}
