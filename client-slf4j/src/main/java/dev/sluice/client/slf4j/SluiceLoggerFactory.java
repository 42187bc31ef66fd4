package dev.sluice.client.slf4j;

import dev.sluice.client.runner.SluiceRunner;
import java.io.PrintStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.spi.MDCAdapter;

/**
 * One logger per name, all sending through one runner, which a shutdown hook closes (so what
 * was logged before {@code System.exit} is stored, within the close timeout). When the runner
 * cannot be made (no app or runner set, a bad value), every logger writes to stderr instead,
 * after one line that says why: logs are never dropped silently.
 *
 * <p>The runner is made at the first event, not when SLF4J initializes this provider: making
 * it loads gRPC and Netty, whose own logging during SLF4J's initialization SLF4J would hold
 * and replay, with a warning.
 */
final class SluiceLoggerFactory implements ILoggerFactory {
  private final ConcurrentMap<String, SluiceLogger> loggers = new ConcurrentHashMap<>();
  private final Slf4jSettings settings;
  private final MDCAdapter mdc;
  private final PrintStream stderr = System.err;
  private final Object making = new Object();
  private volatile boolean made;
  private volatile SluiceRunner runner; // null when it could not be made: stderr

  SluiceLoggerFactory(Slf4jSettings settings, MDCAdapter mdc) {
    this.settings = settings;
    this.mdc = mdc;
  }

  /** The runner, made at the first call; null if it cannot be (then stderr). */
  SluiceRunner runner() {
    if (made) {
      return runner;
    }
    synchronized (making) {
      if (!made) {
        try {
          SluiceRunner r = settings.newRunner();
          try {
            Runtime.getRuntime().addShutdownHook(new Thread(r::close, "sluice-slf4j-exit"));
          } catch (IllegalStateException exiting) {
            r.close(); // the JVM is exiting already: nothing would close it
            throw new IllegalStateException("the JVM is shutting down");
          }
          runner = r;
        } catch (RuntimeException e) {
          stderr.println("sluice-client-slf4j: logging to stderr, not to Sluice: "
              + e.getMessage());
        }
        made = true;
      }
      return runner;
    }
  }

  @Override
  public Logger getLogger(String name) {
    return loggers.computeIfAbsent(name, n -> new SluiceLogger(n, settings.level(), this,
        mdc, stderr));
  }
}
