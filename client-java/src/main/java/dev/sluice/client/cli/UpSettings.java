package dev.sluice.client.cli;

import dev.sluice.common.config.ConfigDefaults;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.TypeConversionException;

/**
 * What {@code sluice up} must know of its children before they start: where the broker and the
 * gateway will listen, where the data is, whether authentication is off. Each comes from
 * {@code up}'s own flag, else from the same places the children read
 * ({@code SLUICE_BROKER_*} / {@code SLUICE_GATEWAY_*}, then the config file, through
 * {@link ConfigDefaults}), else the default. Everything else the children read themselves:
 * both get {@code --config FILE} and inherit the environment.
 *
 * @param grpc the broker's gRPC address
 * @param http the gateway's HTTP address
 * @param dataDir the broker's data directory
 * @param insecure true when the broker runs without authentication
 * @param tls true when the gateway serves HTTPS
 * @param ownSessionKey true when no session key is set for the gateway, so up keeps one in the
 *     data directory
 * @param config the config file both children read, or null
 */
record UpSettings(HostPort grpc, HostPort http, String dataDir, boolean insecure, boolean tls,
    boolean ownSessionKey, Path config) {
  static final String DEFAULT_GRPC_HOST = "127.0.0.1";
  static final int DEFAULT_GRPC_PORT = 7400;
  static final String DEFAULT_HTTP_HOST = "127.0.0.1";
  static final int DEFAULT_HTTP_PORT = 7480;
  static final String DEFAULT_DATA_DIR = "./.sluice";

  /**
   * Resolves {@code up}'s flags (null where not given) over the environment and the file.
   *
   * @throws IllegalArgumentException for a file that cannot be read, or an address up cannot
   *     wait for, naming where it came from
   */
  static UpSettings resolve(HostPort grpc, HostPort http, String dataDir, boolean insecure,
      Path config, Map<String, String> env) {
    ConfigDefaults broker = ConfigDefaults.load("broker", config, env);
    ConfigDefaults gateway = ConfigDefaults.load("gateway", config, env);
    return new UpSettings(
        grpc != null ? grpc : address(broker, "grpc-host", DEFAULT_GRPC_HOST, "grpc-port",
            DEFAULT_GRPC_PORT),
        http != null ? http : address(gateway, "http-host", DEFAULT_HTTP_HOST, "http-port",
            DEFAULT_HTTP_PORT),
        dataDir != null ? dataDir : broker.value("data-dir").orElse(DEFAULT_DATA_DIR),
        insecure || broker.value("insecure").map(Boolean::parseBoolean).orElse(false),
        gateway.value("tls-cert").isPresent(), gateway.value("session-key").isEmpty(), config);
  }

  /** The broker's arguments: where it listens and keeps data, and the file. */
  List<String> brokerArgs(boolean insecureFlag) {
    List<String> args = new ArrayList<>(List.of("--grpc-host", grpc.host(), "--grpc-port",
        Integer.toString(grpc.port()), "--data-dir", dataDir));
    if (insecureFlag) {
      args.add("--insecure");
    }
    return withConfig(args);
  }

  /** The gateway's arguments: where it listens, up's broker, a session key, and the file. */
  List<String> gatewayArgs(Path sessionKey) {
    List<String> args = new ArrayList<>(List.of("--http-host", http.host(), "--http-port",
        Integer.toString(http.port()), "--broker", grpc.toString()));
    if (ownSessionKey) {
      // The session key lives with the data: browsers stay signed in across restarts.
      args.addAll(List.of("--session-key", sessionKey.toString()));
    }
    return withConfig(args);
  }

  private List<String> withConfig(List<String> args) {
    if (config != null) {
      args.addAll(List.of(ConfigDefaults.CONFIG_OPTION, config.toString()));
    }
    return args;
  }

  private static HostPort address(ConfigDefaults settings, String hostKey, String defaultHost,
      String portKey, int defaultPort) {
    String host = settings.value(hostKey).orElse(defaultHost);
    String port = settings.value(portKey).orElse(Integer.toString(defaultPort));
    try {
      return HostPort.parse(host + ":" + port);
    } catch (TypeConversionException e) {
      String from = settings.origin(portKey).or(() -> settings.origin(hostKey)).orElse("");
      throw new IllegalArgumentException(hostKey + " and " + portKey + ": " + e.getMessage()
          + "; sluice up waits for a fixed address (" + from + ")", e);
    }
  }
}
