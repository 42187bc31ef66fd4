package dev.sluice.common.config;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --config FILE} option, a picocli mixin of every command that reads
 * {@link ConfigDefaults}. {@link ConfigDefaults#parse} reads the file before the rest of the
 * command line, so that the command line can override what it says.
 */
public final class ConfigOption {
  @Option(names = ConfigDefaults.CONFIG_OPTION, paramLabel = "FILE",
      description = "A TOML file of settings: a [broker] and a [gateway] table, keys are the "
          + "long option names without dashes (grpc-port = 7400). The command line wins over "
          + "SLUICE_<COMMAND>_<OPTION> environment variables, which win over the file.")
  Path file;

  /** The file given, or null. */
  public Path file() {
    return file;
  }
}
