package dev.sluice.client.cli;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice gateway}: runs the HTTP gateway on its own, in front of a broker that runs
 * elsewhere, until SIGTERM or Ctrl-C. Several gateways may stand in front of one broker: a
 * browser's session cookie holds its token, so any of them serves it.
 */
@Command(name = "gateway", sortOptions = false, mixinStandardHelpOptions = true,
    versionProvider = SluiceCli.Version.class,
    description = "Runs the HTTP gateway (REST, SSE/WebSocket tail, the browser page) in front "
        + "of a broker.")
final class GatewayCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--broker", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7400",
      converter = HostPort.Converter.class,
      description = "The broker's gRPC address (default: ${DEFAULT-VALUE}).")
  HostPort broker;

  @Option(names = "--http", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7480",
      converter = HostPort.Converter.class,
      description = "Address the gateway listens on (default: ${DEFAULT-VALUE}).")
  HostPort http;

  @Option(names = "--allow-origin", paramLabel = "ORIGIN",
      description = "An origin (https://app.example.com) whose pages may call the gateway; "
          + "repeatable. Every other cross-origin request is refused.")
  List<String> allowOrigins = new ArrayList<>();

  @Option(names = "--broker-connections", paramLabel = "N", defaultValue = "4",
      description = "gRPC connections to the broker; live tails are spread over them "
          + "(default: ${DEFAULT-VALUE}).")
  int brokerConnections;

  @Option(names = "--tls-cert", paramLabel = "PEM",
      description = "Serve HTTPS with this certificate chain (with --tls-key); session cookies "
          + "are then Secure.")
  String tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "The certificate's private key "
      + "(PKCS#8 PEM).")
  String tlsKey;

  @Option(names = "--session-key", paramLabel = "FILE",
      description = "Key that seals browser session cookies, made when missing; gateways "
          + "sharing it share sessions (default: a key of this process: sessions end with it).")
  String sessionKey;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (!ChildJvm.available(UpCommand.GATEWAY_MAIN)) {
      err.println("sluice gateway: the gateway (" + UpCommand.GATEWAY_MAIN + ") is not on the "
          + "class path; build it with './sluice --rebuild' or add sluice-gateway-http's jar "
          + "to -cp");
      err.flush();
      return 1;
    }
    List<String> args = new ArrayList<>(List.of("--http-host", http.host(), "--http-port",
        Integer.toString(http.port()), "--broker", broker.toString(), "--broker-connections",
        Integer.toString(brokerConnections)));
    if (sessionKey != null) {
      args.addAll(List.of("--session-key", sessionKey));
    }
    if (tlsCert != null) {
      args.addAll(List.of("--tls-cert", tlsCert));
    }
    if (tlsKey != null) {
      args.addAll(List.of("--tls-key", tlsKey));
    }
    for (String origin : allowOrigins) {
      args.add("--allow-origin");
      args.add(origin);
    }
    try {
      // In this JVM: the gateway's main blocks until SIGTERM and stops cleanly on it.
      Class.forName(UpCommand.GATEWAY_MAIN).getMethod("main", String[].class)
          .invoke(null, (Object) args.toArray(String[]::new));
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
    return 0;
  }
}
