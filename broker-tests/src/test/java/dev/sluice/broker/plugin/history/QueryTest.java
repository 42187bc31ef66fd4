package dev.sluice.broker.plugin.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Predicates;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.QueryResponse;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.RequestStart;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.token.Role;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Logs.Query} over real gRPC on a secured broker: filters, every predicate, time
 * ranges, request ids, limits and paging, argument checks and who sees what. The store keeps
 * only the newest 50 records of an account in memory, so all but the last records of the
 * bigger tests are read from segment files through the block index.
 */
class QueryTest {
  private static final long BASE_NANOS = 1_700_000_000_000_000_000L;
  private static final int IN_MEMORY = 50;

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.secured(c -> c.withMemoryStoreRecords(IN_MEMORY));

  // ---- filter and predicates ----

  @Test
  void filterSelectsSubjectsWithWildcardsOldestFirst() {
    RawRunner a1 = runner("acme", "app-a", "r1");
    RawRunner a2 = runner("acme", "app-a", "r2");
    RawRunner b1 = runner("acme", "app-b", "r1");
    a1.lines("", "a1 one").awaitAcked();
    b1.lines("", "b1 one").awaitAcked();
    a2.lines("", "a2 one").awaitAcked();
    a1.lines("", "a1 two").awaitAcked();

    assertThat(messages(query(member("acme"), q("app-a.>"))))
        .containsExactly("a1 one", "a2 one", "a1 two");
    assertThat(messages(query(member("acme"), q("*.r1.*"))))
        .containsExactly("a1 one", "b1 one", "a1 two");
    assertThat(messages(query(member("acme"), q("app-a.r2._")))).containsExactly("a2 one");
    assertThat(messages(query(member("acme"), q("app-c.>")))).isEmpty();
    QueryResponse all = query(member("acme"), q(">"));
    assertThat(messages(all)).containsExactly("a1 one", "b1 one", "a2 one", "a1 two");
    assertThat(all.getRecordsList()).extracting(Record::getSeq).containsExactly(1L, 2L, 3L, 4L);
    assertThat(all.getRecordsList()).allSatisfy(r -> assertThat(r.getCursor()).isNotEmpty());
    assertThat(all.getNextPageCursor()).isEmpty();
  }

  @Test
  void minLevelKeepsThatLevelAndAbove() {
    RawRunner runner = runner("acme", "app", "r1");
    send(runner, line("t", Level.TRACE), line("d", Level.DEBUG), line("i", Level.INFO),
        line("unset", Level.LEVEL_UNSPECIFIED), line("w", Level.WARN), line("e", Level.ERROR),
        line("f", Level.FATAL));

    assertThat(messages(query(member("acme"), q("app.>", w -> w.setMinLevel(Level.WARN)))))
        .containsExactly("w", "e", "f");
    // An unset level is stored as INFO.
    assertThat(messages(query(member("acme"), q("app.>", w -> w.setMinLevel(Level.INFO)))))
        .containsExactly("i", "unset", "w", "e", "f");
    assertThat(messages(query(member("acme"), q("app.>", w -> w.setMinLevel(Level.TRACE)))))
        .hasSize(7);
  }

  @Test
  void sourcesAndVersionsComeFromTheRunnersHello() {
    RawRunner run = hello("acme", Hello.newBuilder().setApp("app").setRunner("r1")
        .setVersion("v1").build());
    RawRunner gateway = hello("acme", Hello.newBuilder().setApp("app").setRunner("gw")
        .setVersion("v2").setSource("gateway").build());
    RawRunner deploy = hello("acme", Hello.newBuilder().setApp("app").setRunner("d")
        .setVersion("v3").setSource("deploy").build());
    run.lines("", "from run").awaitAcked();
    gateway.lines("", "from gateway").awaitAcked();
    deploy.lines("", "from deploy").awaitAcked();

    assertThat(messages(query(member("acme"), q("app.>", w -> w.addSources("gateway")))))
        .containsExactly("from gateway");
    assertThat(messages(query(member("acme"), q("app.>",
        w -> w.addSources("run").addSources("deploy")))))
        .containsExactly("from run", "from deploy");
    assertThat(messages(query(member("acme"), q("app.>",
        w -> w.addVersions("v2").addVersions("v3")))))
        .containsExactly("from gateway", "from deploy");
    assertThat(messages(query(member("acme"), q("app.>", w -> w.addVersions("v9"))))).isEmpty();
  }

