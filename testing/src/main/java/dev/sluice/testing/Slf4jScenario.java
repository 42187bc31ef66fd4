package dev.sluice.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What an app logs through SLF4J, whichever binding sends it to Sluice (the Logback appender,
 * the SLF4J provider), and what the broker must then hold: one contract, checked the same way
 * for each binding. {@link #main} runs in a JVM of its own and ends with {@code System.exit}.
 */
public final class Slf4jScenario {
  /** Lines the scenario stores: five events, then a burst. */
  public static final int EVENTS = 5;
  public static final int BURST = 1_000;

  private Slf4jScenario() {}

  /** Logs the scenario (app {@code app}, runner {@code r1}, INFO and above), then exits. */
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
    for (int i = 0; i < BURST; i++) {
      log.info("burst {}", i);
    }
    System.exit(0); // what was logged must still be stored
  }

  /** Checks {@code lines} (the broker's lines of app {@code app}, oldest first). */
  public static void checkStored(List<Record> lines) {
    assertEquals(EVENTS + BURST, lines.size(), "lines stored");
    Map<String, Record> by = lines.stream()
        .collect(Collectors.toMap(r -> r.getMessage().lines().findFirst().orElse(""),
            Function.identity()));
    Record hello = by.get("hello world");
    assertEquals(Level.INFO, hello.getLevel());
    assertEquals("app.Main", hello.getFieldsMap().get("logger"));
    assertEquals("main", hello.getFieldsMap().get("thread"));
    Record scoped = by.get("inside the request");
    assertEquals(Level.WARN, scoped.getLevel());
    assertEquals("app.r1.req-5", scoped.getSubject(), "the MDC's request_id scopes the line");
    assertEquals("u1", scoped.getFieldsMap().get("user"));
    assertFalse(scoped.getFieldsMap().containsKey("request_id"));
    Record pair = by.get("with a key-value pair");
    assertEquals("a100", pair.getFieldsMap().get("gpu"));
    assertEquals("app.r1._", pair.getSubject());
    Record failed = by.get("it failed");
    assertEquals(Level.ERROR, failed.getLevel());
    assertTrue(failed.getMessage().contains("java.lang.IllegalStateException: boom")
        && failed.getMessage().contains("at " + Slf4jScenario.class.getName() + ".main"),
        "the stack trace is in the record: " + failed.getMessage());
    assertTrue(by.get("fluent call failed").getMessage()
        .contains("java.lang.IllegalArgumentException: bang"), "a fluent call's exception");
    assertFalse(by.containsKey("below the level"));
    for (int i = 0; i < BURST; i++) {
      assertEquals("burst " + i, lines.get(EVENTS + i).getMessage(), "the burst, in order");
    }
  }
}
