package dev.sluice.client.logback;

import dev.sluice.testing.Slf4jScenario;

/** The SLF4J scenario with Logback configured from {@code args[0]}: run by LogbackTest. */
public final class LogbackApp {
  private LogbackApp() {}

  public static void main(String[] args) {
    System.setProperty("logback.configurationFile", args[0]);
    Slf4jScenario.main(args);
  }
}