  @Test
  void endpointsMatchTheRequestsEndpoint() {
    RawRunner runner = runner("acme", "app", "r1");
    runner.send(IngestFrame.newBuilder().setRequestStart(RequestStart.newBuilder()
        .setSeq(runner.reserve(1)).setRequestId("req-1").setEndpoint("/predict")).build());
    runner.send(IngestFrame.newBuilder().setRequestStart(RequestStart.newBuilder()
        .setSeq(runner.reserve(1)).setRequestId("req-2").setEndpoint("/embed")).build());
    runner.lines("req-1", "predicting").lines("req-2", "embedding").lines("", "idle")
        .awaitAcked();

    assertThat(query(member("acme"), q("app.>", w -> w.addEndpoints("/embed")))
        .getRecordsList()).extracting(Record::getMessage)
        .containsExactly("request req-2 started", "embedding");
    assertThat(messages(query(member("acme"), q("app.>",
        w -> w.addEndpoints("/predict").addEndpoints("/embed")))))
        .containsExactly("predicting", "embedding");
  }

  @Test
  void traceIdAndContainsAreExactAndCaseSensitive() {
    RawRunner runner = runner("acme", "app", "r1");
    send(runner, traced("GET /health 200", "t-1"), traced("POST /predict 200", "t-2"),
        traced("Predict warm-up", "t-2"), traced("POST /predict 500", "t-3"),
        traced("no trace /predict", ""));

    assertThat(messages(query(member("acme"), q("app.>", w -> w.setTraceId("t-2")))))
        .containsExactly("POST /predict 200", "Predict warm-up");
    assertThat(messages(query(member("acme"), q("app.>", w -> w.setTraceId("t")))))
        .as("a trace id is matched whole").isEmpty();
    assertThat(messages(query(member("acme"), q("app.>", w -> w.setContains("/predict")))))
        .containsExactly("POST /predict 200", "POST /predict 500", "no trace /predict");
    assertThat(messages(query(member("acme"), q("app.>", w -> w.setContains("predict")))))
        .doesNotContain("Predict warm-up");
  }

  @Test
  void everySetPredicateMustHold() {
    RawRunner v1 = hello("acme", Hello.newBuilder().setApp("app").setRunner("r1")
        .setVersion("v1").build());
    RawRunner v2 = hello("acme", Hello.newBuilder().setApp("app").setRunner("r2")
        .setVersion("v2").build());
    send(v1, line("boom in v1", Level.ERROR), line("boom quietly", Level.INFO));
    send(v2, line("boom in v2", Level.ERROR), line("calm in v2", Level.ERROR));

    assertThat(messages(query(member("acme"), q("app.>", w -> w.setMinLevel(Level.ERROR)
        .addVersions("v2").setContains("boom"))))).containsExactly("boom in v2");
  }

  // ---- time range ----

  @Test
  void timeRangeIsFromInclusiveToExclusive() {
    RawRunner runner = runner("acme", "app", "r1");
    for (int i = 1; i <= 10; i++) {
      send(runner, timed("t" + i, at(i)));
    }

    assertThat(messages(query(member("acme"), range("app.>", at(3), at(7)))))
        .containsExactly("t3", "t4", "t5", "t6");
    assertThat(messages(query(member("acme"), range("app.>", at(8), 0))))
        .as("to 0: unbounded").containsExactly("t8", "t9", "t10");
    assertThat(messages(query(member("acme"), range("app.>", 0, at(3)))))
        .as("from 0: from the oldest").containsExactly("t1", "t2");
    assertThat(messages(query(member("acme"), range("app.>", at(5), at(5) + 1))))
        .containsExactly("t5");
  }

  @Test
  void timeRangeUsesRecordTimeNotStoreOrder() {
    RawRunner fast = runner("acme", "app", "fast");
    RawRunner slow = runner("acme", "app", "slow");
    send(fast, timed("fast 1", at(1)), timed("fast 3", at(3)));
    send(slow, timed("slow 2", at(2)), timed("slow 4", at(4)));
    send(fast, timed("fast 0", at(0)));

    assertThat(messages(query(member("acme"), range("app.>", at(2), at(4)))))
        .containsExactly("fast 3", "slow 2");
    assertThat(messages(query(member("acme"), range("app.>", at(0), at(1)))))
        .containsExactly("fast 0");
  }

