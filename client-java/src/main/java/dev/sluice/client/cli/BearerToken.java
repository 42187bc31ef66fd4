package dev.sluice.client.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which access token a reading command sends, in the order {@code sluice tail} uses: the
 * {@code --token} option, else {@code $SLUICE_TOKEN}, else the admin token {@code sluice up}
 * wrote to {@code ./.sluice/admin.token}.
 */
final class BearerToken {
  private BearerToken() {}

  /** The token to send; null when there is none (the broker then says one is missing). */
  static String resolve(String option) {
    if (option != null) {
      return option;
    }
    String env = System.getenv(TailCommand.TOKEN_ENV);
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    Path file = Path.of(TailCommand.DEFAULT_TOKEN_FILE);
    try {
      return Files.isReadable(file) ? Files.readString(file).trim() : null;
    } catch (IOException e) {
      return null; // unreadable: the broker will say that a token is missing
    }
  }
}
