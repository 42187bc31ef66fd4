package dev.sluice.client.jul;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.common.testing.JavaProcess;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import dev.sluice.testing.SluiceBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A java.util.logging app in a JVM of its own logs through SluiceHandler into a broker. */
class JulTest {
  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure();

  @Test
  void levelsStackTracesAndNothingLostOnSystemExit() throws Exception {
    try (JavaProcess app = JavaProcess.start(JulApp.class.getName(), Map.of(),
        broker.target())) {
      assertThat(app.awaitExit(Duration.ofSeconds(60))).isZero();
    }
    List<Record> lines = broker.storedLines("app.>");
    assertThat(lines).hasSize(3 + 1000);
    assertThat(lines.get(0).getMessage()).isEqualTo("hello");
    assertThat(lines.get(0).getLevel()).isEqualTo(Level.INFO);
    assertThat(lines.get(0).getFieldsMap()).containsEntry("logger", "app.Main");
    assertThat(lines.get(1).getMessage()).isEqualTo("slow step 3");
    assertThat(lines.get(1).getLevel()).isEqualTo(Level.WARN);
    assertThat(lines.get(2).getLevel()).isEqualTo(Level.ERROR);
    assertThat(lines.get(2).getMessage()).startsWith("it failed\n")
        .contains("java.lang.IllegalStateException: boom", "at dev.sluice.client.jul.JulApp");
    assertThat(lines.subList(3, lines.size())).extracting(Record::getMessage)
        .containsExactlyElementsOf(IntStream.range(0, 1000).mapToObj(i -> "burst " + i)
            .toList());
  }

  @Test
  void levelsMapOntoSluicesLevels() {
    assertThat(SluiceHandler.level(java.util.logging.Level.SEVERE)).isEqualTo(Level.ERROR);
    assertThat(SluiceHandler.level(java.util.logging.Level.WARNING)).isEqualTo(Level.WARN);
    assertThat(SluiceHandler.level(java.util.logging.Level.INFO)).isEqualTo(Level.INFO);
    assertThat(SluiceHandler.level(java.util.logging.Level.CONFIG)).isEqualTo(Level.DEBUG);
    assertThat(SluiceHandler.level(java.util.logging.Level.FINE)).isEqualTo(Level.DEBUG);
    assertThat(SluiceHandler.level(java.util.logging.Level.FINEST)).isEqualTo(Level.TRACE);
  }
}