  /**
   * 3,000 timed records, nearly all on disk in blocks of 1,024: blocks wholly outside the
   * range are skipped by the index, but a block holding one record stored early with a time
   * in the range must still be read.
   */
  @Test
  void timeRangeOverSegmentFilesSkipsNothingItShouldReturn() {
    RawRunner runner = runner("acme", "app", "r1");
    for (int first = 1; first <= 3000; first += 500) {
      LogLine[] lines = new LogLine[500];
      for (int i = 0; i < 500; i++) {
        int n = first + i;
        lines[i] = n == 10 ? timed("early-stored", at(1800) + 1) : timed("t" + n, at(n));
      }
      send(runner, lines);
    }

    List<Record> inRange = queryAll(member("acme"), range("app.>", at(1500), at(2100))
        .toBuilder().setLimit(250).build(), 250);
    List<String> expected = new ArrayList<>(List.of("early-stored"));
    IntStream.range(1500, 2100).mapToObj(i -> "t" + i).forEach(expected::add);
    assertThat(inRange).extracting(Record::getMessage).containsExactlyElementsOf(expected);
    assertThat(inRange).extracting(Record::getSeq).isSorted();

    QueryResponse later = query(member("acme"), range("app.>", at(5000), at(6000)));
    assertThat(later.getRecordsList()).isEmpty();
    assertThat(later.getNextPageCursor()).isEmpty();
    assertThat(messages(query(member("acme"), range("app.>", at(2999), 0))))
        .containsExactly("t2999", "t3000");
  }

  // ---- request id ----

  @Test
  void requestIdSelectsOneRequestFromMemoryAndDisk() {
    RawRunner r1 = runner("acme", "app", "r1");
    RawRunner r2 = runner("acme", "app", "r2");
    RawRunner other = runner("acme", "other", "r1");
    r1.start("req-1").lines("req-1", "first of req-1").awaitAcked();
    r2.start("req-2").lines("req-2", "of req-2").awaitAcked();
    other.start("req-1").lines("req-1", "other app's req-1").awaitAcked();
    for (int i = 0; i < 4; i++) {
      r2.lines("", filler(i * 500, 500)).awaitAcked(); // pushes req-1's start onto disk
    }
    r1.lines("req-1", "last of req-1").end("req-1").awaitAcked();

    List<String> req1 = List.of("request req-1 started", "first of req-1", "last of req-1",
        "request req-1 ended: REQUEST_OK");
    QueryRequest byId = q("app.>").toBuilder().setRequestId("req-1").build();
    assertThat(query(member("acme"), byId).getRecordsList()).extracting(Record::getMessage)
        .containsExactlyElementsOf(req1);
    assertThat(query(member("acme"), byId.toBuilder().setFilter(">").build())
        .getRecordsList()).extracting(Record::getMessage)
        .containsExactly("request req-1 started", "first of req-1", "request req-1 started",
            "other app's req-1", "last of req-1", "request req-1 ended: REQUEST_OK");
    assertThat(query(member("acme"), byId.toBuilder().setFilter("app.r2.>").build())
        .getRecordsList()).isEmpty();
    assertThat(query(member("acme"), byId.toBuilder().setFilter("nope.>").build())
        .getRecordsList()).isEmpty();
  }

  // ---- limit and paging ----

  @Test
  void limitZeroMeansAHundredAndTenThousandIsAllowed() {
    RawRunner runner = runner("acme", "app", "r1");
    runner.lines("", filler(0, 150)).awaitAcked();

    QueryResponse first = query(member("acme"), q("app.>"));
    assertThat(first.getRecordsCount()).isEqualTo(HistoryPlugin.DEFAULT_LIMIT);
    assertThat(first.getNextPageCursor()).isNotEmpty();
    assertThat(query(member("acme"), q("app.>").toBuilder().setLimit(10_000).build())
        .getRecordsCount()).isEqualTo(150);
    QueryResponse three = query(member("acme"), q("app.>").toBuilder().setLimit(3).build());
    assertThat(messages(three)).containsExactly("line 0", "line 1", "line 2");
  }

  @Test
  void pagesThrough2500RecordsFromDiskExactlyOnceInOrder() {
    RawRunner runner = runner("acme", "app", "r1");
    for (int i = 0; i < 5; i++) {
      runner.lines("", filler(i * 500, 500)).awaitAcked();
    }
    assertPagesThrough(member("acme"), 2500);
  }

