package dev.sluice.client.slf4j;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * SLF4J 2's provider for Sluice: with {@code sluice-client-slf4j} as the app's one SLF4J
 * binding, {@code LoggerFactory.getLogger(...)} loggers send to the broker through one
 * {@link dev.sluice.client.runner.SluiceRunner}, configured by {@link Slf4jSettings}. Found by
 * SLF4J through {@code META-INF/services}; nothing else to set up.
 */
public final class SluiceServiceProvider implements SLF4JServiceProvider {
  /** The SLF4J API this provider is written against. */
  public static final String REQUESTED_API_VERSION = "2.0.99";

  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new BasicMDCAdapter();
  private volatile SluiceLoggerFactory loggers;

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return REQUESTED_API_VERSION;
  }

  @Override
  public void initialize() {
    loggers = new SluiceLoggerFactory(Slf4jSettings.fromEnvironment(), mdc);
  }
}
