package dev.sluice.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Drain;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainStatus;
import dev.sluice.proto.v1.Level;
import org.junit.jupiter.api.Test;

/** {@code sluice drains ... --json}, to the character, without a broker. */
class DrainFormatTest {
  @Test
  void jsonOfANewDrainHasNullsForWhatIsNotSetYet() {
    Drain drain = Drain.newBuilder().setSpec(DrainSpec.newBuilder().setName("audit")
        .setUrl("https://logs.example.com/in").setFilter(">").setMaxBatchLines(1000)
        .setFlushIntervalMs(1000)).setStatus(DrainStatus.newBuilder().setEnabled(true))
        .build();

    assertThat(DrainFormat.json(drain)).isEqualTo("{\"name\":\"audit\","
        + "\"url\":\"https://logs.example.com/in\",\"filter\":\">\",\"min_level\":null,"
        + "\"max_batch_lines\":1000,\"flush_interval_ms\":1000,\"status\":{\"enabled\":true,"
        + "\"consecutive_failures\":0,\"total_failures\":0,\"last_error\":\"\","
        + "\"last_success\":null,\"delivered_lines\":0,\"delivered_batches\":0,"
        + "\"lag_lines\":0,\"lag_seconds\":0.000,\"lost_records\":0,\"last_gap\":\"\"}}");
  }

  @Test
  void jsonPrintsUnsignedCountersAndEscapesTheLastError() {
    Drain drain = Drain.newBuilder().setSpec(DrainSpec.newBuilder().setName("errs")
        .setUrl("https://x.example/a?b=\"c\"").setFilter("demo-model.>")
        .setMinLevel(Level.ERROR).setMaxBatchLines(-1).setFlushIntervalMs(500))
        .setStatus(DrainStatus.newBuilder().setEnabled(false).setConsecutiveFailures(-1)
            .setTotalFailures(-1L).setLastError("HTTP 500:\n\u2028<html>\u0007")
            .setLastSuccessUnixNano(1_795_256_130_123_456_789L).setDeliveredLines(12)
            .setDeliveredBatches(3).setLagLines(4).setLagSeconds(1.23456).setLostRecords(2)
            .setLastGap("records 41-42"))
        .build();

    assertThat(DrainFormat.json(drain)).isEqualTo("{\"name\":\"errs\","
        + "\"url\":\"https://x.example/a?b=\\\"c\\\"\",\"filter\":\"demo-model.>\","
        + "\"min_level\":\"ERROR\",\"max_batch_lines\":4294967295,\"flush_interval_ms\":500,"
        + "\"status\":{\"enabled\":false,\"consecutive_failures\":4294967295,"
        + "\"total_failures\":18446744073709551615,"
        + "\"last_error\":\"HTTP 500:\\n\\u2028<html>\\u0007\","
        + "\"last_success\":\"2026-11-21T10:15:30.123Z\",\"delivered_lines\":12,"
        + "\"delivered_batches\":3,\"lag_lines\":4,\"lag_seconds\":1.235,\"lost_records\":2,"
        + "\"last_gap\":\"records 41-42\"}}");
  }
}
