package dev.sluice.client.cli;

import dev.sluice.proto.v1.Level;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The options {@code sluice tail} and {@code sluice logs} share, declared once so that their
 * names, help and checks cannot drift apart. Each is a picocli mixin of its own: a command
 * mixes them in where it lists them (picocli shows a mixin's options at its place among the
 * command's own).
 */
final class ReadOptions {
  private ReadOptions() {}

  /** {@code SUBJECT}, checked on the client so a typo is reported before connecting. */
  static final class Subject {
    @Parameters(index = "0", paramLabel = "SUBJECT", converter = TailCommand.FilterConverter.class,
        description = "Subject filter <app>.<runner>.<request> with NATS wildcards: '*' is one "
            + "token, '>' the rest. Examples: '>', 'demo-model.>', '*.runner-1.*'.")
    String filter;
  }

  /** {@code --level}: the least level printed. */
  static final class MinLevel {
    @Option(names = "--level", paramLabel = "LEVEL", converter = TailCommand.LevelConverter.class,
        description = "Minimum level: trace, debug, info, warn, error or fatal.")
    Level level;
  }

  /** {@code --json}: records as JSON lines instead of for people. */
  static final class Format {
    @Option(names = "--json", description = "Print one JSON object per record.")
    boolean json;

    RecordFormat format() {
      return json ? RecordFormat.JSON : RecordFormat.HUMAN;
    }
  }

  /** {@code --token}; see {@link BearerToken} for what is sent without it. */
  static final class Token {
    @Option(names = "--token", paramLabel = "TOKEN",
        description = "Access token (default: the " + TailCommand.TOKEN_ENV + " environment "
            + "variable, else the admin token `sluice up` wrote to "
            + TailCommand.DEFAULT_TOKEN_FILE + ").")
    String token;

    /** The token to send; null when there is none. */
    String bearer() {
      return BearerToken.resolve(token);
    }
  }
}