  @Test
  void pagesThroughRecordsHeldInMemoryToo(@TempDir Path dataDir) throws Exception {
    BrokerConfig config = BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir)
        .withInsecure(true);
    try (Broker memory = Broker.start(config)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", memory.grpcPort())
          .usePlaintext().build();
      try {
        RawRunner runner = RawRunner.connect(channel, "app", "r1");
        for (int i = 0; i < 5; i++) {
          runner.lines("", filler(i * 500, 500)).awaitAcked();
        }
        assertPagesThrough(channel, 2500);
        runner.close();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** Segments of 32 KiB: index blocks end at every segment boundary, reads cross many. */
  @Test
  void pagesThroughRecordsSpreadOverManySmallSegments(@TempDir Path dataDir) throws Exception {
    BrokerConfig config = BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir)
        .withInsecure(true).withMemoryStoreRecords(IN_MEMORY).withSegmentBytes(32 * 1024);
    try (Broker small = Broker.start(config)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", small.grpcPort())
          .usePlaintext().build();
      try {
        RawRunner runner = RawRunner.connect(channel, "app", "r1");
        for (int i = 0; i < 5; i++) {
          runner.lines("", filler(i * 500, 500)).awaitAcked();
        }
        assertPagesThrough(channel, 2500);
        List<Record> sparse = queryAll(channel, q("app.>", w -> w.setContains("line 1"))
            .toBuilder().setLimit(100).build(), 100);
        assertThat(sparse).extracting(Record::getMessage).containsExactlyElementsOf(
            IntStream.range(0, 2500).mapToObj(i -> "line " + i)
                .filter(m -> m.contains("line 1")).toList());
        runner.close();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** 40 lines of 60,000 bytes: a page stops at 1 MiB of records, whatever the limit. */
  @Test
  void pagesStopAtAMebibyteAndContinueWithoutLoss() {
    RawRunner runner = runner("acme", "app", "r1");
    String big = "x".repeat(60_000);
    for (int first = 0; first < 40; first += 10) {
      LogLine[] lines = new LogLine[10];
      for (int i = 0; i < 10; i++) {
        lines[i] = line((first + i) + " " + big, Level.INFO);
      }
      send(runner, lines);
    }

    QueryRequest request = q("app.>").toBuilder().setLimit(100).build();
    List<Record> all = new ArrayList<>();
    QueryResponse page = query(member("acme"), request);
    int pages = 1;
    while (true) {
      assertThat(page.getRecordsCount()).isBetween(1, 17);
      assertThat(page.getSerializedSize()).isLessThan(1024 * 1024 + 4096);
      all.addAll(page.getRecordsList());
      if (page.getNextPageCursor().isEmpty()) {
        break;
      }
      page = query(member("acme"), request.toBuilder()
          .setPageCursor(page.getNextPageCursor()).build());
      pages++;
    }
    assertThat(pages).isEqualTo(3);
    assertThat(all).extracting(r -> r.getMessage().substring(0, r.getMessage().indexOf(' ')))
        .containsExactlyElementsOf(IntStream.range(0, 40).mapToObj(Integer::toString).toList());
  }

  /** The runner index (a Bloom filter per block) skips blocks without the runner, no more. */
  @Test
  void runnerFilterOverSegmentFiles() {
    RawRunner busy = runner("acme", "app", "busy");
    RawRunner rare = runner("acme", "app", "rare");
    busy.lines("", filler(0, 1500)).awaitAcked();
    rare.lines("", "rare 1", "rare 2").awaitAcked();
    busy.lines("", filler(1500, 1500)).awaitAcked();
    busy.lines("", filler(3000, 1500)).awaitAcked();
    rare.lines("", "rare 3").awaitAcked();
    busy.lines("", filler(4500, 100)).awaitAcked();

    assertThat(queryAll(member("acme"), q("app.rare.*").toBuilder().setLimit(2).build(), 2))
        .extracting(Record::getMessage).containsExactly("rare 1", "rare 2", "rare 3");
    assertThat(messages(query(member("acme"), q("*.rare._")))).containsExactly("rare 1",
        "rare 2", "rare 3");
  }

  @Test
  void lastPageOfAnExactMultipleOfTheLimitHasNoCursor() {
    RawRunner runner = runner("acme", "app", "r1");
    runner.lines("", filler(0, 400)).awaitAcked();

    QueryRequest request = q("app.>").toBuilder().setLimit(200).build();
    QueryResponse first = query(member("acme"), request);
    QueryResponse second = query(member("acme"),
        request.toBuilder().setPageCursor(first.getNextPageCursor()).build());
    assertThat(first.getRecordsCount()).isEqualTo(200);
    assertThat(second.getRecordsCount()).isEqualTo(200);
    assertThat(second.getRecordsList().get(199).getMessage()).isEqualTo("line 399");
    assertThat(second.getNextPageCursor()).isEmpty();
  }

  @Test
  void pagesOfAPredicateOverSparseMatchesOnDisk() {
    RawRunner runner = runner("acme", "app", "r1");
    for (int first = 0; first < 3000; first += 500) {
      LogLine[] lines = new LogLine[500];
      for (int i = 0; i < 500; i++) {
        int n = first + i;
        lines[i] = line((n % 97 == 0 ? "needle " : "hay ") + n, Level.INFO);
      }
      send(runner, lines);
    }

    List<Record> found = queryAll(member("acme"), q("app.>", w -> w.setContains("needle"))
        .toBuilder().setLimit(7).build(), 7);
    assertThat(found).extracting(Record::getMessage).containsExactlyElementsOf(
        IntStream.range(0, 3000).filter(n -> n % 97 == 0).mapToObj(n -> "needle " + n).toList());
  }

  @Test
  void aPageCursorAlsoReachesRecordsStoredAfterTheFirstPage() {
    RawRunner runner = runner("acme", "app", "r1");
    runner.lines("", "one", "two", "three").awaitAcked();
    QueryResponse first = query(member("acme"), q("app.>").toBuilder().setLimit(2).build());
    assertThat(messages(first)).containsExactly("one", "two");
    runner.lines("", "four").awaitAcked();

    QueryResponse rest = query(member("acme"), q("app.>").toBuilder().setLimit(2)
        .setPageCursor(first.getNextPageCursor()).build());
    assertThat(messages(rest)).containsExactly("three", "four");
    assertThat(rest.getNextPageCursor()).isEmpty();
  }

  /**
   * Paging from the start while a runner writes: what the pages return together is exactly
   * the first records in order, and a final page after the writer stopped reaches the end.
   */
  @Test
  void pagingWhileARunnerWritesReturnsAContiguousPrefix() throws Exception {
    RawRunner runner = runner("acme", "app", "r1");
    runner.lines("", filler(0, 100)).awaitAcked();
    Thread writer = new Thread(() -> {
      for (int i = 1; i < 100; i++) {
        runner.lines("", filler(i * 100, 100));
      }
    }, "writer");
    writer.start();

    QueryRequest request = q("app.>").toBuilder().setLimit(37).build();
    List<Record> all = new ArrayList<>();
    QueryResponse page = query(member("acme"), request);
    for (int calls = 0; calls < 100_000; calls++) {
      all.addAll(page.getRecordsList());
      if (page.getNextPageCursor().isEmpty()) {
        if (!writer.isAlive() && all.size() >= 10_000) {
          break;
        }
        // Caught up with the writer: go on after the last record seen.
        page = query(member("acme"), request.toBuilder()
            .setPageCursor(all.get(all.size() - 1).getCursor()).build());
        continue;
      }
      page = query(member("acme"), request.toBuilder()
          .setPageCursor(page.getNextPageCursor()).build());
    }
    writer.join(20_000);
    assertThat(all).extracting(Record::getMessage).containsExactlyElementsOf(
        IntStream.range(0, 10_000).mapToObj(i -> "line " + i).toList());
  }

  // ---- invalid arguments ----

  @Test
  void refusesOutOfRangeLimit() {
    assertInvalid(q(">").toBuilder().setLimit(10_001).build(), "limit: 10001");
  }

  @Test
  void refusesEmptyOrNegativeTimeRanges() {
    assertInvalid(range(">", at(5), at(5)), "from_unix_nano/to_unix_nano");
    assertInvalid(range(">", at(5), at(4)), "from_unix_nano/to_unix_nano");
    assertInvalid(range(">", -1, 0), "from_unix_nano/to_unix_nano");
  }

  @Test
  void refusesACursorItDidNotIssue() {
    assertInvalid(q(">").toBuilder().setPageCursor(ByteString.copyFromUtf8("not a cursor"))
        .build(), "cursor");
    assertInvalid(q(">").toBuilder().setPageCursor(ByteString.copyFrom(
        new byte[] {1, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0})).build(), "cursor");
  }

  @Test
  void refusesBadFiltersRequestIdsAndLevels() {
    assertInvalid(q("app..x"), "token 2");
    assertInvalid(q("app.>.x"), "filter");
    assertInvalid(q(""), "filter");
    assertInvalid(q(">").toBuilder().setRequestId("req 1").build(), "request_id");
    assertInvalid(q(">").toBuilder().setWhere(Predicates.newBuilder().setMinLevelValue(42))
        .build(), "min_level");
  }

  // ---- who sees what ----

  @Test
  void accountsNeverSeeEachOthersRecordsNotEvenWithTheirCursors() {
    RawRunner a = runner("acct-a", "shared", "r1");
    RawRunner b = runner("acct-b", "shared", "r1");
    a.lines("", "a1", "a2", "a3").awaitAcked();
    b.lines("", "b1").awaitAcked();

    QueryResponse ofA = query(member("acct-a"), q(">").toBuilder().setLimit(1).build());
    assertThat(messages(ofA)).containsExactly("a1");
    assertThat(messages(query(member("acct-b"), q(">")))).containsExactly("b1");
    QueryResponse withForeignCursor = query(member("acct-b"), q("shared.>").toBuilder()
        .setPageCursor(ofA.getNextPageCursor()).build());
    assertThat(withForeignCursor.getRecordsList())
        .allSatisfy(r -> assertThat(r.getLabels().getAccount()).isEqualTo("acct-b"));
    assertThat(messages(query(member("acct-c"), q(">")))).isEmpty();
  }

  @Test
  void appScopedMembersAndRunnersAreRefused() {
    Channel scoped = sluice.channel(sluice.token("m", "acme", Role.MEMBER, "app-x"));
    assertThat(query(scoped, q("app-x.>")).getRecordsList()).isEmpty();
    assertStatus(scoped, q("app-y.>"), Status.Code.PERMISSION_DENIED, "app 'app-x' only");
    assertStatus(scoped, q(">"), Status.Code.PERMISSION_DENIED, "app 'app-x' only");
    assertStatus(sluice.channel(sluice.token("r", "acme", Role.RUNNER, "app-x")), q("app-x.>"),
        Status.Code.PERMISSION_DENIED, "role is runner");
    assertStatus(sluice.channel(), q(">"), Status.Code.UNAUTHENTICATED, "");
  }

  @Test
  void aCallerQueriesOnlyItsOwnRequestsAndNoLinesOfAPrivateApp() {
    RawRunner runner = runner("acme", "public-app", "r1");
    runner.start("req-1", "carol").lines("", "carol's line").end("req-1")
        .start("req-2", "dave").lines("", "dave's line").end("req-2").awaitAcked();
    RawRunner secret = hello("acme", Hello.newBuilder().setApp("secret-app").setRunner("r1")
        .setPrivateLogs(true).build());
    secret.start("req-9", "carol").lines("", "private line").end("req-9").awaitAcked();
    Channel carol = sluice.channel(sluice.token("carol", "acme", Role.CALLER, ""));

    assertThat(query(carol, q("public-app.*.req-1")).getRecordsList())
        .extracting(Record::getMessage).containsExactly("request req-1 started", "carol's line",
            "request req-1 ended: REQUEST_OK");
    assertThat(query(carol, q("public-app.*.req-2")).getRecordsList()).isEmpty();
    assertThat(query(carol, q("secret-app.*.req-9")).getRecordsList())
        .extracting(Record::getKind)
        .containsExactly(RecordKind.REQUEST_START, RecordKind.REQUEST_END);
    assertStatus(carol, q("public-app.>"), Status.Code.PERMISSION_DENIED,
        "only its own requests");
  }

  // ---- helpers ----

  /** Pages with limit 1,000 through {@code total} records: exact sequence, no gap, no dup. */
  private static void assertPagesThrough(Channel channel, int total) {
    QueryRequest request = q("app.>").toBuilder().setLimit(1000).build();
    List<Integer> sizes = new ArrayList<>();
    List<Record> all = new ArrayList<>();
    QueryResponse page = query(channel, request);
    while (true) {
      sizes.add(page.getRecordsCount());
      all.addAll(page.getRecordsList());
      if (page.getNextPageCursor().isEmpty()) {
        break;
      }
      assertThat(sizes).as("pages so far").hasSizeLessThan(10);
      page = query(channel, request.toBuilder().setPageCursor(page.getNextPageCursor()).build());
    }
    assertThat(sizes).containsExactly(1000, 1000, total - 2000);
    assertThat(all).extracting(Record::getSeq).containsExactlyElementsOf(
        LongStream.rangeClosed(1, total).boxed().toList());
    assertThat(all).extracting(Record::getMessage).containsExactlyElementsOf(
        IntStream.range(0, total).mapToObj(i -> "line " + i).toList());
  }

  /** Every page of {@code request}; no page is larger than {@code limit}. */
  private static List<Record> queryAll(Channel channel, QueryRequest request, int limit) {
    List<Record> all = new ArrayList<>();
    QueryResponse page = query(channel, request);
    for (int pages = 1; ; pages++) {
      assertThat(page.getRecordsCount()).isLessThanOrEqualTo(limit);
      all.addAll(page.getRecordsList());
      if (page.getNextPageCursor().isEmpty()) {
        return all;
      }
      assertThat(pages).as("pages").isLessThan(1000);
      page = query(channel, request.toBuilder().setPageCursor(page.getNextPageCursor()).build());
    }
  }

  private static QueryResponse query(Channel channel, QueryRequest request) {
    return LogsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .query(request);
  }

  private void assertInvalid(QueryRequest request, String mention) {
    assertStatus(member("acme"), request, Status.Code.INVALID_ARGUMENT, mention);
  }

  private static void assertStatus(Channel channel, QueryRequest request, Status.Code code,
      String mention) {
    StatusRuntimeException e = catchThrowableOfType(() -> query(channel, request),
        StatusRuntimeException.class);
    assertThat(e).as("query %s should fail", request).isNotNull();
    assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(code);
    if (!mention.isEmpty()) {
      assertThat(e.getStatus().getDescription()).contains(mention);
    }
  }

  private static QueryRequest q(String filter) {
    return QueryRequest.newBuilder().setFilter(filter).build();
  }

  private static QueryRequest q(String filter, Consumer<Predicates.Builder> where) {
    Predicates.Builder p = Predicates.newBuilder();
    where.accept(p);
    return QueryRequest.newBuilder().setFilter(filter).setWhere(p).build();
  }

  private static QueryRequest range(String filter, long from, long to) {
    return QueryRequest.newBuilder().setFilter(filter).setFromUnixNano(from)
        .setToUnixNano(to).setLimit(10_000).build();
  }

  /** Messages of the LINE records. */
  private static List<String> messages(QueryResponse response) {
    return response.getRecordsList().stream().filter(r -> r.getKind() == RecordKind.LINE)
        .map(Record::getMessage).toList();
  }

  private Channel member(String account) {
    return sluice.channel(sluice.token("member", account, Role.MEMBER, ""));
  }

  private RawRunner runner(String account, String app, String runner) {
    return RawRunner.connect(sluice.channel(sluice.token("r", account, Role.RUNNER, app)), app,
        runner);
  }

  private RawRunner hello(String account, Hello hello) {
    RawRunner runner = new RawRunner(sluice.channel(
        sluice.token("r", account, Role.RUNNER, hello.getApp())));
    runner.send(IngestFrame.newBuilder().setHello(hello).build());
    runner.awaitWelcome();
    assertThat(runner.isEnded()).as("hello refused").isFalse();
    return runner;
  }

  /** Sends hand-built lines and waits for their ack. */
  private static void send(RawRunner runner, LogLine... lines) {
    LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(runner.reserve(lines.length));
    for (LogLine l : lines) {
      batch.addLines(l);
    }
    runner.send(IngestFrame.newBuilder().setBatch(batch).build()).awaitAcked();
  }

  private static long at(int step) {
    return BASE_NANOS + step * 1_000L;
  }

  private static LogLine line(String message, Level level) {
    return LogLine.newBuilder().setMessage(message).setLevel(level).build();
  }

  private static LogLine timed(String message, long timeUnixNano) {
    return LogLine.newBuilder().setMessage(message).setTimeUnixNano(timeUnixNano).build();
  }

  private static LogLine traced(String message, String traceId) {
    return LogLine.newBuilder().setMessage(message).setTraceId(traceId).build();
  }

  private static String[] filler(int first, int count) {
    return IntStream.range(first, first + count).mapToObj(i -> "line " + i)
        .toArray(String[]::new);
  }
}
