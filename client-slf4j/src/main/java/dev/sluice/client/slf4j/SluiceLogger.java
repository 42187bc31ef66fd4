package dev.sluice.client.slf4j;

import dev.sluice.client.runner.LogEntry;
import dev.sluice.client.runner.SluiceRunner;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NormalizedParameters;
import org.slf4j.spi.LoggingEventAware;
import org.slf4j.spi.MDCAdapter;

/**
 * One SLF4J logger: at or above the threshold, an event becomes one record with its level,
 * its formatted message (an exception's stack trace in the same record), the MDC's entries and
 * the event's key-value pairs as fields, the logger and thread; the MDC's {@code request_id}
 * puts it in that request, {@code trace_id}/{@code span_id} become its trace and span
 * ({@link LogEntry#fromContext}). The SDK's and its transport's own loggers stay local
 * (stderr, WARN and above): sent through the SDK they would feed themselves. Without a runner
 * (see {@link SluiceLoggerFactory}) every event at or above the threshold goes to stderr.
 */
final class SluiceLogger extends AbstractLogger implements LoggingEventAware {
  private final Level threshold;
  private final SluiceLoggerFactory factory;
  private final MDCAdapter mdc;
  private final PrintStream stderr;
  private final boolean sdk;

  SluiceLogger(String name, Level threshold, SluiceLoggerFactory factory, MDCAdapter mdc,
      PrintStream stderr) {
    this.name = name;
    this.threshold = threshold;
    this.factory = factory;
    this.mdc = mdc;
    this.stderr = stderr;
    this.sdk = LogEntry.fromTheSdk(name);
  }

  private boolean enabled(Level level) {
    return level.toInt() >= (sdk ? Math.max(threshold.toInt(), Level.WARN.toInt())
        : threshold.toInt());
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isTraceEnabled(Marker marker) {
    return isTraceEnabled();
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isDebugEnabled(Marker marker) {
    return isDebugEnabled();
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isInfoEnabled(Marker marker) {
    return isInfoEnabled();
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isWarnEnabled(Marker marker) {
    return isWarnEnabled();
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  public boolean isErrorEnabled(Marker marker) {
    return isErrorEnabled();
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  /** The classic calls ({@code log.info("x {}", y)}). */
  @Override
  protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern,
      Object[] arguments, Throwable throwable) {
    emit(level, MessageFormatter.basicArrayFormat(pattern, arguments), throwable, null,
        System.currentTimeMillis() * 1_000_000L, Thread.currentThread().getName());
  }

  /** The fluent calls ({@code log.atInfo().addKeyValue(...).log(...)}), with their pairs. */
  @Override
  public void log(LoggingEvent event) {
    if (!enabled(event.getLevel())) {
      return;
    }
    // A trailing exception among the arguments is the event's throwable, as in the classic
    // calls: normalized, so log.atError().log("x {}", id, e) keeps e.
    NormalizedParameters p = NormalizedParameters.normalize(event);
    String message = MessageFormatter.basicArrayFormat(p.getMessage(), p.getArguments());
    long time = event.getTimeStamp() > 0 ? event.getTimeStamp() * 1_000_000L
        : System.currentTimeMillis() * 1_000_000L;
    emit(event.getLevel(), message, p.getThrowable(), event.getKeyValuePairs(), time,
        event.getThreadName() != null ? event.getThreadName() : Thread.currentThread().getName());
  }

  private void emit(Level level, String message, Throwable throwable,
      java.util.List<KeyValuePair> pairs, long timeUnixNano, String thread) {
    String text = message == null ? "null" : message;
    if (throwable != null) {
      StringWriter trace = new StringWriter();
      throwable.printStackTrace(new PrintWriter(trace));
      text = text + "\n" + trace.toString().stripTrailing();
    }
    SluiceRunner runner = sdk ? null : factory.runner();
    if (runner == null) {
      stderr.println(Instant.now() + " " + level + " " + name + " - " + text);
      return;
    }
    Map<String, String> context = new LinkedHashMap<>();
    Map<String, String> copy = mdc.getCopyOfContextMap();
    if (copy != null) {
      context.putAll(copy);
    }
    if (pairs != null) {
      for (KeyValuePair kv : pairs) {
        context.put(kv.key, String.valueOf(kv.value));
      }
    }
    context.put("logger", name);
    context.put("thread", thread);
    runner.log(LogEntry.fromContext(timeUnixNano, level(level), text, context));
  }

  static dev.sluice.proto.v1.Level level(Level level) {
    return switch (level) {
      case ERROR -> dev.sluice.proto.v1.Level.ERROR;
      case WARN -> dev.sluice.proto.v1.Level.WARN;
      case INFO -> dev.sluice.proto.v1.Level.INFO;
      case DEBUG -> dev.sluice.proto.v1.Level.DEBUG;
      case TRACE -> dev.sluice.proto.v1.Level.TRACE;
    };
  }
}
