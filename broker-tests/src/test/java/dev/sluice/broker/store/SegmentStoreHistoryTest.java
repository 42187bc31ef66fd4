package dev.sluice.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.LogStore.RequestSpan;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.RequestInfo;
import dev.sluice.proto.v1.RequestStatus;
import dev.sluice.proto.v1.Stream;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * History reads of the segment store: with a ring of 100 records and 64 KiB segments, nearly
 * every record comes from disk through the block index. Paged reads return every record once,
 * in order, byte for byte; index hints (runner, request, time) never lose a wanted record;
 * disk reads complete off the event loop; a restart changes no answer; the request view knows
 * where requests lie.
 */
class SegmentStoreHistoryTest {
  private static final String ACCOUNT = "acme";
  private static final int RECENT = 100;
  private static final int N = 6_000;
  private static final long BASE = 1_700_000_000_000_000_000L;
  private static final long SKEW = 3_000_000L; // runner r2's clock is 3,000 records behind
  private static final int PAGE = 97; // aligned to nothing
  private static final String PAD = "p".repeat(60);

  @TempDir Path dir;
  private SegmentStore store;
  private final List<Record> drafts = new ArrayList<>(); // acme's records; seq = index + 1

  @BeforeEach
  void fill() throws Exception {
    store = open();
    List<Future<List<StoredRecord>>> appends = new ArrayList<>();
    long clientSeq = 0;
    for (int i = 1; i <= N; i += 25) {
      List<Record> batch = new ArrayList<>();
      for (int j = i; j < i + 25 && j <= N; j++) {
        batch.add(line(j));
      }
      drafts.addAll(batch);
      clientSeq += batch.size();
      appends.add(store.append(ACCOUNT, "session-1", clientSeq, batch));
      // Another account's records in the same segments: readers must step over them.
      appends.add(store.append("other", "", 0, List.of(line(-i), line(-i - 1))));
    }
    for (Future<List<StoredRecord>> append : appends) {
      await(append);
    }
    assertThat(store.lastSeq(ACCOUNT)).isEqualTo(N);
    assertThat(segmentFiles()).as("segments on disk").isGreaterThan(10);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void pagedReadReturnsEveryRecordOnceInOrderWithItsExactBytes() throws Exception {
    List<StoredRecord> all = readAll(Scan.after(0, PAGE));
    assertExactly(all, seq -> true);
    // Starting in the middle of a block gives exactly the rest.
    List<StoredRecord> rest = readAll(Scan.after(3_333, PAGE));
    assertThat(rest).extracting(StoredRecord::seq).first().isEqualTo(3_334L);
    assertThat(rest).hasSize(N - 3_333);
  }

  @Test
  void hintedReadsAfterFilteringGiveExactlyTheWantedRecords() throws Exception {
    long from = BASE + 2_500_000L;
    long to = BASE + 3_000_000L;
    Scan runner = new Scan(0, PAGE, "api", "r-rare", null, Long.MIN_VALUE, Long.MAX_VALUE,
        Long.MAX_VALUE);
    Scan request = Scan.after(0, PAGE).request("api", "req-70");
    Scan time = Scan.after(0, PAGE).between(from, to);

    assertExactly(filter(readAll(runner), r -> isApp(r, "api") && isRunner(r, "r-rare")),
        r -> isApp(r, "api") && isRunner(r, "r-rare"));
    assertExactly(filter(readAll(request), r -> isApp(r, "api") && isRequest(r, "req-70")),
        r -> isApp(r, "api") && isRequest(r, "req-70"));
    // Lines outside any request ("_") are not in the blocks' filters: the hint must not skip.
    Scan noRequest = Scan.after(0, PAGE).request("api", "_");
    assertExactly(filter(readAll(noRequest), r -> isApp(r, "api") && isRequest(r, "_")),
        r -> isApp(r, "api") && isRequest(r, "_"));
    // Runner r2's clock is behind: its lines in range were stored 3,000 records later.
    Predicate<Record> inRange = r -> r.getTimeUnixNano() >= from && r.getTimeUnixNano() < to;
    List<StoredRecord> timed = filter(readAll(time), inRange);
    assertExactly(timed, inRange);
    assertThat(timed).extracting(s -> s.record().getLabels().getRunnerId()).contains("r1", "r2");
  }

  @Test
  void runnerHintSkipsBlocksThatCannotHoldTheRunner() throws Exception {
    List<StoredRecord> raw = readAll(
        new Scan(0, PAGE, "api", "r-rare", null, Long.MIN_VALUE, Long.MAX_VALUE,
        Long.MAX_VALUE));
    // 16 wanted records in two blocks, plus the ring: far fewer than the whole account.
    assertThat(raw.size()).isLessThan(N / 3);
  }

  @Test
  void diskReadsCompleteOffTheEventLoopOnTheCallersContext() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Context context = vertx.getOrCreateContext();
      CompletableFuture<Boolean> completeAtOnce = new CompletableFuture<>();
      CompletableFuture<Boolean> ringAtOnce = new CompletableFuture<>();
      CompletableFuture<Context> completedOn = new CompletableFuture<>();
      CompletableFuture<ReadResult> result = new CompletableFuture<>();
      context.runOnContext(v -> {
        Future<ReadResult> disk = store.read(ACCOUNT, Scan.after(10, 50));
        // Completion must hop back onto this context, which we are still running on: had the
        // read touched the disk here, or completed elsewhere, it would already be complete.
        completeAtOnce.complete(disk.isComplete());
        disk.onComplete(ar -> {
          completedOn.complete(Vertx.currentContext());
          result.complete(ar.result());
        });
        ringAtOnce.complete(store.read(ACCOUNT, Scan.after(N - 10, 50)).isComplete());
      });
      assertThat(completeAtOnce.get(10, TimeUnit.SECONDS)).as("disk read complete at once")
          .isFalse();
      assertThat(ringAtOnce.get(10, TimeUnit.SECONDS)).as("ring read complete at once").isTrue();
      assertThat(completedOn.get(10, TimeUnit.SECONDS)).isSameAs(context);
      assertThat(result.get(10, TimeUnit.SECONDS).records()).extracting(StoredRecord::seq)
          .first().isEqualTo(11L);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void reopenedStoreGivesTheSameAnswers() throws Exception {
    List<Scan> scans = List.of(Scan.after(0, PAGE), Scan.after(4_000, 500),
        new Scan(0, PAGE, "api", "r-rare", null, Long.MIN_VALUE, Long.MAX_VALUE,
        Long.MAX_VALUE),
        Scan.after(0, PAGE).request("api", "req-70"),
        Scan.after(0, PAGE).between(BASE + 2_500_000L, BASE + 3_000_000L));
    List<List<String>> before = new ArrayList<>();
    for (Scan scan : scans) {
      before.add(fingerprint(readAll(scan)));
    }
    store.close();
    store = open();
    assertThat(store.lastSeq(ACCOUNT)).isEqualTo(N);
    assertThat(store.lastClientSeq(ACCOUNT, "session-1")).isEqualTo(N);
    for (int i = 0; i < scans.size(); i++) {
      assertThat(fingerprint(readAll(scans.get(i)))).as("scan %s", scans.get(i))
          .isEqualTo(before.get(i));
    }
    assertExactly(readAll(Scan.after(0, PAGE)), seq -> true);
  }

  @Test
  void requestViewKnowsEndedAndRunningRequestsAcrossARestart() throws Exception {
    RequestStatus running = RequestStatus.REQUEST_STATUS_UNSPECIFIED;
    List<StoredRecord> stored = await(store.append(ACCOUNT, "", 0, List.of(
        event(RecordKind.REQUEST_START, "api", "q1", running),
        record(RecordKind.LINE, "api", "r1", "q1", BASE, "working").build(),
        event(RecordKind.REQUEST_START, "api", "q2", running),
        event(RecordKind.REQUEST_START, "web", "q1", running), // same id, other app
        record(RecordKind.LINE, "api", "r1", "q2", BASE, "also working").build(),
        event(RecordKind.REQUEST_END, "api", "q1", RequestStatus.REQUEST_ERROR))));
    long s1 = stored.get(0).seq();
    // Push them out of the ring, so a read of q1 goes to disk.
    List<Record> pad = new ArrayList<>();
    for (int i = 0; i < 3 * RECENT; i++) {
      pad.add(line(N + 100 + i));
    }
    await(store.append(ACCOUNT, "", 0, pad));

    for (int round = 0; round < 2; round++) {
      assertThat(store.request(ACCOUNT, "api", "q1")).contains(
          new RequestSpan(s1, s1 + 5, RequestStatus.REQUEST_ERROR, "alice", ""));
      assertThat(store.request(ACCOUNT, "api", "q2")).contains(
          new RequestSpan(s1 + 2, 0, running, "alice", ""));
      assertThat(store.request(ACCOUNT, "web", "q1")).contains(
          new RequestSpan(s1 + 3, 0, running, "alice", ""));
      assertThat(store.request(ACCOUNT, "api", "nope")).isEmpty();
      assertThat(store.request("other", "api", "q1")).isEmpty();
      List<StoredRecord> q1 = filter(readAll(Scan.after(s1 - 1, PAGE).request("api", "q1")),
          r -> isApp(r, "api") && isRequest(r, "q1"));
      assertThat(q1).extracting(StoredRecord::seq).containsExactly(s1, s1 + 1, s1 + 5);
      assertThat(q1).extracting(s -> s.record().getKind()).containsExactly(
          RecordKind.REQUEST_START, RecordKind.LINE, RecordKind.REQUEST_END);
      store.close();
      store = open();
    }
  }

  // ---- reading ----

  /** Pages through the account with {@code first}'s hints until lastSeq; bounded. */
  private List<StoredRecord> readAll(Scan first) throws Exception {
    long last = store.lastSeq(ACCOUNT);
    List<StoredRecord> out = new ArrayList<>();
    Scan scan = first;
    for (int reads = 0; reads < 10_000; reads++) {
      ReadResult read = await(store.read(ACCOUNT, scan));
      assertThat(read.missing()).isZero();
      assertThat(read.lastExamined()).as("progress after %s", scan.afterSeq())
          .isGreaterThan(scan.afterSeq());
      assertThat(read.records().size()).isLessThanOrEqualTo(scan.max());
      for (StoredRecord record : read.records()) {
        assertThat(record.seq()).isGreaterThan(scan.afterSeq())
            .isLessThanOrEqualTo(read.lastExamined());
        out.add(record);
      }
      if (read.lastExamined() >= last) {
        return out;
      }
      scan = scan.continueAfter(read.lastExamined());
    }
    return fail("no end after 10,000 reads");
  }

  /** {@code read} holds exactly the records of {@code wanted}, in order, byte for byte. */
  private void assertExactly(List<StoredRecord> read, Predicate<Record> wanted)
      throws Exception {
    List<Long> expected = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      if (wanted.test(drafts.get(i))) {
        expected.add(i + 1L);
      }
    }
    assertThat(read).extracting(StoredRecord::seq).containsExactlyElementsOf(expected);
    for (StoredRecord stored : read) {
      Record draft = drafts.get((int) stored.seq() - 1);
      assertThat(stored.record().toBuilder().clearSeq().clearCursor().build())
          .isEqualTo(draft);
      assertThat(Arrays.equals(stored.encoded(), StoredRecord.of(stored.seq(), draft).encoded()))
          .as("wire bytes of %s", stored.seq()).isTrue();
      Record wire = Record.parseFrom(stored.encoded());
      assertThat(wire.getSeq()).isEqualTo(stored.seq());
      assertThat(Cursor.seq(wire.getCursor())).isEqualTo(stored.seq());
    }
  }

