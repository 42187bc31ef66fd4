package dev.sluice.broker.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.testing.TailCollector;
import dev.sluice.token.Role;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every shed line is told in a SHED record: the lines kept and the SHED records' counts add up
 * exactly to the lines sent, also for lines shed right before a session ends or goes quiet.
 */
class ShedAccountingTest {
  private static final int BATCHES = 30;
  private static final int LINES = 1_000;

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.secured(
      c -> c.withTenantLimits(5_000, 100_000_000, 1.0));

  @Test
  void linesShedJustBeforeTheSessionEndsAreToldToo() throws Exception {
    RawRunner runner = RawRunner.connect(
        sluice.channel(sluice.token("r", "acme", Role.RUNNER, "app")), "app", "r1");
    for (int b = 0; b < BATCHES; b++) {
      runner.send(batch(runner, b));
    }
    runner.awaitAckOf((long) BATCHES * LINES);
    runner.close(); // at once: the last second's shed lines have had no marker yet
    runner.awaitEnd();

    assertAllAccountedFor();
  }

  @Test
  void linesShedBeforeASessionGoesQuietAreToldWithinASecond() {
    RawRunner runner = RawRunner.connect(
        sluice.channel(sluice.token("r", "acme", Role.RUNNER, "app")), "app", "r1");
    for (int b = 0; b < BATCHES; b++) {
      runner.send(batch(runner, b));
    }
    runner.awaitAckOf((long) BATCHES * LINES);
    // The stream stays open and sends nothing more.
    assertAllAccountedFor();
  }

  private void assertAllAccountedFor() {
    long sent = (long) BATCHES * LINES;
    TailCollector tail = TailCollector.tail(
        sluice.channel(sluice.token("m", "acme", Role.MEMBER, "")),
        TailRequest.newBuilder().setFilter(">")
            .setStart(StartPosition.newBuilder().setSinceUnixNano(1)).build());
    Awaitility.await().atMost(Duration.ofSeconds(20))
        .until(() -> kept(tail) + toldShed(tail) >= sent);
    assertThat(kept(tail) + toldShed(tail)).isEqualTo(sent);
    assertThat(toldShed(tail)).isEqualTo(sluice.broker().stats().value("ingest.shed_lines", "acme")).isPositive();
  }

  private static long kept(TailCollector tail) {
    return tail.records().stream().filter(r -> r.getKind() == RecordKind.LINE).count();
  }

  private static long toldShed(TailCollector tail) {
    long n = 0;
    for (Record r : tail.records()) {
      if (r.getKind() == RecordKind.SHED) {
        for (String count : r.getFieldsMap().values()) {
          n += Long.parseLong(count);
        }
      }
    }
    return n;
  }

  private static IngestFrame batch(RawRunner runner, int b) {
    LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(runner.reserve(LINES));
    for (int i = 0; i < LINES; i++) {
      batch.addLines(LogLine.newBuilder().setLevel(i % 2 == 0 ? Level.INFO : Level.DEBUG)
          .setMessage("b" + b + " l" + i));
    }
    return IngestFrame.newBuilder().setBatch(batch).build();
  }
}
