package dev.sluice.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
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
 *
 * <p>Every setting of either child is reachable from here: both get {@code --config FILE}
 * (the broker reads its {@code [broker]} table, the gateway its {@code [gateway]} table) and
 * inherit the environment ({@code SLUICE_BROKER_*}, {@code SLUICE_GATEWAY_*}). Where they
 * listen and keep data is read from the same places when {@code up}'s own flags do not say
 * ({@link UpSettings}).
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

  @Option(names = "--grpc", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
      description = "Address of the broker's gRPC server (default: the broker's grpc-host and "
          + "grpc-port from the environment or --config, else 127.0.0.1:7400).")
  HostPort grpcFlag;

  @Option(names = "--http", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
      description = "Address of the HTTP gateway, when it is installed (default: the gateway's "
          + "http-host and http-port from the environment or --config, else 127.0.0.1:7480).")
  HostPort httpFlag;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "The broker's data directory (default: the broker's data-dir from the "
          + "environment or --config, else ./.sluice).")
  String dataDirFlag;

  @Option(names = "--config", paramLabel = "FILE",
      description = "A TOML file of settings for both children: its [broker] table for the "
          + "broker, its [gateway] table for the gateway (keys: their long options without "
          + "dashes). SLUICE_BROKER_* and SLUICE_GATEWAY_* variables reach them too.")
  Path config;

  @Option(names = "--demo", description = "Also run a synthetic inference app, demo-model.")
  boolean demo;

  @Option(names = "--insecure",
      description = "Run without authentication: everyone may do everything. Never where "
          + "others can connect.")
  boolean insecureFlag;

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
    UpSettings settings;
    try {
      settings = UpSettings.resolve(grpcFlag, httpFlag, dataDirFlag, insecureFlag, config,
          System.getenv());
    } catch (IllegalArgumentException e) {
      err.println("sluice up: " + e.getMessage());
      err.flush();
      return 2;
    }
    HostPort grpc = settings.grpc();
    HostPort http = settings.http();
    String dataDir = settings.dataDir();
    boolean insecure = settings.insecure();
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
    ChildJvm broker = ChildJvm.start("broker", BROKER_MAIN, settings.brokerArgs(insecureFlag));
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
      ChildJvm gateway = ChildJvm.start("gateway", GATEWAY_MAIN,
          settings.gatewayArgs(dir.resolve(SESSION_KEY_FILE)));
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
    String scheme = settings.tls() ? "https" : "http";
    out.printf("Sluice is up: broker gRPC on %s%s, data in %s%n", grpc,
        withGateway ? ", gateway " + scheme.toUpperCase(Locale.ROOT) + " on " + http
            + " (health: " + scheme + "://" + http + "/healthz)" : "", dataDir);
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
    out.printf("Tail everything:  %s tail '>'%s%n", prog, target(grpc, " --grpc "));
    if (withGateway) {
      out.printf("In a browser:     %s://%s/%s%n", scheme, http,
          insecure ? "" : " (sign in with the admin token)");
    }
    if (demo) {
      stopper.demo = DemoRunner.start(grpc.toString(), runnerToken);
      out.printf("Demo app logging: %s tail '%s.>'%s%n", prog, DemoRunner.APP,
          target(grpc, " --grpc "));
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

  private static String target(HostPort grpc, String flag) {
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
