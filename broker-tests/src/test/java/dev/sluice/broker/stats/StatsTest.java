package dev.sluice.broker.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatsTest {
  @TempDir
  Path dir;

  @Test
  void countersGaugesAndPerAccountCountsReadByName() {
    Stats stats = new Stats();
    Stats.Counter dropped = stats.counter("tail.dropped", "records dropped");
    AtomicLong open = new AtomicLong(3);
    stats.gauge("tail.open", "tails open", open::get);
    Stats.PerAccount shed = stats.perAccount("ingest.shed_lines", "lines shed");
    dropped.add(2);
    dropped.increment();
    shed.add("acme", 5);
    shed.add("beta", 1);
    shed.add("acme", 1);
    open.set(4);

    assertThat(stats.value("tail.dropped")).isEqualTo(3);
    assertThat(stats.value("tail.open")).isEqualTo(4);
    assertThat(stats.value("ingest.shed_lines")).isEqualTo(7);
    assertThat(stats.value("ingest.shed_lines", "acme")).isEqualTo(6);
    assertThat(stats.value("ingest.shed_lines", "nobody")).isZero();
    assertThat(shed.byAccount()).isEqualTo(Map.of("acme", 6L, "beta", 1L));
    assertThat(stats.meters()).extracting(Stats.Meter::name)
        .containsExactly("ingest.shed_lines", "tail.dropped", "tail.open");
  }

  @Test
  void badNamesUnknownNamesAndTwiceRegisteredNamesAreRefused() {
    Stats stats = new Stats();
    stats.counter("tail.dropped", "x");
    assertThatThrownBy(() -> stats.counter("tail.dropped", "x"))
        .hasMessageContaining("tail.dropped is registered already");
    assertThatThrownBy(() -> stats.counter("Dropped", "x"))
        .hasMessageContaining("expected: dotted lower-case words");
    assertThatThrownBy(() -> stats.value("tail.nothing"))
        .hasMessageContaining("no meter tail.nothing");
    assertThatThrownBy(() -> stats.value("tail.dropped", "acme"))
        .hasMessageContaining("not kept per account");
  }

  @Test
  void aRunningBrokerRegistersEveryComponentsMeters() {
    try (Broker broker = Broker.start(BrokerConfig.defaults().withGrpcPort(0).withDataDir(dir)
        .withInsecure(true))) {
      assertThat(broker.stats().meters()).extracting(Stats.Meter::name).containsAll(List.of(
          "grpc.connections", "ingest.frames_held", "ingest.shed_lines", "ingest.streams",
          "tail.caught_up", "tail.dropped", "tail.held_bytes", "tail.open", "tail.stalled"));
      assertThat(broker.stats().meters()).allMatch(m -> !m.help().isBlank());
    }
  }
}
