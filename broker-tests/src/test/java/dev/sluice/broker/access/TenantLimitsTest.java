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
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-account ingest limits: a noisy account sheds DEBUG before INFO, never ERROR or request
 * events, counts every shed line and tells readers; another account is not touched.
 */
class TenantLimitsTest {
  private static final int BATCHES = 20;

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.secured(c -> c.withTenantLimits(100, 10_000_000, 1.0));

  @Test
  void noisyAccountShedsLowLevelsFirstAndNeverErrorsWhileAnotherAccountKeepsEverything() {
    RawRunner noisy = RawRunner.connect(
        sluice.channel(sluice.token("r", "noisy", Role.RUNNER, "app")), "app", "r1");
    RawRunner quiet = RawRunner.connect(
        sluice.channel(sluice.token("r", "quiet", Role.RUNNER, "app")), "app", "r1");
    noisy.start("req-1");
    for (int b = 0; b < BATCHES; b++) {
      noisy.send(batch(noisy, b));
    }
    noisy.end("req-1");
    for (int i = 0; i < 50; i++) {
      quiet.lines("", "quiet " + i);
    }
    noisy.awaitAcked();
    quiet.awaitAcked();

    TailCollector noisyTail = tail("noisy");
    TailCollector quietTail = tail("quiet");
    long sent = BATCHES * 100L;
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> lines(noisyTail).size()
        + sluice.broker().stats().value("ingest.shed_lines", "noisy") >= sent);
    quietTail.awaitRecords(50);

    Map<Level, Long> kept = lines(noisyTail).stream()
        .collect(Collectors.groupingBy(Record::getLevel, Collectors.counting()));
    assertThat(kept.get(Level.ERROR)).isEqualTo(BATCHES * 10L);
    assertThat(kept.getOrDefault(Level.DEBUG, 0L)).isLessThan(kept.getOrDefault(Level.INFO, 0L));
    assertThat(kept.getOrDefault(Level.INFO, 0L)).isLessThanOrEqualTo(kept.getOrDefault(Level.WARN, 0L) * 4);
    assertThat(lines(noisyTail).size() + sluice.broker().stats().value("ingest.shed_lines", "noisy")).isEqualTo(sent);
    assertThat(sluice.broker().stats().value("ingest.shed_lines", "noisy")).isGreaterThan(1_000);
    assertThat(noisyTail.records()).filteredOn(r -> r.getKind() != RecordKind.LINE
        && r.getKind() != RecordKind.SHED).extracting(Record::getKind)
        .containsExactly(RecordKind.REQUEST_START, RecordKind.REQUEST_END);
    List<Record> markers = noisyTail.records().stream()
        .filter(r -> r.getKind() == RecordKind.SHED).collect(Collectors.toList());
    assertThat(markers).isNotEmpty();
    assertThat(markers.get(0).getMessage()).startsWith("sluice: shed ").contains("DEBUG: ");
    assertThat(markers.get(0).getFieldsMap()).containsKey("shed_debug");

    assertThat(quietTail.lines()).hasSize(50);
    assertThat(sluice.broker().stats().value("ingest.shed_lines", "quiet")).isZero();
  }

  private TailCollector tail(String account) {
    return TailCollector.tail(sluice.channel(sluice.token("m", account, Role.MEMBER, "")),
        TailRequest.newBuilder().setFilter(">")
            .setStart(StartPosition.newBuilder().setSinceUnixNano(1)).build());
  }

  private static List<Record> lines(TailCollector tail) {
    return tail.records().stream().filter(r -> r.getKind() == RecordKind.LINE)
        .collect(Collectors.toList());
  }

  /** 40 DEBUG, 40 INFO, 10 WARN and 10 ERROR lines, interleaved. */
  private static IngestFrame batch(RawRunner runner, int b) {
    LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(runner.reserve(100));
    Level[] pattern = {Level.DEBUG, Level.INFO, Level.DEBUG, Level.INFO, Level.DEBUG, Level.INFO,
        Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR};
    for (int i = 0; i < 100; i++) {
      batch.addLines(LogLine.newBuilder().setLevel(pattern[i % 10]).setMessage("b" + b + " l" + i));
    }
    return IngestFrame.newBuilder().setBatch(batch).build();
  }
}
