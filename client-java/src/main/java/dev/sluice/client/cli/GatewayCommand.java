package dev.sluice.client.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code sluice gateway}: runs the HTTP gateway on its own, in front of a broker that runs
 * elsewhere, until SIGTERM or Ctrl-C. Several gateways may stand in front of one broker: a
 * browser's session cookie holds its token, so any of them serves it.
 */
@Command(name = "gateway", sortOptions = false, mixinStandardHelpOptions = true,
    versionProvider = SluiceCli.Version.class,
    description = {"Runs the HTTP gateway (REST, SSE/WebSocket tail, the browser page) in front "
        + "of a broker.",
        "Any other option of the gateway (--max-body-bytes, --keep-alive, ...) is passed on; "
        + "each may also be set as SLUICE_GATEWAY_<OPTION> or in the [gateway] table of a "
        + "--config file: the command line wins, then the environment, then the file."})
final class GatewayCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--broker", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
      description = "The broker's gRPC address (default: 127.0.0.1:7400).")
  HostPort broker;

  @Option(names = "--http", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
      description = "Address the gateway listens on (default: 127.0.0.1:7480).")
  HostPort http;

  @Option(names = "--allow-origin", paramLabel = "ORIGIN",
      description = "An origin (https://app.example.com) whose pages may call the gateway; "
          + "repeatable. Every other cross-origin request is refused.")
  List<String> allowOrigins = new ArrayList<>();

  @Option(names = "--broker-connections", paramLabel = "N",
      description = "gRPC connections to the broker; live tails are spread over them "
          + "(default: 4).")
  Integer brokerConnections;

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

  @Option(names = "--config", paramLabel = "FILE",
      description = "A TOML file whose [gateway] table holds settings (http-port = 7480).")
  String config;

  /** The gateway's other options, for it to read. */
  @Unmatched
  List<String> passOn = new ArrayList<>();

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
    // Only what was given: the gateway reads the rest from SLUICE_GATEWAY_* and --config.
    List<String> args = new ArrayList<>();
    if (http != null) {
      args.addAll(List.of("--http-host", http.host(), "--http-port",
          Integer.toString(http.port())));
    }
    if (broker != null) {
      args.addAll(List.of("--broker", broker.toString()));
    }
    if (brokerConnections != null) {
      args.addAll(List.of("--broker-connections", brokerConnections.toString()));
    }
    addIfGiven(args, "--session-key", sessionKey);
    addIfGiven(args, "--tls-cert", tlsCert);
    addIfGiven(args, "--tls-key", tlsKey);
    addIfGiven(args, "--config", config);
    for (String origin : allowOrigins) {
      args.add("--allow-origin");
      args.add(origin);
    }
    args.addAll(passOn);
    return InProcess.run(UpCommand.GATEWAY_MAIN, args);
  }

  private static void addIfGiven(List<String> args, String option, String value) {
    if (value != null) {
      args.add(option);
      args.add(value);
    }
  }
}
