package dev.sluice.client.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;

/**
 * How a command says it failed, the same way in every command: a usage error (exit 2) names
 * the mistake and where help is; a refusal (exit 1) is one sentence a person can act on,
 * printed after whatever the command printed before it.
 */
final class CommandErrors {
  /** Exit status when the broker refused, could not be reached, or the command failed. */
  static final int FAILED = 1;
  /** Exit status of bad options. */
  static final int USAGE = 2;

  private CommandErrors() {}

  /** Says what is wrong with the options of {@code spec}'s command; returns {@link #USAGE}. */
  static int usage(CommandSpec spec, String message) {
    printUsage(spec.commandLine().getErr(), spec.qualifiedName(), message);
    return USAGE;
  }

  /** {@code NAME: message} and where help is, instead of the whole usage text. */
  static void printUsage(PrintWriter err, String name, String message) {
    err.println(name + ": " + message);
    err.println("Try '" + name + " --help' for more information.");
    err.flush();
  }

  /** Flushes stdout, then says on stderr why the command failed; returns {@link #FAILED}. */
  static int failed(CommandSpec spec, String why) {
    spec.commandLine().getOut().flush();
    PrintWriter err = spec.commandLine().getErr();
    err.println(spec.qualifiedName() + ": " + why);
    err.flush();
    return FAILED;
  }
}
