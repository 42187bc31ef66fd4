package dev.sluice.bench;

import dev.sluice.broker.store.SegmentStore;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.broker.store.segment.SegmentLog;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * How long the segment store's recovery takes on a large log, against reading the same files
 * sequentially in the same run (the disk's and page cache's speed on this machine today).
 *
 * <p>Writes a log of {@code --gib} GiB through {@link SegmentStore} (records like the load
 * harness's: 200-byte lines over 6,400 subjects, in batches of 2,000 that go round four
 * accounts), closes it, then, in
 * alternating rounds, reads every segment file with 1 MiB reads (the baseline) and opens the
 * store (recovery: every frame checked, every record parsed and indexed). Where it may, it
 * drops the page cache before each (root on Linux); it says whether it could. Prints one line
 * per measurement and a summary: recovery's records/s and its time as a multiple of the
 * baseline's.
 *
 * <pre>{@code
 * java -Xmx4g -cp bench/target/benchmarks.jar dev.sluice.bench.RecoveryBench --gib 10 \
 *     --dir /work/recovery-bench --rounds 2
 * }</pre>
 */
public final class RecoveryBench {
  private static final int BATCH = 2_000;
  private static final long SEGMENT_BYTES = 256L << 20;

  private RecoveryBench() {}

  public static void main(String[] args) throws Exception {
    double gib = 10;
    Path dir = null;
    int rounds = 2;
    boolean keep = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--gib" -> gib = Double.parseDouble(args[++i]);
        case "--dir" -> dir = Path.of(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--keep" -> keep = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + " (expected: --gib N, --dir PATH, --rounds N, --keep)");
      }
    }
    if (dir == null) {
      dir = Files.createTempDirectory("sluice-recovery-bench");
    }
    Files.createDirectories(dir);
    long target = (long) (gib * (1L << 30));
    if (SegmentBytes.of(dir) < target) {
      fill(dir, target);
    } else {
      System.out.printf("using the log already in %s (%.1f GiB)%n", dir,
          SegmentBytes.of(dir) / (double) (1L << 30));
    }
    long bytes = SegmentBytes.of(dir);
    List<double[]> results = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      boolean dropped = dropCaches();
      double read = readAll(dir);
      System.out.printf("round %d: plain read %.1f s (%.0f MB/s)%s%n", round, read,
          bytes / 1e6 / read, dropped ? ", page cache dropped" : ", page cache warm");
      dropped = dropCaches();
      long heapBefore = usedHeap();
      long start = System.nanoTime();
      SegmentLog.Recovery recovery;
      try (SegmentStore store = SegmentStore.open(dir, SEGMENT_BYTES, FsyncPolicy.always(),
          10_000)) {
        recovery = store.recovery();
        double seconds = (System.nanoTime() - start) / 1e9;
        long heap = usedHeap() - heapBefore;
        System.out.printf("round %d: recovery %.1f s: %,d entries (%.0f MB/s, %,d entries/s "
            + "in the scan), %d damaged ranges, store heap %d MB%s%n", round, seconds,
            recovery.entries(), bytes / 1e6 / seconds, recovery.entriesPerSecond(),
            recovery.damage().size(), heap >> 20,
            dropped ? ", page cache dropped" : ", page cache warm");
        results.add(new double[] {read, seconds, recovery.entries()});
      }
    }
    System.out.printf("%n| log | round | plain read (s) | recovery (s) | recovery / read | "
        + "entries/s |%n|---|---:|---:|---:|---:|---:|%n");
    for (int i = 0; i < results.size(); i++) {
      double[] r = results.get(i);
      System.out.printf("| %.1f GiB | %d | %.1f | %.1f | %.2f | %,.0f |%n",
          bytes / (double) (1L << 30), i + 1, r[0], r[1], r[1] / r[0], r[2] / r[1]);
    }
    if (!keep) {
      SegmentBytes.delete(dir);
    }
  }

  /** Writes records until the log holds {@code target} bytes, with progress. */
  private static void fill(Path dir, long target) throws Exception {
    System.out.printf("writing %.1f GiB into %s ...%n", target / (double) (1L << 30), dir);
    String text = "x".repeat(200);
    long start = System.nanoTime();
    long next = 1L << 30;
    try (SegmentStore store = SegmentStore.open(dir, SEGMENT_BYTES,
        FsyncPolicy.interval(java.time.Duration.ofMillis(5)), 10_000)) {
      long seq = 0;
      long written = 0;
      while (written < target) {
        List<Record> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
          seq++;
          int subject = (int) (seq % 6_400);
          String app = "app-" + subject / 1_600;
          String runner = "runner-" + subject / 100 % 16;
          String request = "req-" + subject % 100;
          batch.add(Record.newBuilder().setSubject(app + "." + runner + "." + request)
              .setMessage(text).setLevel(Level.INFO).setTimeUnixNano(System.nanoTime())
              .setLabels(Labels.newBuilder().setAppName(app).setRunnerId(runner)
                  .setRequestId(request)).build());
        }
        long account = seq / BATCH % 4; // batches go round four accounts
        store.append("acct-" + account, "bench/" + account, seq, batch).toCompletionStage()
            .toCompletableFuture().get(60, TimeUnit.SECONDS);
        written = SegmentBytes.of(dir);
        if (written >= next) {
          System.out.printf("  %.0f GiB written, %.0f MB/s%n", written / (double) (1L << 30),
              written / 1e6 / ((System.nanoTime() - start) / 1e9));
          next += 1L << 30;
        }
      }
    }
  }

  /** Reads every segment file front to back in 1 MiB reads; returns the seconds it took. */
  private static double readAll(Path dir) throws IOException {
    long start = System.nanoTime();
    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
    long sum = 0;
    for (Path file : SegmentBytes.files(dir)) {
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        long at = 0;
        int n;
        while ((n = channel.read(buf.clear(), at)) > 0) {
          at += n;
          sum += buf.get(0);
        }
      }
    }
    if (sum == Long.MIN_VALUE) {
      System.out.println(); // keeps the reads from being optimised away
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** Drops the page cache where the process may (root on Linux); false if it could not. */
  private static boolean dropCaches() {
    try {
      new ProcessBuilder("sync").inheritIO().start().waitFor();
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
      return true;
    } catch (IOException | InterruptedException | RuntimeException e) {
      return false;
    }
  }

  private static long usedHeap() {
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The segment files of a log directory and their sizes. */
  private static final class SegmentBytes {
    static List<Path> files(Path dir) throws IOException {
      try (Stream<Path> list = Files.list(dir)) {
        return list.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
      }
    }

    static long of(Path dir) throws IOException {
      long total = 0;
      for (Path file : files(dir)) {
        total += Files.size(file);
      }
      return total;
    }

    static void delete(Path dir) throws IOException {
      try (Stream<Path> list = Files.list(dir)) {
        for (Path file : list.toList()) {
          Files.deleteIfExists(file);
        }
      }
      Files.deleteIfExists(dir);
    }
  }
}
