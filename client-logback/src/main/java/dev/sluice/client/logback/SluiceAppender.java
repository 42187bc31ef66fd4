package dev.sluice.client.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import dev.sluice.client.runner.LogEntry;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.proto.v1.Level;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * A Logback appender that sends each event to Sluice: its level, its formatted message (an
 * exception's stack trace in the same record), the MDC's entries and SLF4J 2's key-value pairs
 * as fields, the logger and thread. The MDC's {@code request_id} (or {@code requestId}) puts
 * the line in that request; {@code trace_id} and {@code span_id} (OpenTelemetry's Logback MDC
 * names) become the record's trace and span.
 *
 * <pre>{@code
 * <appender name="SLUICE" class="dev.sluice.client.logback.SluiceAppender">
 *   <app>my-app</app>            <!-- or $SLUICE_APP -->
 *   <runner>worker-1</runner>    <!-- or $SLUICE_RUNNER -->
 *   <target>127.0.0.1:7400</target>  <!-- or $SLUICE_TARGET -->
 *   <token>...</token>           <!-- or $SLUICE_TOKEN -->
 * </appender>
 * }</pre>
 *
 * <p>Logging never blocks on the broker (the runner's buffer is bounded). When the JVM exits,
 * after a normal shutdown or {@code System.exit}, the appender waits up to
 * {@code closeTimeout} (5 s) for the broker to store what is left.
 */
public class SluiceAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  private String app = System.getenv("SLUICE_APP");
  private String runner = System.getenv("SLUICE_RUNNER");
  private String target = env("SLUICE_TARGET", SluiceRunner.DEFAULT_TARGET);
  private String token = System.getenv("SLUICE_TOKEN");
  private Duration closeTimeout = Duration.ofSeconds(5);
  private volatile SluiceRunner sluice;
  private Thread shutdownHook;

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  public void setApp(String app) {
    this.app = app;
  }

  public void setRunner(String runner) {
    this.runner = runner;
  }

  public void setTarget(String target) {
    this.target = target;
  }

  public void setToken(String token) {
    this.token = token;
  }

  /** Milliseconds the end waits for the broker to store what is left. */
  public void setCloseTimeoutMillis(long millis) {
    this.closeTimeout = Duration.ofMillis(millis);
  }

  @Override
  public void start() {
    try {
      SluiceRunner.Builder b = SluiceRunner.builder().target(target).app(app).runner(runner)
          .closeTimeout(closeTimeout);
      if (token != null && !token.isBlank()) {
        b.token(token.trim());
      }
      sluice = b.build();
    } catch (RuntimeException e) {
      addError("Sluice appender not started: " + e.getMessage(), e);
      return;
    }
    // Logback stops appenders at exit only if configured to: make sure what was logged before
    // System.exit is stored.
    shutdownHook = new Thread(this::stop, "sluice-appender-exit");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    super.start();
  }

  @Override
  public void stop() {
    SluiceRunner r;
    synchronized (this) {
      r = sluice;
      sluice = null;
    }
    super.stop();
    if (r != null) {
      r.close(); // flushes, bounded by closeTimeout
    }
    Thread hook = shutdownHook;
    shutdownHook = null;
    if (hook != null && hook != Thread.currentThread()) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is exiting already: the hook runs (and finds nothing left to do).
      }
    }
  }

  @Override
  protected void append(ILoggingEvent event) {
    SluiceRunner r = sluice;
    if (r == null || LogEntry.fromTheSdk(event.getLoggerName())) {
      return;
    }
    Map<String, String> context = new LinkedHashMap<>(event.getMDCPropertyMap());
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair kv : event.getKeyValuePairs()) {
        context.put(kv.key, String.valueOf(kv.value));
      }
    }
    context.put("logger", event.getLoggerName());
    context.put("thread", event.getThreadName());
    String message = event.getFormattedMessage();
    if (event.getThrowableProxy() != null) {
      message = message + "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy());
    }
    java.time.Instant at = event.getInstant();
    r.log(LogEntry.fromContext(at.getEpochSecond() * 1_000_000_000L + at.getNano(),
        level(event.getLevel()), message, context));
  }

  static Level level(ch.qos.logback.classic.Level level) {
    return switch (level.toInt()) {
      case ch.qos.logback.classic.Level.ERROR_INT -> Level.ERROR;
      case ch.qos.logback.classic.Level.WARN_INT -> Level.WARN;
      case ch.qos.logback.classic.Level.INFO_INT -> Level.INFO;
      case ch.qos.logback.classic.Level.DEBUG_INT -> Level.DEBUG;
      default -> Level.TRACE;
    };
  }
}
