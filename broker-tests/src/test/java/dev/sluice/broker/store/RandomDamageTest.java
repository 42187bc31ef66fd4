package dev.sluice.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.access.OpenAccess;
import dev.sluice.broker.store.DamagedStoreTest.Located;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.broker.store.segment.SegmentFiles;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.TailCollector;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single flipped bytes at random places of a 100 MB log, one after another (a fixed seed and
 * a bounded count): after each flip the broker starts on the damaged log, and every record
 * whose bytes were not touched is served, in order, while each lost one is told as a gap.
 */
class RandomDamageTest {
  private static final long SEED = 20_261_206L;
  private static final int FLIPS = 24;
  private static final long LOG_BYTES = 100L << 20;
  private static final long SEGMENT_BYTES = 16L << 20;
  private static final String TEXT = "z".repeat(180);

  @Test
  void afterEachOfManyRandomFlipsEveryUntouchedRecordIsServed(@TempDir Path dataDir)
      throws Exception {
    Path log = dataDir.resolve("log");
    long written = fill(log);
    List<Located> frames = DamagedStoreTest.locate(log);
    List<Path> segments = SegmentFiles.segments(log);
    long[] sizes = new long[segments.size()];
    long total = 0;
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = Files.size(segments.get(i));
      total += sizes[i];
    }
    assertThat(total).isGreaterThanOrEqualTo(LOG_BYTES);
    TreeSet<Long> expected = new TreeSet<>();
    for (long seq = 1; seq <= written; seq++) {
      expected.add(seq);
    }
    TreeSet<Long> lost = new TreeSet<>();
    Random random = new Random(SEED);
    BrokerConfig config = BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir)
        .withInsecure(true).withStore(BrokerConfig.StoreKind.SEGMENT, FsyncPolicy.always())
        .withSegmentBytes(SEGMENT_BYTES);
    for (int flip = 0; flip < FLIPS; flip++) {
      long at = Math.floorMod(random.nextLong(), total);
      int file = 0;
      while (at >= sizes[file]) {
        at -= sizes[file++];
      }
      Path segment = segments.get(file);
      Located hit = frameAt(frames, segment, at);
      if (hit != null && hit.type() == SegmentStore.RECORD) {
        expected.remove(hit.seq());
        lost.add(hit.seq());
      }
      SegmentFiles.flip(segment, at);
      try (Broker broker = Broker.start(config)) {
        List<Notice> notices = new ArrayList<>();
        List<Long> served = replayAll(broker, expected.size(), notices);
        // List equality, not containsExactly: that one is quadratic in the records' number.
        assertThat(served.equals(List.copyOf(expected)))
            .as("after flip %d at %s:%d: %d records served of %d expected, first difference at "
                + "%s", flip, segment.getFileName(), at, served.size(), expected.size(),
                firstDifference(served, List.copyOf(expected))).isTrue();
        for (long seq : lost) {
          assertThat(notices).as("a gap notice for lost record %d", seq)
              .anyMatch(n -> n.getFirstSeq() <= seq && seq <= n.getLastSeq());
        }
        long previous = 0;
        for (Notice n : notices) {
          assertThat(expected.subSet(n.getFirstSeq(), true, n.getLastSeq(), true))
              .as("records served inside the gap %s", n.getDetail()).isEmpty();
          assertThat(n.getDetail()).contains("lost to damage"); // nothing was deleted
          assertThat(n.getFirstSeq()).as("gaps in order, each once").isGreaterThan(previous);
          previous = n.getLastSeq();
        }
      }
    }
    assertThat(lost).as("flips that hit records").isNotEmpty();
  }

  @Test
  void afterEachOfManyRandomFlipsEveryAccountKeepsItsUntouchedRecordsAndIsToldOfTheRest(
      @TempDir Path dir) throws Exception {
    String[] accounts = {"a", "bb", "ccc", "dddd"};
    long segmentBytes = 1L << 20;
    java.util.Map<String, TreeSet<Long>> expected = new java.util.HashMap<>();
    try (SegmentStore store = SegmentStore.open(dir, segmentBytes, FsyncPolicy.always(), 1)) {
      Random sizes = new Random(SEED);
      long[] next = new long[accounts.length];
      for (int batch = 0; batch < 400; batch++) {
        int i = sizes.nextInt(accounts.length);
        int n = 1 + sizes.nextInt(60);
        List<Record> records = DamagedStoreTest.drafts(next[i] + 1, next[i] + n);
        DamagedStoreTest.append(store, accounts[i], next[i] + 1, records);
        for (int k = 1; k <= n; k++) {
          expected.computeIfAbsent(accounts[i], a -> new TreeSet<>()).add(next[i] + k);
        }
        next[i] += n;
      }
    }
    List<Located> frames = DamagedStoreTest.locate(dir);
    List<Path> segments = SegmentFiles.segments(dir);
    long[] sizes = new long[segments.size()];
    long total = 0;
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = Files.size(segments.get(i));
      total += sizes[i];
    }
    java.util.Map<String, TreeSet<Long>> lost = new java.util.HashMap<>();
    Random random = new Random(SEED + 1);
    for (int flip = 0; flip < 40; flip++) {
      long at = Math.floorMod(random.nextLong(), total);
      int file = 0;
      while (at >= sizes[file]) {
        at -= sizes[file++];
      }
      Located hit = frameAt(frames, segments.get(file), at);
      if (hit != null && hit.type() == SegmentStore.RECORD) {
        expected.get(hit.account()).remove(hit.seq());
        lost.computeIfAbsent(hit.account(), a -> new TreeSet<>()).add(hit.seq());
      }
      SegmentFiles.flip(segments.get(file), at);
      try (SegmentStore store = SegmentStore.open(dir, segmentBytes, FsyncPolicy.always(), 1)) {
        for (String account : accounts) {
          List<LogStore.Lost> crossed = new ArrayList<>();
          List<Long> served = readAll(store, account, crossed);
          assertThat(served).as("account %s after flip %d", account, flip)
              .isEqualTo(List.copyOf(expected.get(account)));
          long previous = 0;
          for (LogStore.Lost range : crossed) {
            assertThat(range.first()).as("gaps in order, each once").isGreaterThan(previous);
            assertThat(expected.get(account).subSet(range.first(), true, range.last(), true))
                .as("records served inside %s", range).isEmpty();
            previous = range.last();
          }
          long newest = expected.get(account).last();
          for (long seq : lost.getOrDefault(account, new TreeSet<>())) {
            if (seq < newest) {
              assertThat(crossed).as("account %s: the gap of lost record %d", account, seq)
                  .anyMatch(l -> l.first() <= seq && seq <= l.last());
            }
          }
        }
      }
    }
    assertThat(lost.keySet()).as("flips that hit several accounts' records").hasSizeGreaterThan(1);
  }

  /** Every record of {@code account}, with the lost ranges the reads crossed; no retention. */
  private static List<Long> readAll(SegmentStore store, String account,
      List<LogStore.Lost> crossed) throws Exception {
    List<Long> out = new ArrayList<>();
    long after = 0;
    for (int i = 0; i < 100_000; i++) {
      LogStore.ReadResult read = store.read(account, Scan.after(after, 97)).toCompletionStage()
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(read.missing()).as("records told deleted (none were)").isZero();
      read.records().forEach(r -> out.add(r.seq()));
      crossed.addAll(read.lost());
      if (read.lastExamined() <= after) {
        return out;
      }
      after = read.lastExamined();
    }
    throw new AssertionError("the read did not end");
  }

  /** Writes records of about 200 bytes in batches of 1,000 until the log holds 100 MB. */
  private static long fill(Path log) throws Exception {
    long seq = 0;
    try (SegmentStore store = SegmentStore.open(log, SEGMENT_BYTES, FsyncPolicy.always(), 1)) {
      long bytes = 0;
      while (bytes < LOG_BYTES) {
        List<Record> batch = new ArrayList<>(1_000);
        for (int i = 0; i < 1_000; i++) {
          seq++;
          batch.add(Record.newBuilder().setSubject("app.r1._").setMessage(seq + " " + TEXT)
              .setTimeUnixNano(seq).setLabels(Labels.newBuilder().setAppName("app")
                  .setRunnerId("r1")).build());
        }
        DamagedStoreTest.append(store, OpenAccess.ACCOUNT, seq, batch);
        bytes += 1_000L * 230;
      }
    }
    return seq;
  }

  /** The frame that holds byte {@code at} of {@code segment}, or null (file header, padding). */
  private static Located frameAt(List<Located> frames, Path segment, long at) {
    int lo = 0;
    int hi = frames.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      Located f = frames.get(mid);
      int bySegment = f.segment().compareTo(segment);
      if (bySegment < 0 || bySegment == 0 && f.frame().end() <= at) {
        lo = mid + 1;
      } else if (bySegment > 0 || f.frame().offset() > at) {
        hi = mid - 1;
      } else {
        return f;
      }
    }
    return null;
  }

  private static String firstDifference(List<Long> served, List<Long> expected) {
    for (int i = 0; i < Math.min(served.size(), expected.size()); i++) {
      if (!served.get(i).equals(expected.get(i))) {
        return "index " + i + ": served " + served.get(i) + ", expected " + expected.get(i);
      }
    }
    return "the end of the shorter list";
  }

  /** Every record a tail from the start replays, with its notices. */
  private static List<Long> replayAll(Broker broker, int count, List<Notice> notices)
      throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.grpcPort())
        .usePlaintext().build();
    try (TailCollector tail = TailCollector.tail(channel, TailRequest.newBuilder()
        .setFilter(">").setStart(StartPosition.newBuilder().setSinceUnixNano(1)).build())) {
      Awaitility.await().atMost(Duration.ofSeconds(60))
          .until(() -> tail.records().size() >= count || tail.isEnded());
      notices.addAll(tail.notices());
      return tail.records().stream().map(Record::getSeq).toList();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
