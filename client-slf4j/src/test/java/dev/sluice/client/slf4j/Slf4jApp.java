package dev.sluice.client.slf4j;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * An app that logs through SLF4J with Sluice as its provider, then calls System.exit: run by
 * Slf4jTest.
 */
public final class Slf4jApp {
  private Slf4jApp() {}

  public static void main(String[] args) {
    Logger log = LoggerFactory.getLogger("app.Main");
    log.info("hello {}", "world");
    MDC.put("request_id", "req-5");
    MDC.put("user", "u1");
    log.warn("inside the request");
    MDC.clear();
    log.atInfo().addKeyValue("gpu", "a100").log("with a key-value pair");
    log.debug("below the level");
    log.error("it failed", new IllegalStateException("boom"));
    log.atError().log("fluent {} failed", "call", new IllegalArgumentException("bang"));
    for (int i = 0; i < 1000; i++) {
      log.info("burst {}", i);
    }
    System.exit(0); // what was logged must still be stored
  }
}
