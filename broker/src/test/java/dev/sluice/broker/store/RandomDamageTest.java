package dev.sluice.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.access.OpenAccess;
import dev.sluice.broker.store.DamagedStoreTest.Located;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.broker.store.segment.SegmentFiles;
import dev.sluice.proto.v1.Labels;
import dev.sluice.broker.testing.TailCollector;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
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
        for (Notice n : notices) {
          assertThat(expected.subSet(n.getFirstSeq(), true, n.getLastSeq(), true))
              .as("records served inside the gap %s", n.getDetail()).isEmpty();
        }
      }
    }
    assertThat(lost).as("flips that hit records").isNotEmpty();
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
