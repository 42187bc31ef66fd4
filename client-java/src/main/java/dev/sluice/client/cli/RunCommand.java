package dev.sluice.client.cli;

import dev.sluice.client.run.ProcessCapture;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.common.ByteSizes;
import dev.sluice.common.Durations;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice run -- CMD ARGS...}: a machine's init, capturing whatever CMD prints. */
@Command(name = "run", sortOptions = false, mixinStandardHelpOptions = true,
    versionProvider = SluiceCli.Version.class,
    description = {"Runs CMD and sends every line it prints to the broker: stdout as INFO and "
        + "stderr as ERROR, unless a line says its level (WARNING:, [error], E1206 ...) or is "
        + "a JSON object (its level, message or msg, request_id, trace_id, span_id, and the "
        + "rest as fields).",
        "CMD gets " + ProcessCapture.CONTROL_ENV + ", a Unix socket where it can say "
        + "'start REQUEST_ID [ENDPOINT [CALLER]]' and 'end REQUEST_ID [ok|error [MESSAGE]]': "
        + "the lines printed in between belong to that request.",
        "CMD reads sluice run's stdin. SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGWINCH go on to "
        + "CMD; sluice run exits with CMD's exit code (128 + the signal's number if "
        + "a signal ended it) once every line is sent."})
final class RunCommand implements Callable<Integer> {
  static final String APP_ENV = "SLUICE_APP";
  static final String RUNNER_ENV = "SLUICE_RUNNER";

  @Spec
  CommandSpec spec;

  @Option(names = "--app", paramLabel = "APP",
      description = "The app the lines belong to (default: $" + APP_ENV + ").")
  String app;

  @Option(names = "--runner", paramLabel = "RUNNER",
      description = "This runner's id (default: $" + RUNNER_ENV + ", else the host name).")
  String runner;

  @Option(names = "--source", paramLabel = "SOURCE", defaultValue = "run",
      description = "What the lines come from: run, gateway or deploy (default: "
          + "${DEFAULT-VALUE}).")
  String source;

  @Option(names = {"--broker", "--grpc"}, paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:7400", converter = HostPort.Converter.class,
      description = "Broker address (default: ${DEFAULT-VALUE}).")
  HostPort broker;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "A runner token (default: the " + TailCommand.TOKEN_ENV + " environment "
          + "variable; none for a broker started with --insecure).")
  String token;

  @Option(names = "--buffer-records", paramLabel = "N",
      description = "Lines held in memory while the broker is slow or unreachable; from half "
          + "of it on, lines wait in the spool on disk (default: "
          + SluiceRunner.DEFAULT_BUFFER_RECORDS + ").")
  Integer bufferRecords;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./.sluice",
      description = "The spool goes in DIR/spool, in a directory of this run's own, removed "
          + "at the end (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--spool-bytes", paramLabel = "SIZE", defaultValue = "256MiB",
      description = "Most the spool holds on disk; past it the oldest DEBUG and INFO lines go "
          + "first, and a line says how many (default: ${DEFAULT-VALUE}).")
  String spoolBytes;

  @Option(names = "--flush-timeout", paramLabel = "DURATION", defaultValue = "10s",
      description = "How long the end waits for the broker to store the last lines (default: "
          + "${DEFAULT-VALUE}).")
  String flushTimeout;

  @Option(names = "--tee",
      description = "Also copy CMD's output to this command's stdout and stderr, as it comes.")
  boolean tee;

  @Parameters(paramLabel = "CMD", arity = "1..*",
      description = "The command and its arguments: after '--', or from the first word "
          + "that is not an option of sluice run.")
  List<String> command;

  @Override
  public Integer call() throws InterruptedException {
    String appName = app != null ? app : System.getenv(APP_ENV);
    if (appName == null || appName.isBlank()) {
      return CommandErrors.usage(spec, "--app: missing (or set $" + APP_ENV + ")");
    }
    Duration flush;
    ProcessCapture.Spooling spooling;
    SluiceRunner.Builder builder = SluiceRunner.builder();
    try {
      flush = Durations.parse("--flush-timeout", flushTimeout);
      spooling = ProcessCapture.Spooling.under(dataDir,
          ByteSizes.parse("--spool-bytes", spoolBytes));
      builder.target(broker.toString()).app(appName).runner(runnerId()).source(source);
      String bearer = token != null ? token : System.getenv(TailCommand.TOKEN_ENV);
      if (bearer != null && !bearer.isBlank()) {
        builder.token(bearer.trim());
      }
      if (bufferRecords != null) {
        builder.bufferRecords(bufferRecords);
      }
    } catch (IllegalArgumentException e) {
      return CommandErrors.usage(spec, e.getMessage());
    }
    try {
      return new ProcessCapture(builder.build(), flush, tee, spooling).run(command);
    } catch (ProcessCapture.NotStarted e) {
      CommandErrors.failed(spec, e.getMessage());
      return e.exitCode();
    } catch (IOException e) {
      return CommandErrors.failed(spec, e.getMessage());
    }
  }

  private String runnerId() {
    if (runner != null) {
      return runner;
    }
    String env = System.getenv(RUNNER_ENV);
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    try {
      // A host name may hold dots, which a subject token may not.
      String host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_-]", "-");
      return host.isEmpty() ? "runner" : host.substring(0, Math.min(128, host.length()));
    } catch (IOException e) {
      return "runner";
    }
  }
}
