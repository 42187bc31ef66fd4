package dev.sluice.client.logback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.common.testing.JavaProcess;
import dev.sluice.testing.Slf4jScenario;
import dev.sluice.testing.SluiceBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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
    Slf4jScenario.checkStored(broker.storedLines("app.>"));
  }
}
