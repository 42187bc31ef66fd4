package dev.sluice.broker.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.testing.TailCollector;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three runners with several concurrent requests, over real gRPC; wildcard tails each receive
 * exactly their records, in per-runner order.
 */
class RoutingEndToEndTest {
  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure();

  private static TailRequest fromStart(String filter) {
    // Replay from the start, then live: the tail cannot miss lines sent while it subscribes.
    return TailRequest.newBuilder().setFilter(filter)
        .setStart(StartPosition.newBuilder().setSinceUnixNano(1)).build();
  }

  @Test
  void wildcardTailsReceiveExactlyTheirRecordsInPerRunnerOrder() {
    ManagedChannel channel = sluice.channel();
    List<RawRunner> runners = new ArrayList<>();
    for (String name : List.of("runner-1", "runner-2", "runner-3")) {
      runners.add(RawRunner.connect(sluice.channel(), "app", name));
    }
    RawRunner other = RawRunner.connect(channel, "other-app", "runner-1");
    // Concurrent requests: runner-1 and runner-2 both serve req-7 at once; runner-3 serves req-9
    // while also logging setup lines outside any request.
    for (int round = 0; round < 20; round++) {
      runners.get(0).start("req-7").lines("", "r1 req-7 line " + round).end("req-7");
      runners.get(1).start("req-7").start("req-8")
          .lines("req-7", "r2 req-7 line " + round).lines("req-8", "r2 req-8 line " + round)
          .lines("", "r2 ambiguous line " + round).end("req-8").end("req-7");
      runners.get(2).lines("", "r3 setup line " + round).start("req-9")
          .lines("", "r3 req-9 line " + round).end("req-9");
      other.lines("", "other line " + round);
    }
    runners.forEach(RawRunner::awaitAcked);
    other.awaitAcked();

    TailCollector all = TailCollector.tail(channel, fromStart("app.>"));
    TailCollector req7 = TailCollector.tail(channel, fromStart("app.*.req-7"));
    TailCollector r2 = TailCollector.tail(channel, fromStart("*.runner-2.*"));
    int appLines = 20 * (1 + 3 + 2);
    int appEvents = 20 * (2 + 4 + 2);
    all.awaitRecords(appLines + appEvents);
    req7.awaitRecords(20 * 2 + 20 * 4);
    r2.awaitRecords(20 * 3 + 20 * 4);

    assertThat(all.records()).hasSize(appLines + appEvents)
        .allMatch(r -> r.getSubject().startsWith("app."));
    assertThat(req7.records()).allMatch(r -> r.getSubject().endsWith(".req-7"))
        .hasSize(20 * (1 + 1) + 20 * (2 + 2));
    assertThat(r2.records()).allMatch(r -> r.getSubject().split("\\.")[1].equals("runner-2"))
        .hasSize(20 * 3 + 20 * 4);

    // Scoping: one open request takes unscoped lines; two open requests leave them on "_".
    assertThat(subjectOf(all, "r1 req-7 line 3")).isEqualTo("app.runner-1.req-7");
    assertThat(subjectOf(all, "r2 ambiguous line 3")).isEqualTo("app.runner-2._");
    assertThat(subjectOf(all, "r3 setup line 3")).isEqualTo("app.runner-3._");
    assertThat(subjectOf(all, "r3 req-9 line 3")).isEqualTo("app.runner-3.req-9");

    for (String runner : List.of("runner-1", "runner-2", "runner-3")) {
      assertInRunnerOrder(all.records(), r -> r.getLabels().getRunnerId().equals(runner));
    }
    assertInRunnerOrder(r2.records(), r -> true);
    Map<RecordKind, Long> kinds = req7.records().stream()
        .collect(Collectors.groupingBy(Record::getKind, Collectors.counting()));
    assertThat(kinds).containsEntry(RecordKind.REQUEST_START, 40L)
        .containsEntry(RecordKind.REQUEST_END, 40L);
    assertThat(all.records()).noneMatch(r -> r.getMessage().startsWith("other"));
  }

  @Test
  void liveTailReceivesNewLinesOnly() {
    ManagedChannel channel = sluice.channel();
    RawRunner runner = RawRunner.connect(channel, "app", "runner-1");
    runner.lines("", "before the tail").awaitAcked();
    TailCollector live = TailCollector.tail(channel, "app.>");
    org.awaitility.Awaitility.await().until(() -> sluice.broker().stats().value("tail.open") == 1);
    runner.lines("", "after the tail").awaitAcked();
    live.awaitRecords(1);
    assertThat(live.lines()).containsExactly("after the tail");
  }

  private static String subjectOf(TailCollector tail, String message) {
    return tail.records().stream().filter(r -> r.getMessage().equals(message)).findFirst()
        .orElseThrow(() -> new AssertionError("no record " + message)).getSubject();
  }

  private static void assertInRunnerOrder(List<Record> records, Predicate<Record> of) {
    List<Long> seqs = records.stream().filter(of).map(Record::getSeq).collect(Collectors.toList());
    assertThat(seqs).isSorted();
  }
}
