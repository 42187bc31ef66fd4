package dev.sluice.client.logback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.common.testing.JavaProcess;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import dev.sluice.testing.SluiceBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A Logback app in a JVM of its own logs through SluiceAppender into a real broker. */
class LogbackTest {
  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure();

  @TempDir
  Path dir;

  @Test
  void levelsMdcRequestsStackTracesAndNothingLostOnSystemExit() throws Exception {
    Path config = dir.resolve("logback.xml");
    Files.writeString(config, """
        <configuration>
          <appender name="SLUICE" class="dev.sluice.client.logback.SluiceAppender">
            <app>app</app>
            <runner>r1</runner>
            <target>%s</target>
          </appender>
          <root level="INFO"><appender-ref ref="SLUICE"/></root>
        </configuration>
        """.formatted(broker.target()));
    try (JavaProcess app = JavaProcess.start(LogbackApp.class.getName(), Map.of(),
        config.toString())) {
      assertThat(app.awaitExit(Duration.ofSeconds(60))).isZero();
    }
    List<Record> lines = broker.storedLines("app.>");
    assertThat(lines).hasSize(4 + 1000);
    Map<String, Record> by = lines.stream()
        .collect(Collectors.toMap(r -> r.getMessage().lines().findFirst().orElse(""),
            Function.identity()));
    assertThat(by.get("hello world").getLevel()).isEqualTo(Level.INFO);
    assertThat(by.get("hello world").getFieldsMap()).containsEntry("logger", "app.Main")
        .containsEntry("thread", "main");
    Record scoped = by.get("inside the request");
    assertThat(scoped.getLevel()).isEqualTo(Level.WARN);
    assertThat(scoped.getSubject()).isEqualTo("app.r1.req-5");
    assertThat(scoped.getFieldsMap()).containsEntry("user", "u1").doesNotContainKey(
        "request_id");
    assertThat(by.get("with a key-value pair").getFieldsMap()).containsEntry("gpu", "a100");
    assertThat(by.get("with a key-value pair").getSubject()).isEqualTo("app.r1._");
    Record failed = by.get("it failed");
    assertThat(failed.getLevel()).isEqualTo(Level.ERROR);
    assertThat(failed.getMessage()).contains("java.lang.IllegalStateException: boom",
        "at dev.sluice.client.logback.LogbackApp.main");
    assertThat(by).doesNotContainKey("below the level");
    assertThat(lines.subList(4, lines.size())).extracting(Record::getMessage)
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 1000)
            .mapToObj(i -> "burst " + i).toList());
  }
}
