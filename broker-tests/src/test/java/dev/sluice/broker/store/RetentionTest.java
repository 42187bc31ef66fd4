package dev.sluice.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.store.LogStore.ReadResult;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import io.vertx.core.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention deletes old segments and never the active one: by age and by total size, oldest
 * first; a read of what it deleted is told how many records are missing; and once every
 * segment of an account is gone, a restarted store still never hands out its old sequence
 * numbers again.
 */
class RetentionTest {
  private static final long SEGMENT = 8 * 1024;
  private static final Duration AGE = Duration.ofHours(1);
  private static final long OLD = System.currentTimeMillis() - 2 * AGE.toMillis();

  @TempDir Path dir;
  private SegmentStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void ageDeletesOldSegmentsOldestFirstAndNeverTheActiveOne() throws Exception {
    store = open(0);
    append("acme", 600);
    List<Path> files = segments();
    assertThat(files).hasSizeGreaterThan(5);

    // The oldest is recent: nothing behind it goes, or the stored sequence would have a hole.
    age(files.get(1), files.get(2));
    assertThat(store.enforceRetention(System.currentTimeMillis())).isZero();
    assertThat(segments()).isEqualTo(files);

    age(files.get(0));
    assertThat(store.enforceRetention(System.currentTimeMillis())).isEqualTo(3);
    assertThat(segments()).isEqualTo(files.subList(3, files.size()));

    // Everything old, the active segment too: all but the active one go.
    age(segments().toArray(Path[]::new));
    assertThat(store.enforceRetention(System.currentTimeMillis())).isEqualTo(files.size() - 4);
    assertThat(segments()).containsExactly(files.get(files.size() - 1));

    // The store goes on: the next record follows the last one.
    List<StoredRecord> next = append("acme", 1);
    assertThat(next.get(0).seq()).isEqualTo(601);
    assertThat(await(store.read("acme", Scan.after(600, 10))).records())
        .extracting(StoredRecord::seq).containsExactly(601L);
  }

  @Test
  void sizeLimitDeletesOldestFirstUntilUnderTheLimit() throws Exception {
    long limit = 7 * SEGMENT / 2;
    store = open(limit);
    append("acme", 600);
    // Reopened, the active segment's file is cut back to its last frame: no block padding of
    // a direct write counts in the sizes below that retention does not see.
    store.close();
    store = open(limit);
    List<Path> files = segments();
    List<Long> sizes = new ArrayList<>();
    for (Path file : files) {
      sizes.add(Files.size(file));
    }
    long total = sizes.stream().mapToLong(Long::longValue).sum();
    int expected = 0;
    while (total > limit) {
      total -= sizes.get(expected++);
    }
    assertThat(expected).isBetween(1, files.size() - 1);

    assertThat(store.enforceRetention(System.currentTimeMillis())).isEqualTo(expected);
    assertThat(segments()).isEqualTo(files.subList(expected, files.size()));
    // Not one segment more than needed.
    assertThat(total + sizes.get(expected - 1)).isGreaterThan(limit);
    assertThat(store.enforceRetention(System.currentTimeMillis())).isZero();
  }

  @Test
  void readOfDeletedRecordsReportsThemMissing() throws Exception {
    store = open(0);
    append("acme", 600);
    List<Path> files = segments();
    age(files.get(0), files.get(1));
    assertThat(store.enforceRetention(System.currentTimeMillis())).isEqualTo(2);

    ReadResult fromStart = await(store.read("acme", Scan.after(0, 50)));
    long first = fromStart.records().get(0).seq();
    assertThat(first).isGreaterThan(1);
    assertThat(fromStart.missing()).isEqualTo(first - 1);
    assertThat(await(store.read("acme", Scan.after(5, 50))).missing()).isEqualTo(first - 6);
    ReadResult rest = await(store.read("acme", Scan.after(first - 1, 50)));
    assertThat(rest.missing()).isZero();
    assertThat(rest.records().get(0).seq()).isEqualTo(first);

    // What is left is whole: from the first kept record to the last, once each.
    List<Long> seqs = new ArrayList<>();
    Scan scan = Scan.after(0, 64);
    for (int i = 0; i < 1_000 && scan.afterSeq() < 600; i++) {
      ReadResult read = await(store.read("acme", scan));
      read.records().forEach(r -> seqs.add(r.seq()));
      scan = scan.continueAfter(read.lastExamined());
    }
    assertThat(seqs).containsExactlyElementsOf(
        java.util.stream.LongStream.rangeClosed(first, 600).boxed().toList());
  }

