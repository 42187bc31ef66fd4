package dev.sluice.client.jul;

import dev.sluice.client.runner.LogEntry;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Stream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * A {@code java.util.logging} handler that sends each record to Sluice: SEVERE is ERROR,
 * WARNING is WARN, INFO is INFO, CONFIG and FINE are DEBUG, FINER and FINEST are TRACE; the
 * logger's name and the thread are fields; an exception's stack trace stays in the record's
 * message. A line logged inside a {@link dev.sluice.client.runner.RequestScope} goes to the
 * runner's only open request, as with the SDK.
 *
 * <p>In {@code logging.properties}:
 *
 * <pre>
 * handlers = dev.sluice.client.jul.SluiceHandler
 * dev.sluice.client.jul.SluiceHandler.app = my-app
 * dev.sluice.client.jul.SluiceHandler.runner = worker-1
 * dev.sluice.client.jul.SluiceHandler.target = 127.0.0.1:7400
 * dev.sluice.client.jul.SluiceHandler.token = ...   (or $SLUICE_TOKEN)
 * </pre>
 *
 * <p>{@code app} and {@code runner} also come from {@code $SLUICE_APP} and
 * {@code $SLUICE_RUNNER}. Closing the handler (the log manager does at JVM exit, after a
 * normal shutdown or {@code System.exit}) waits up to five seconds for the broker to store what
 * is left.
 */
public final class SluiceHandler extends Handler {
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private final SluiceRunner runner;
  private final boolean owned;
  private final Formatter messages = new SimpleFormatter();

  /** Configured from the log manager's properties (see the class comment). */
  public SluiceHandler() {
    this(fromProperties(), true);
  }

  /** Sends through {@code runner}, which the caller keeps and closes. */
  public SluiceHandler(SluiceRunner runner) {
    this(runner, false);
  }

  private SluiceHandler(SluiceRunner runner, boolean owned) {
    this.runner = runner;
    this.owned = owned;
    String level = property("level", null);
    if (level != null) {
      setLevel(java.util.logging.Level.parse(level.trim()));
    }
  }

  private static SluiceRunner fromProperties() {
    SluiceRunner.Builder b = SluiceRunner.builder()
        .target(property("target", SluiceRunner.DEFAULT_TARGET))
        .app(property("app", System.getenv("SLUICE_APP")))
        .runner(property("runner", System.getenv("SLUICE_RUNNER")));
    String token = property("token", System.getenv("SLUICE_TOKEN"));
    if (token != null && !token.isBlank()) {
      b.token(token.trim());
    }
    return b.build();
  }

  private static String property(String name, String fallback) {
    String value = LogManager.getLogManager()
        .getProperty(SluiceHandler.class.getName() + "." + name);
    return value != null ? value : fallback;
  }

  @Override
  public void publish(LogRecord record) {
    if (record == null || !isLoggable(record) || LogEntry.fromTheSdk(record.getLoggerName())) {
      return;
    }
    try {
      Map<String, String> fields = new LinkedHashMap<>(4);
      if (record.getLoggerName() != null) {
        fields.put("logger", record.getLoggerName());
      }
      fields.put("thread", Thread.currentThread().getName());
      runner.log(new LogEntry(record.getInstant().getEpochSecond() * 1_000_000_000L
          + record.getInstant().getNano(), level(record.getLevel()), Stream.STRUCTURED,
          message(record), fields, "", "", ""));
    } catch (RuntimeException e) {
      reportError("sluice: could not send a record", e, ErrorManager.WRITE_FAILURE);
    }
  }

  private String message(LogRecord record) {
    String text = messages.formatMessage(record);
    Throwable thrown = record.getThrown();
    if (thrown == null) {
      return text;
    }
    StringWriter trace = new StringWriter();
    thrown.printStackTrace(new PrintWriter(trace));
    return text + "\n" + trace.toString().stripTrailing();
  }

  static Level level(java.util.logging.Level level) {
    int v = level.intValue();
    if (v >= java.util.logging.Level.SEVERE.intValue()) {
      return Level.ERROR;
    }
    if (v >= java.util.logging.Level.WARNING.intValue()) {
      return Level.WARN;
    }
    if (v >= java.util.logging.Level.INFO.intValue()) {
      return Level.INFO;
    }
    if (v >= java.util.logging.Level.FINE.intValue()) {
      return Level.DEBUG;
    }
    return Level.TRACE;
  }

  @Override
  public void flush() {
    runner.flush(CLOSE_WAIT);
  }

  @Override
  public void close() {
    if (owned) {
      runner.close(); // flushes first, bounded by the runner's close timeout
    } else {
      runner.flush(CLOSE_WAIT);
    }
  }
}
