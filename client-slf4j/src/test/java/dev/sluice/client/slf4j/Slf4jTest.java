package dev.sluice.client.slf4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.common.testing.JavaProcess;
import dev.sluice.testing.Slf4jScenario;
import dev.sluice.testing.SluiceBroker;
import java.time.Duration;
import java.util.Map;
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
    try (JavaProcess app = JavaProcess.start(Slf4jScenario.class.getName(), Map.of("SLUICE_APP",
        "app", "SLUICE_RUNNER", "r1", "SLUICE_TARGET", broker.target()))) {
      assertThat(app.awaitExit(Duration.ofSeconds(60))).isZero();
      // SLF4J found this provider and no other (it would say so on stderr).
      assertThat(app.output()).noneMatch(line -> line.contains("SLF4J"));
    }
    Slf4jScenario.checkStored(broker.storedLines("app.>"));
  }

  @Test
  void withoutAnAppItLogsToStderrAndSaysWhy() throws Exception {
    try (JavaProcess app = JavaProcess.start(Slf4jScenario.class.getName(), Map.of("SLUICE_APP", "",
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
