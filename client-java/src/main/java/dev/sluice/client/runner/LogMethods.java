package dev.sluice.client.runner;

import dev.sluice.proto.v1.Level;
import java.util.Map;

/** The level methods shared by {@link SluiceRunner} and {@link RequestScope}. */
abstract class LogMethods {
  /** Logs {@code message} with {@code fields} (may be empty) at {@code level}. */
  abstract void log(Level level, String message, Map<String, String> fields);

  /** Logs at DEBUG. */
  public final void debug(String message) {
    log(Level.DEBUG, message, Map.of());
  }

  /** Logs at DEBUG with structured fields. */
  public final void debug(String message, Map<String, String> fields) {
    log(Level.DEBUG, message, fields);
  }

  /** Logs at INFO. */
  public final void info(String message) {
    log(Level.INFO, message, Map.of());
  }

  /** Logs at INFO with structured fields. */
  public final void info(String message, Map<String, String> fields) {
    log(Level.INFO, message, fields);
  }

  /** Logs at WARN. */
  public final void warn(String message) {
    log(Level.WARN, message, Map.of());
  }

  /** Logs at WARN with structured fields. */
  public final void warn(String message, Map<String, String> fields) {
    log(Level.WARN, message, fields);
  }

  /** Logs at ERROR. */
  public final void error(String message) {
    log(Level.ERROR, message, Map.of());
  }

  /** Logs at ERROR with structured fields. */
  public final void error(String message, Map<String, String> fields) {
    log(Level.ERROR, message, fields);
  }

  /** Logs at FATAL. */
  public final void fatal(String message) {
    log(Level.FATAL, message, Map.of());
  }

  /** Logs at FATAL with structured fields. */
  public final void fatal(String message, Map<String, String> fields) {
    log(Level.FATAL, message, fields);
  }
}
