package dev.sluice.broker.ingest;

import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.subject.Subjects;
import dev.sluice.proto.v1.Hello;
import java.util.Set;

/** Validates a Hello; each message names the field and what was expected. */
final class HelloCheck {
  static final int MAX_TEXT = 256;
  static final Set<String> SOURCES = Set.of("run", "gateway", "deploy");

  private HelloCheck() {}

  static void check(Hello hello) {
    Subjects.token("hello.app", hello.getApp());
    Subjects.token("hello.runner", hello.getRunner());
    text("hello.app_id", hello.getAppId());
    text("hello.job", hello.getJob());
    text("hello.node", hello.getNode());
    text("hello.worker", hello.getWorker());
    text("hello.version", hello.getVersion());
    text("hello.isolate_source", hello.getIsolateSource());
    text("hello.session_id", hello.getSessionId());
    if (!hello.getSource().isEmpty() && !SOURCES.contains(hello.getSource())) {
      throw SluiceException.invalid("hello.source: '" + clip(hello.getSource())
          + "' (expected: one of run, gateway, deploy, or empty for run)");
    }
  }

  static void text(String field, String value) {
    if (value.length() > MAX_TEXT) {
      throw SluiceException.invalid(field + ": " + value.length()
          + " characters (expected: at most " + MAX_TEXT + ")");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw SluiceException.invalid(field + ": contains a control character at index " + i);
      }
    }
  }

  private static String clip(String value) {
    return value.length() > 32 ? value.substring(0, 32) + "..." : value;
  }
}
