package dev.sluice.gateway;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Settings of the HTTP gateway. Immutable, checked here; every default is in the README.
 *
 * @param httpHost address the HTTP server binds to
 * @param httpPort port of the HTTP server; 0 picks a free one
 * @param brokerTarget the broker's gRPC address, {@code host:port}
 * @param allowedOrigins origins ({@code https://app.example.com}) whose pages may call the
 *     gateway from another origin; every other cross-origin request is refused (403)
 * @param brokerConnections gRPC connections to the broker; live tails are spread over them,
 *     because the broker limits the tails of one connection ({@code tailsPerConnection})
 * @param maxBodyBytes largest request body accepted (413 above it)
 * @param keepAlive how often an idle SSE stream gets a comment, so proxies keep it open
 * @param tlsCert PEM certificate chain to serve HTTPS with, or null for plain HTTP
 * @param tlsKey PEM private key (PKCS#8) of {@code tlsCert}, or null
 * @param sessionKey file with the key that seals session cookies (made when missing), shared
 *     by gateways that share sessions; null for a key of this process only
 */
public record GatewayConfig(String httpHost, int httpPort, String brokerTarget,
    List<String> allowedOrigins, int brokerConnections, int maxBodyBytes, Duration keepAlive,
    Path tlsCert, Path tlsKey, Path sessionKey) {
  public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
  public static final int DEFAULT_HTTP_PORT = 7480;
  public static final String DEFAULT_BROKER_TARGET = "127.0.0.1:7400";
  public static final int DEFAULT_BROKER_CONNECTIONS = 4;
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
  public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(15);

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
    allowedOrigins = List.copyOf(allowedOrigins);
    for (String origin : allowedOrigins) {
      if (!origin.matches("https?://[^/\\s]+") || !origin.equals(origin.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("allowedOrigins: '" + origin
            + "' (expected: scheme://host[:port] in lower case, no path, e.g. https://app.example.com)");
      }
    }
    if (brokerConnections < 1 || brokerConnections > 64) {
      throw new IllegalArgumentException("brokerConnections: " + brokerConnections
          + " (expected: 1..64)");
    }
    if (maxBodyBytes < 1024 || maxBodyBytes > 16 * 1024 * 1024) {
      throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes
          + " (expected: 1 KiB..16 MiB)");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("tlsCert and tlsKey: give both or neither");
    }
    if (keepAlive == null || keepAlive.toMillis() < 10 || keepAlive.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("keepAlive: " + keepAlive + " (expected: 10 ms..10 min)");
    }
  }

  public GatewayConfig(String httpHost, int httpPort, String brokerTarget) {
    this(httpHost, httpPort, brokerTarget, List.of(), DEFAULT_BROKER_CONNECTIONS,
        DEFAULT_MAX_BODY_BYTES, DEFAULT_KEEP_ALIVE, null, null, null);
  }

  public static GatewayConfig defaults() {
    return new GatewayConfig(DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, DEFAULT_BROKER_TARGET);
  }

  public GatewayConfig withHttp(String host, int port) {
    return new GatewayConfig(host, port, brokerTarget, allowedOrigins, brokerConnections,
        maxBodyBytes, keepAlive, tlsCert, tlsKey, sessionKey);
  }

  public GatewayConfig withBroker(String target) {
    return new GatewayConfig(httpHost, httpPort, target, allowedOrigins, brokerConnections,
        maxBodyBytes, keepAlive, tlsCert, tlsKey, sessionKey);
  }

  public GatewayConfig withAllowedOrigins(List<String> origins) {
    return new GatewayConfig(httpHost, httpPort, brokerTarget, origins, brokerConnections,
        maxBodyBytes, keepAlive, tlsCert, tlsKey, sessionKey);
  }

  public GatewayConfig withBrokerConnections(int connections) {
    return new GatewayConfig(httpHost, httpPort, brokerTarget, allowedOrigins, connections,
        maxBodyBytes, keepAlive, tlsCert, tlsKey, sessionKey);
  }

  public GatewayConfig withMaxBodyBytes(int bytes) {
    return new GatewayConfig(httpHost, httpPort, brokerTarget, allowedOrigins, brokerConnections,
        bytes, keepAlive, tlsCert, tlsKey, sessionKey);
  }

  /** Serves HTTPS with this PEM certificate chain and key; session cookies are then Secure. */
  public GatewayConfig withTls(Path cert, Path key) {
    return new GatewayConfig(httpHost, httpPort, brokerTarget, allowedOrigins, brokerConnections,
        maxBodyBytes, keepAlive, cert, key, sessionKey);
  }

  public GatewayConfig withSessionKey(Path file) {
    return new GatewayConfig(httpHost, httpPort, brokerTarget, allowedOrigins, brokerConnections,
        maxBodyBytes, keepAlive, tlsCert, tlsKey, file);
  }

  public GatewayConfig withKeepAlive(Duration every) {
    return new GatewayConfig(httpHost, httpPort, brokerTarget, allowedOrigins, brokerConnections,
        maxBodyBytes, every, tlsCert, tlsKey, sessionKey);
  }
}
