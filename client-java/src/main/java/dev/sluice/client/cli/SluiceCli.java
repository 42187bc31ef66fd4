package dev.sluice.client.cli;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code sluice} command line: {@code sluice up} runs a broker, {@code sluice tail} follows
 * its logs.
 *
 * <pre>
 * ./sluice up --demo
 * ./sluice tail 'demo-model.>' --level warn
 * </pre>
 */
@Command(name = "sluice", mixinStandardHelpOptions = true,
    versionProvider = SluiceCli.Version.class,
    description = "Sluice, a reactive gRPC log broker: run it and tail its logs.",
    subcommands = {UpCommand.class, BrokerCommand.class, GatewayCommand.class,
        RunCommand.class, TailCommand.class, KeysCommand.class, TokenCommand.class, LogsCommand.class,
        DrainsCommand.class, CommandLine.HelpCommand.class})
public final class SluiceCli implements Runnable {
  /** Set by the {@code ./sluice} launcher to the path it was run as, for hints we print. */
  static final String PROG_ENV = "SLUICE_PROG";

  @Spec
  CommandSpec spec;

  SluiceCli() {}

  public static void main(String[] args) {
    // Buffered, not flushed per line: `tail` prints bursts of records and flushes whenever it
    // has caught up, which is far cheaper than a write per line.
    PrintWriter out = new PrintWriter(new BufferedWriter(
        new OutputStreamWriter(System.out, StandardCharsets.UTF_8)), false);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8),
        true);
    int code = commandLine(out, err).execute(args);
    out.flush();
    System.exit(code);
  }

  /** The command line, writing to {@code out} and {@code err}. */
  static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new SluiceCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(new ShortErrors());
    // sluice run python3 app.py -v: the first word that is not an option starts the command,
    // whose own options are then its own, as with env, nice or docker run.
    cli.getSubcommands().get("run").setStopAtPositional(true);
    // An argument "@file" is an argument, not the file's contents (curl -d @body.json, a grep
    // for @user): picocli would read the file in its place, after "--" too.
    cli.setExpandAtFiles(false);
    return cli;
  }

  /** Without a subcommand: show what there is. */
  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** How hints name the command: {@code ./sluice} when run through the launcher. */
  static String programName() {
    String prog = System.getenv(PROG_ENV);
    return prog == null || prog.isBlank() ? "sluice" : prog;
  }

  /** One line naming the mistake and where help is, instead of the whole usage text. */
  private static final class ShortErrors implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException e, String[] args) {
      CommandLine cmd = e.getCommandLine();
      CommandErrors.printUsage(cmd.getErr(), cmd.getCommandSpec().qualifiedName(),
          e.getMessage());
      return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }
  }

  /** The version from the jar's manifest, when there is one. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = SluiceCli.class.getPackage().getImplementationVersion();
      return new String[] {"sluice " + (version == null ? "(development build)" : version)};
    }
  }
}