  @Test
  void readsRacingRetentionNeverFailAndStayConsistent() throws Exception {
    store = open(0);
    append("acme", 1_500);
    List<Path> files = segments();
    AtomicBoolean stop = new AtomicBoolean();
    CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
      int reads = 0;
      while ((reads == 0 || !stop.get()) && reads < 1_000_000) {
        ReadResult read = awaitUnchecked(store.read("acme", Scan.after(0, 200)));
        long first = read.records().get(0).seq();
        assertThat(first).as("first record vs missing").isEqualTo(read.missing() + 1);
        assertThat(read.records().get(read.records().size() - 1).seq())
            .isEqualTo(first + read.records().size() - 1);
        reads++;
      }
      return reads;
    });
    for (int i = 0; i < files.size() - 1; i++) {
      age(files.get(i));
      assertThat(store.enforceRetention(System.currentTimeMillis())).isEqualTo(1);
    }
    stop.set(true);
    assertThat(reader.get(20, TimeUnit.SECONDS)).isPositive();
  }

  @Test
  void sequenceNumbersAreNeverReusedAfterAnAccountsSegmentsAreAllDeletedAndTheStoreRestarts()
      throws Exception {
    store = open(0);
    append("acme", 300);
    // Another account fills the next segments, so acme's records are only in old ones.
    long before = segments().size();
    for (int i = 0; i < 100 && segments().size() < before + 2; i++) {
      append("other", 20);
    }
    age(segments().toArray(Path[]::new));
    assertThat(store.enforceRetention(System.currentTimeMillis())).isPositive();
    ReadResult gone = await(store.read("acme", Scan.after(0, 50)));
    assertThat(gone.records()).isEmpty();
    assertThat(gone.missing()).isEqualTo(300);

    for (long expected = 301; expected <= 302; expected++) {
      store.close();
      store = open(0);
      ReadResult afterRestart = await(store.read("acme", Scan.after(0, 50)));
      assertThat(afterRestart.missing()).isEqualTo(expected - 1);
      assertThat(afterRestart.records()).isEmpty();
      assertThat(append("acme", 1).get(0).seq()).as("first seq after restart")
          .isEqualTo(expected);
      // Push acme's new record out of the active segment and delete it too.
      long segs = segments().size();
      for (int i = 0; i < 100 && segments().size() < segs + 1; i++) {
        append("other", 20);
      }
      age(segments().toArray(Path[]::new));
      store.enforceRetention(System.currentTimeMillis());
    }
  }

  /**
   * After a restart, {@code lastSeq} of an account whose every segment retention deleted is
   * still its last sequence (300), as before the restart: a tail takes it as its boundary, so
   * one resuming from an old cursor is told of the gap rather than refused or left silent.
   */
  @Test
  void lastSeqOfAnAccountWhoseSegmentsWereAllDeletedSurvivesARestart() throws Exception {
    store = open(0);
    append("acme", 300);
    long before = segments().size();
    for (int i = 0; i < 100 && segments().size() < before + 2; i++) {
      append("other", 20);
    }
    age(segments().toArray(Path[]::new));
    assertThat(store.enforceRetention(System.currentTimeMillis())).isPositive();
    assertThat(store.lastSeq("acme")).isEqualTo(300);

    store.close();
    store = open(0);
    ReadResult read = await(store.read("acme", Scan.after(100, 50)));
    assertThat(read.missing()).isEqualTo(200);
    assertThat(store.lastSeq("acme")).as("lastSeq after restart")
        .isEqualTo(read.lastExamined()).isEqualTo(300);
  }

  // ---- helpers ----

  private SegmentStore open(long retentionBytes) throws Exception {
    return SegmentStore.open(dir, new SegmentStore.Options(SEGMENT, FsyncPolicy.always(), 20,
        AGE, retentionBytes, Duration.ofHours(1), 1_000));
  }

  /** Appends {@code n} records in batches of ten; returns them once all are on disk. */
  private List<StoredRecord> append(String account, int n) throws Exception {
    List<Future<List<StoredRecord>>> pending = new ArrayList<>();
    for (int i = 0; i < n; i += 10) {
      List<Record> batch = new ArrayList<>();
      for (int j = i; j < Math.min(n, i + 10); j++) {
        batch.add(Record.newBuilder().setSubject("app.r1._").setLevel(Level.INFO)
            .setMessage("line " + j + " " + "x".repeat(60))
            .setLabels(Labels.newBuilder().setAccount(account).setAppName("app")
                .setRunnerId("r1").setRequestId("_")).build());
      }
      pending.add(store.append(account, "", 0, batch));
    }
    List<StoredRecord> out = new ArrayList<>();
    for (Future<List<StoredRecord>> f : pending) {
      out.addAll(await(f));
    }
    return out;
  }

  private List<Path> segments() throws Exception {
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
    }
  }

  private static void age(Path... files) throws Exception {
    for (Path file : files) {
      Files.setLastModifiedTime(file, FileTime.fromMillis(OLD));
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static <T> T awaitUnchecked(Future<T> future) {
    try {
      return await(future);
    } catch (Exception e) {
      throw new AssertionError("read failed", e);
    }
  }
}
