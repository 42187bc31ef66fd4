package dev.sluice.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import dev.sluice.token.Role;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice up}: runs a broker as a child JVM until this command is stopped (Ctrl-C or
 * SIGTERM), then stops the broker gracefully. Exits with the broker's exit code.
 *
 * <p>When the HTTP gateway ({@code dev.sluice.gateway.GatewayMain}) is on the class path (the
 * {@code ./sluice} launcher puts it there), it is started too, as a second child JVM pointed
 * at the broker; it is stopped before the broker.
 */
@Command(name = "up", sortOptions = false, mixinStandardHelpOptions = true,
    versionProvider = SluiceCli.Version.class,
    description = "Starts a broker (as a child process) and prints how to tail its logs.")
final class UpCommand implements Callable<Integer> {
  static final String BROKER_MAIN = "dev.sluice.broker.BrokerMain";
  static final String GATEWAY_MAIN = "dev.sluice.gateway.GatewayMain";
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  static final Duration STOP_GRACE = Duration.ofSeconds(15);

  @Spec
  CommandSpec spec;

  @Option(names = "--grpc", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7400",
      converter = HostPort.Converter.class,
      description = "Address of the broker's gRPC server (default: ${DEFAULT-VALUE}).")
  HostPort grpc;

  @Option(names = "--http", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7480",
      converter = HostPort.Converter.class,
      description = "Address of the HTTP gateway, when it is installed (default: ${DEFAULT-VALUE}).")
  HostPort http;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./.sluice",
      description = "The broker's data directory (default: ${DEFAULT-VALUE}).")
  String dataDir;

  @Option(names = "--demo", description = "Also run a synthetic inference app, demo-model.")
  boolean demo;

  @Option(names = "--insecure",
      description = "Run without authentication: everyone may do everything. Never where "
          + "others can connect.")
  boolean insecure;

  /** Account of the tokens `up` mints for a newcomer. */
  static final String ACCOUNT = "default";
  static final String ADMIN_TOKEN_FILE = "admin.token";
  static final String RUNNER_TOKEN_FILE = "runner.token";
  static final String SESSION_KEY_FILE = "gateway-session.key";
  static final Duration TOKEN_TTL = Duration.ofDays(30);

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!ChildJvm.available(BROKER_MAIN)) {
      err.println("sluice up: the broker (" + BROKER_MAIN + ") is not on the class path; "
          + "build it with './sluice --rebuild' or add sluice-broker's jar to -cp");
      err.flush();
      return 1;
    }
    if (ChildJvm.accepts(grpc)) {
      err.println("sluice up: " + grpc + " already accepts connections (another broker?); "
          + "stop it or choose another address with --grpc");
      err.flush();
      return 1;
    }
    boolean withGateway = ChildJvm.available(GATEWAY_MAIN);
    if (withGateway && ChildJvm.accepts(http)) {
      err.println("sluice up: " + http + " already accepts connections (another gateway?); "
          + "stop it or choose another address with --http");
      err.flush();
      return 1;
    }
    Path dir = Path.of(dataDir);
    String adminToken = null;
    String runnerToken = null;
    if (!insecure) {
      try {
        Issuer issuer = Issuer.exists(dir) ? Issuer.load(dir) : Issuer.create(dir);
        adminToken = issuer.mint("admin", ACCOUNT, Role.ADMIN, "", TOKEN_TTL);
        runnerToken = issuer.mint("demo-runner", ACCOUNT, Role.RUNNER, DemoRunner.APP, TOKEN_TTL);
        Issuer.writeSecret(dir.resolve(ADMIN_TOKEN_FILE), adminToken);
        Issuer.writeSecret(dir.resolve(RUNNER_TOKEN_FILE), runnerToken);
      } catch (IOException e) {
        err.println("sluice up: cannot set up the issuer key and tokens in " + dir + ": " + e);
        err.flush();
        return 1;
      }
    }
    List<String> brokerArgs = new ArrayList<>(List.of("--grpc-host", grpc.host(),
        "--grpc-port", Integer.toString(grpc.port()), "--data-dir", dataDir));
    if (insecure) {
      brokerArgs.add("--insecure");
    }
    ChildJvm broker = ChildJvm.start("broker", BROKER_MAIN, brokerArgs);
    Stopper stopper = new Stopper(broker);
    Runtime.getRuntime().addShutdownHook(stopper);
    if (!broker.awaitListening(grpc, START_TIMEOUT)) {
      String why = broker.isAlive() ? "did not listen on " + grpc + " within "
          + START_TIMEOUT.toSeconds() + " s" : "exited with code " + broker.exitValue();
      err.println("sluice up: the broker " + why + " (see its output above)");
      err.flush();
      broker.stop(STOP_GRACE);
      removeHook(stopper);
      return broker.isAlive() ? 1 : nonZero(broker.exitValue());
    }
    if (withGateway) {
      // The session key lives with the data: browsers stay signed in across restarts.
      ChildJvm gateway = ChildJvm.start("gateway", GATEWAY_MAIN, List.of("--http-host",
          http.host(), "--http-port", Integer.toString(http.port()), "--broker", grpc.toString(),
          "--session-key", dir.resolve(SESSION_KEY_FILE).toString()));
      stopper.gateway = gateway;
      if (!gateway.awaitListening(http, START_TIMEOUT)) {
        err.println("sluice up: the gateway did not listen on " + http + " (see its output above)");
        err.flush();
        stopper.run();
        removeHook(stopper);
        return 1;
      }
    }
    String prog = SluiceCli.programName();
    out.printf("Sluice is up: broker gRPC on %s%s, data in %s%n", grpc,
        withGateway ? ", gateway HTTP on " + http + " (health: http://" + http + "/healthz)" : "",
        dataDir);
    if (insecure) {
      out.println("INSECURE: authentication is off; anyone who can connect may read and write.");
    } else {
      out.printf("Admin token (account %s, 30 days), also in %s:%n  %s%n", ACCOUNT,
          dir.resolve(ADMIN_TOKEN_FILE), adminToken);
      out.printf("Runner token for app %s, also in %s%n", DemoRunner.APP,
          dir.resolve(RUNNER_TOKEN_FILE));
      out.printf("'%s tail' reads %s by default; elsewhere pass --token or set %s.%n", prog,
          dir.resolve(ADMIN_TOKEN_FILE), TailCommand.TOKEN_ENV);
    }
    out.printf("Tail everything:  %s tail '>'%s%n", prog, target(" --grpc "));
    if (withGateway) {
      out.printf("In a browser:     http://%s/%s%n", http,
          insecure ? "" : " (sign in with the admin token)");
    }
    if (demo) {
      stopper.demo = DemoRunner.start(grpc.toString(), runnerToken);
      out.printf("Demo app logging: %s tail '%s.>'%s%n", prog, DemoRunner.APP, target(" --grpc "));
    }
    out.println("Stop with Ctrl-C.");
    out.flush();
    int code = broker.waitFor();
    // The broker ended on its own, or our shutdown hook stopped it: either way stop the rest.
    stopper.stopDemo();
    stopper.stopGateway();
    removeHook(stopper);
    return code;
  }

  private String target(String flag) {
    return grpc.toString().equals("127.0.0.1:7400") ? "" : flag + grpc;
  }

  private static int nonZero(int code) {
    return code == 0 ? 1 : code;
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is running.
    }
  }

  /** Shutdown hook: stop the demo first (it flushes to the broker), the gateway, the broker. */
  private static final class Stopper extends Thread {
    private final ChildJvm broker;
    volatile DemoRunner demo;
    volatile ChildJvm gateway;

    Stopper(ChildJvm broker) {
      super("sluice-up-stop");
      this.broker = broker;
    }

    @Override
    public void run() {
      stopDemo();
      stopGateway();
      broker.stop(STOP_GRACE);
    }

    void stopGateway() {
      ChildJvm g = gateway;
      if (g != null) {
        g.stop(STOP_GRACE);
      }
    }

    synchronized void stopDemo() {
      DemoRunner d = demo;
      demo = null;
      if (d != null) {
        d.close();
      }
    }
  }
}
