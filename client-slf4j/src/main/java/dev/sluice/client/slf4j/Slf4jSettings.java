package dev.sluice.client.slf4j;

import dev.sluice.client.runner.SluiceRunner;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.event.Level;

/**
 * Where the provider sends and from which level: each setting a system property, else an
 * environment variable, else a default.
 *
 * @param app {@code sluice.app} / {@code SLUICE_APP}; none: logs go to stderr instead
 * @param runner {@code sluice.runner} / {@code SLUICE_RUNNER}
 * @param target {@code sluice.target} / {@code SLUICE_TARGET}, else 127.0.0.1:7400
 * @param token {@code sluice.token} / {@code SLUICE_TOKEN}, or none
 * @param level {@code sluice.level} / {@code SLUICE_LEVEL}: TRACE, DEBUG, INFO (default), WARN,
 *     ERROR
 * @param closeTimeout how long the JVM's exit waits for the broker to store what is left (5 s)
 */
record Slf4jSettings(String app, String runner, String target, String token, Level level,
    Duration closeTimeout) {
  Slf4jSettings {
    if (level == null) {
      throw new IllegalArgumentException("level: missing");
    }
  }

  /**
   * From system properties and the environment. A level it cannot read is INFO, said once on
   * stderr: a logging setting must not stop the app (SLF4J fails every getLogger after a
   * provider that throws).
   */
  static Slf4jSettings fromEnvironment() {
    Function<String, String> read = name -> {
      String property = System.getProperty("sluice." + name);
      return property != null ? property
          : System.getenv("SLUICE_" + name.toUpperCase(Locale.ROOT));
    };
    try {
      return from(read);
    } catch (IllegalArgumentException e) {
      System.err.println("sluice-client-slf4j: " + e.getMessage() + "; using INFO");
      return from(name -> name.equals("level") ? null : read.apply(name));
    }
  }

  /** From {@code read}, which answers a setting's name (app, runner, ...) or null. */
  static Slf4jSettings from(Function<String, String> read) {
    String level = read.apply("level");
    Level threshold;
    try {
      threshold = level == null || level.isBlank() ? Level.INFO
          : Level.valueOf(level.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("sluice.level: '" + level
          + "' (expected: TRACE, DEBUG, INFO, WARN or ERROR)");
    }
    return new Slf4jSettings(blankToNull(read.apply("app")), blankToNull(read.apply("runner")),
        blankToNull(read.apply("target")), blankToNull(read.apply("token")), threshold,
        Duration.ofSeconds(5));
  }

  /** The runner these settings describe; throws naming a bad setting. */
  SluiceRunner newRunner() {
    if (app == null || runner == null) {
      throw new IllegalArgumentException((app == null ? "app" : "runner") + ": not set "
          + "(expected: -Dsluice." + (app == null ? "app" : "runner") + " or $SLUICE_"
          + (app == null ? "APP" : "RUNNER") + ")");
    }
    SluiceRunner.Builder b = SluiceRunner.builder().app(app).runner(runner)
        .closeTimeout(closeTimeout)
        .target(target != null ? target : SluiceRunner.DEFAULT_TARGET);
    if (token != null) {
      b.token(token.trim());
    }
    return b.build();
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
