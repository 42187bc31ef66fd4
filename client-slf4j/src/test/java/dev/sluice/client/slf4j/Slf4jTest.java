package dev.sluice.client.slf4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.common.testing.JavaProcess;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import dev.sluice.testing.SluiceBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An app in a JVM of its own whose only SLF4J binding is sluice-client-slf4j logs into a real
 * broker, configured by the environment alone.
 */
class Slf4jTest {
  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure();

  @Test
  void levelsMdcRequestsKeyValuesStackTracesAndNothingLostOnSystemExit() throws Exception {
    try (JavaProcess app = JavaProcess.start(Slf4jApp.class.getName(), Map.of("SLUICE_APP",
        "app", "SLUICE_RUNNER", "r1", "SLUICE_TARGET", broker.target()))) {
      assertThat(app.awaitExit(Duration.ofSeconds(60))).isZero();
      // SLF4J found this provider and no other (it would say so on stderr).
      assertThat(app.output()).noneMatch(line -> line.contains("SLF4J"));
    }
    List<Record> lines = broker.storedLines("app.>");
    assertThat(lines).hasSize(5 + 1000);
    Map<String, Record> by = lines.stream()
        .collect(Collectors.toMap(r -> r.getMessage().lines().findFirst().orElse(""),
            Function.identity()));
    assertThat(by.get("hello world").getLevel()).isEqualTo(Level.INFO);
    assertThat(by.get("hello world").getFieldsMap()).containsEntry("logger", "app.Main")
        .containsEntry("thread", "main");
    Record scoped = by.get("inside the request");
    assertThat(scoped.getLevel()).isEqualTo(Level.WARN);
    assertThat(scoped.getSubject()).isEqualTo("app.r1.req-5");
    assertThat(scoped.getFieldsMap()).containsEntry("user", "u1")
        .doesNotContainKey("request_id");
    assertThat(by.get("with a key-value pair").getFieldsMap()).containsEntry("gpu", "a100");
    assertThat(by.get("with a key-value pair").getSubject()).isEqualTo("app.r1._");
    Record failed = by.get("it failed");
    assertThat(failed.getLevel()).isEqualTo(Level.ERROR);
    assertThat(failed.getMessage()).contains("java.lang.IllegalStateException: boom",
        "at dev.sluice.client.slf4j.Slf4jApp.main");
    assertThat(by).doesNotContainKey("below the level");
    assertThat(by.get("fluent call failed").getMessage())
        .contains("java.lang.IllegalArgumentException: bang");
    assertThat(lines.subList(5, lines.size())).extracting(Record::getMessage)
        .containsExactlyElementsOf(IntStream.range(0, 1000).mapToObj(i -> "burst " + i)
            .toList());
  }

  @Test
  void withoutAnAppItLogsToStderrAndSaysWhy() throws Exception {
    try (JavaProcess app = JavaProcess.start(Slf4jApp.class.getName(), Map.of("SLUICE_APP", "",
        "SLUICE_RUNNER", "r1", "SLUICE_TARGET", broker.target(), "SLUICE_LEVEL", "loud"))) {
      assertThat(app.awaitExit(Duration.ofSeconds(60))).isZero();
      // A level it cannot read does not stop the app: INFO, said once.
      assertThat(app.output()).contains("sluice-client-slf4j: sluice.level: 'loud' (expected: "
          + "TRACE, DEBUG, INFO, WARN or ERROR); using INFO");
      assertThat(app.output()).contains("sluice-client-slf4j: logging to stderr, not to Sluice: "
          + "app: not set (expected: -Dsluice.app or $SLUICE_APP)");
      assertThat(app.output()).anyMatch(line -> line.endsWith("INFO app.Main - hello world"));
    }
    assertThat(broker.storedLines("app.>")).isEmpty();
  }
}
