package dev.sluice.broker.store.segment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentLogTest {
  private static final long SEGMENT = 1 << 20;

  private static List<byte[]> bodies(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> ("entry " + i).getBytes(StandardCharsets.UTF_8))
        .collect(Collectors.toList());
  }

  private static List<String> texts(List<SegmentLog.Entry> entries) {
    return entries.stream().map(e -> new String(e.body(), StandardCharsets.UTF_8))
        .collect(Collectors.toList());
  }

  private static List<String> expected(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> "entry " + i).collect(Collectors.toList());
  }

  /** Entries handed to the recovery visitor by the last {@link #open}. */
  private final List<SegmentLog.Entry> recovered = new ArrayList<>();

  private SegmentLog open(Path dir, long segmentBytes, FsyncPolicy fsync) throws IOException {
    recovered.clear();
    return SegmentLog.open(dir, segmentBytes, fsync, recovered::add);
  }

  private static List<SegmentLog.Position> append(SegmentLog log, List<byte[]> bodies)
      throws Exception {
    return log.append(bodies).get(10, TimeUnit.SECONDS);
  }

  @Test
  void appendedEntriesAreReadableAndRecoveredInOrderAfterReopen(@TempDir Path dir) throws Exception {
    List<SegmentLog.Position> positions = new ArrayList<>();
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      positions.addAll(append(log, bodies(0, 5)));
      positions.addAll(append(log, bodies(5, 10)));
      assertThat(new String(log.read(positions.get(7)), StandardCharsets.UTF_8)).isEqualTo("entry 7");
    }
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      assertThat(texts(recovered)).isEqualTo(expected(0, 10));
      assertThat(recovered).extracting(SegmentLog.Entry::position).isEqualTo(positions);
      assertThat(log.recovery().truncatedBytes()).isZero();
      assertThat(log.recovery().damage()).isEmpty();
    }
  }

  @Test
  void concurrentAppendsShareForcesAndCompleteInOrder(@TempDir Path dir) throws Exception {
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.interval(Duration.ofMillis(5)))) {
      List<CompletableFuture<List<SegmentLog.Position>>> futures = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        futures.add(log.append(bodies(i, i + 1)));
      }
      long previous = -1;
      for (CompletableFuture<List<SegmentLog.Position>> f : futures) {
        long offset = f.get(10, TimeUnit.SECONDS).get(0).offset();
        assertThat(offset).isGreaterThan(previous);
        previous = offset;
      }
    }
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      assertThat(texts(recovered)).isEqualTo(expected(0, 200));
    }
  }

  @Test
  void rollsToNewSegmentsAndRecoversAcrossThem(@TempDir Path dir) throws Exception {
    try (SegmentLog log = open(dir, 1024, FsyncPolicy.always())) {
      for (int i = 0; i < 100; i += 10) {
        append(log, bodies(i, i + 10));
      }
    }
    assertThat(segmentFiles(dir)).hasSizeGreaterThan(1);
    try (SegmentLog log = open(dir, 1024, FsyncPolicy.always())) {
      assertThat(texts(recovered)).isEqualTo(expected(0, 100));
    }
  }

  @Test
  void truncatesATornWriteAtTheEndAndKeepsEverythingBefore(@TempDir Path dir) throws Exception {
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      append(log, bodies(0, 10));
    }
    Path last = segmentFiles(dir).get(segmentFiles(dir).size() - 1);
    long intact = Files.size(last);
    // A frame whose header was written whole and whose body was cut short by the crash.
    ByteBuffer torn = ByteBuffer.allocate(12 + 10);
    Frames.putHeader(torn, SegmentFiles.layout(last).key(), intact, 100, 12345);
    SegmentFiles.write(last, intact, torn.array());
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      assertThat(texts(recovered)).isEqualTo(expected(0, 10));
      assertThat(log.recovery().truncatedBytes()).isEqualTo(22);
      assertThat(log.recovery().damage()).isEmpty();
      assertThat(Files.size(last)).isEqualTo(intact);
      append(log, bodies(10, 12));
    }
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      assertThat(texts(recovered)).isEqualTo(expected(0, 12));
    }
  }

  @Test
  void aWriteThatFailedAfterReachingTheFileIsCutBackCompletesOnceAndNeverComesBack(
      @TempDir Path dir) throws Exception {
    java.util.concurrent.atomic.AtomicBoolean failNext =
        new java.util.concurrent.atomic.AtomicBoolean();
    SegmentWriter.Faults faults = () -> {
      if (failNext.getAndSet(false)) {
        throw new IOException("injected: EIO after the write");
      }
    };
    java.util.concurrent.atomic.AtomicInteger failedCallbacks =
        new java.util.concurrent.atomic.AtomicInteger();
    try (SegmentLog log = SegmentLog.open(dir, SEGMENT, FsyncPolicy.always(), e -> { },
        faults)) {
      append(log, bodies(0, 5));
      failNext.set(true);
      CompletableFuture<List<SegmentLog.Position>> failed = log.append(bodies(5, 8),
          (positions, failure) -> {
            if (failure != null) {
              failedCallbacks.incrementAndGet();
            }
          });
      assertThat(failed).failsWithin(Duration.ofSeconds(10));
      List<SegmentLog.Position> after = append(log, bodies(8, 10));
      assertThat(new String(log.read(after.get(1)), StandardCharsets.UTF_8))
          .isEqualTo("entry 9");
    }
    assertThat(failedCallbacks).hasValue(1);
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      List<String> expected = new ArrayList<>(expected(0, 5));
      expected.addAll(expected(8, 10));
      assertThat(texts(recovered)).isEqualTo(expected);
      assertThat(log.recovery().damage()).isEmpty();
    }
  }

  @Test
  void aForceThatFailedAfterTheWriteIsCutBackTooAndTheLogGoesOn(@TempDir Path dir)
      throws Exception {
    java.util.concurrent.atomic.AtomicBoolean failNext =
        new java.util.concurrent.atomic.AtomicBoolean();
    SegmentWriter.Faults faults = new SegmentWriter.Faults() {
      @Override
      public void afterWrite() {
      }

      @Override
      public void beforeForce() throws IOException {
        if (failNext.getAndSet(false)) {
          throw new IOException("injected: fsync failed");
        }
      }
    };
    try (SegmentLog log = SegmentLog.open(dir, SEGMENT, FsyncPolicy.always(), e -> { },
        faults)) {
      append(log, bodies(0, 3));
      failNext.set(true);
      assertThat(log.append(bodies(3, 40))).failsWithin(Duration.ofSeconds(10));
      append(log, bodies(40, 42)); // shorter than the failed write: nothing of it may remain
    }
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      List<String> expected = new ArrayList<>(expected(0, 3));
      expected.addAll(expected(40, 42));
      assertThat(texts(recovered)).isEqualTo(expected);
      assertThat(log.recovery().damage()).isEmpty();
    }
  }

  @Test
  void aFrameTornInsideItsLastBlockFollowedByPaddingIsATornWriteNotDamage(@TempDir Path dir)
      throws Exception {
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      append(log, bodies(0, 6));
    }
    Path last = segmentFiles(dir).get(0);
    long intact = Files.size(last);
    // A direct write of a 1000-byte frame, of which only the first sector reached the disk:
    // its header and part of its body, then the old zeros up to the block's end.
    byte[] written = new byte[8192 - (int) (intact % 4096)];
    ByteBuffer frame = ByteBuffer.wrap(written);
    Frames.putHeader(frame, SegmentFiles.layout(last).key(), intact, 1000, 12345);
    long sectorEnd = (intact + 12 + 511) / 512 * 512;
    while (intact + frame.position() < sectorEnd) {
      frame.put((byte) 'x');
    }
    SegmentFiles.write(last, intact, written);
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      assertThat(texts(recovered)).isEqualTo(expected(0, 6));
      assertThat(log.recovery().damage()).isEmpty();
      assertThat(log.recovery().truncatedBytes()).isPositive();
      assertThat(Files.size(last)).isEqualTo(intact);
    }
  }

  @Test
  void refusesAnEmptyEntryWhichRecoveryCouldNotTellFromPadding(@TempDir Path dir)
      throws Exception {
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
          () -> log.append(List.of("a".getBytes(StandardCharsets.UTF_8), new byte[0])))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entry 1");
    }
  }

  @Test
  void cutsTheZeroPaddingACrashLeftAfterTheLastFrameWithoutCallingItDamage(@TempDir Path dir)
      throws Exception {
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      append(log, bodies(0, 7));
    }
    Path last = segmentFiles(dir).get(0);
    long intact = Files.size(last);
    // A direct write pads its last block with zeros; a crash before the file is cut back
    // leaves them there.
    try (RandomAccessFile file = new RandomAccessFile(last.toFile(), "rw")) {
      file.seek(intact);
      file.write(new byte[4096 - (int) (intact % 4096)]);
    }
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      assertThat(texts(recovered)).isEqualTo(expected(0, 7));
      assertThat(log.recovery().damage()).isEmpty();
      assertThat(log.recovery().truncatedBytes()).isZero();
      assertThat(Files.size(last)).isEqualTo(intact);
      append(log, bodies(7, 9));
    }
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      assertThat(texts(recovered)).isEqualTo(expected(0, 9));
    }
  }

  @Test
  void manyUnalignedAppendsAcrossReopensReadBackWholeAndEndAtTheLastFrame(@TempDir Path dir)
      throws Exception {
    // Each write rewrites the segment's last partial block: none may lose what came before.
    List<SegmentLog.Position> positions = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
        assertThat(texts(recovered)).isEqualTo(expected(0, round * 300));
        for (int i = round * 300; i < (round + 1) * 300; i += 3) {
          positions.addAll(append(log, bodies(i, i + 3)));
        }
        for (int i = 0; i < positions.size(); i += 37) {
          assertThat(new String(log.read(positions.get(i)), StandardCharsets.UTF_8))
              .isEqualTo("entry " + i);
        }
      }
      long end = positions.get(positions.size() - 1).offset() + 12
          + ("entry " + (positions.size() - 1)).length();
      assertThat(Files.size(segmentFiles(dir).get(0))).isEqualTo(end);
    }
  }

  private static List<Path> segmentFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void durableCallbacksRunOnTheWriterThreadInLogOrderBeforeTheFutureCompletes(@TempDir Path dir)
      throws Exception {
    // The store publishes from this callback; if it ran on the appending thread (as a
    // callback added to an already completed future does) it would run under the caller's
    // locks and out of log order.
    List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<List<SegmentLog.Position>>> futures = new ArrayList<>();
    try (SegmentLog log = open(dir, SEGMENT, FsyncPolicy.always())) {
      for (int i = 0; i < 50; i++) {
        int n = i;
        CompletableFuture<List<SegmentLog.Position>> future = log.append(bodies(i, i + 1),
            (positions, failure) -> seen.add(n + "@" + Thread.currentThread().getName()
                + (failure == null ? "" : " failed")));
        futures.add(future.thenApply(p -> {
          assertThat(seen).as("callback before the future").hasSizeGreaterThan(n);
          return p;
        }));
      }
      for (CompletableFuture<List<SegmentLog.Position>> f : futures) {
        f.get(10, TimeUnit.SECONDS);
      }
    }
    assertThat(seen).isEqualTo(IntStream.range(0, 50).mapToObj(i -> i + "@sluice-segment-writer")
        .collect(Collectors.toList()));
  }
}