  private static List<String> fingerprint(List<StoredRecord> records) {
    return records.stream().map(r -> r.seq() + ":" + Arrays.hashCode(r.encoded())).toList();
  }

  private static List<StoredRecord> filter(List<StoredRecord> in, Predicate<Record> keep) {
    return in.stream().filter(s -> keep.test(s.record())).toList();
  }

  private static boolean isApp(Record r, String app) {
    return r.getLabels().getAppName().equals(app);
  }

  private static boolean isRunner(Record r, String runner) {
    return r.getLabels().getRunnerId().equals(runner);
  }

  private static boolean isRequest(Record r, String request) {
    return r.getLabels().getRequestId().equals(request);
  }

  // ---- data ----

  private SegmentStore open() throws Exception {
    return SegmentStore.open(dir, new SegmentStore.Options(64 * 1024, FsyncPolicy.always(),
        RECENT, Duration.ofDays(30), 0, Duration.ofHours(1), 10_000));
  }

  private long segmentFiles() throws Exception {
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).count();
    }
  }

  /**
   * Line {@code i}: apps api/web, runners r1/r2 (r2 with a slow clock) and a rare runner at
   * 2000..2010 and 4500..4505, requests of 40 lines ("_" for every seventh).
   */
  private static Record line(int i) {
    int n = Math.abs(i);
    String app = n % 3 == 0 ? "web" : "api";
    boolean rare = (n >= 2_000 && n <= 2_010) || (n >= 4_500 && n <= 4_505);
    String runner = rare ? "r-rare" : n % 2 == 0 ? "r2" : "r1";
    String request = n % 7 == 0 ? "_" : "req-" + n / 40;
    long time = BASE + n * 1_000L - ("r2".equals(runner) ? SKEW : 0);
    return record(RecordKind.LINE, app, runner, request, time, "line " + i + " " + PAD).build();
  }

  private static Record event(RecordKind kind, String app, String request, RequestStatus status) {
    return record(kind, app, "r1", request, BASE, kind.name())
        .setRequest(RequestInfo.newBuilder().setCaller("alice").setStatus(status)).build();
  }

  private static Record.Builder record(RecordKind kind, String app, String runner,
      String request, long time, String message) {
    return Record.newBuilder().setSubject(app + "." + runner + "." + request).setKind(kind)
        .setTimeUnixNano(time).setLevel(Level.INFO).setStream(Stream.STDOUT)
        .setMessage(message).setLabels(Labels.newBuilder().setAccount(ACCOUNT).setAppName(app)
            .setRunnerId(runner).setRequestId(request).setCaller("alice"));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
