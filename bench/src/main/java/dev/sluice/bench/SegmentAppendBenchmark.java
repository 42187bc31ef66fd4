package dev.sluice.bench;

import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.store.MemoryStore;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.broker.store.segment.SegmentLog;
import dev.sluice.proto.v1.Record;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable append: {@link SegmentLog#append} of 100-entry batches of 200-byte bodies, waiting
 * for the acknowledgement (which comes only after the {@link FsyncPolicy}'s force), with one
 * thread and with four threads appending concurrently (group commit: with {@code always}, the
 * writer should force once per group of waiting appends, not once per append).
 *
 * <p>Baselines in the same run, one thread, on the same disk, writing the same framed bytes
 * (length, CRC32C, a check word, body; framed per batch, like the log) with a plain positional
 * {@link FileChannel#write}: without any force ({@code baselineWriteNoForce}, the page cache's
 * speed) and with {@code force(false)} after every batch ({@code baselineWriteAndForce}, one
 * fdatasync per batch). For comparison, {@link MemoryStore#append} of the same batch as
 * {@link Record}s. One op is one record ({@code @OperationsPerInvocation(100)}).
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar SegmentAppendBenchmark -f 1 -wi 2 -i 4 -w 2s -r 2s
 * }</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class SegmentAppendBenchmark {
  static final int BATCH = 100;
  static final int BODY_BYTES = 200;
  static final long SEGMENT_BYTES = 256L * 1024 * 1024;
  static final int FRAME_HEADER = 12;

  /** 100 bodies of 200 random bytes (fixed seed), shared read-only by every thread. */
  static List<byte[]> bodies() {
    Random random = new Random(42);
    List<byte[]> bodies = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      byte[] body = new byte[BODY_BYTES];
      random.nextBytes(body);
      bodies.add(body);
    }
    return List.copyOf(bodies);
  }

  static Path tempDir() throws IOException {
    return Files.createTempDirectory("sluice-segment-bench");
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (dir == null) {
      return;
    }
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** One segment log in a fresh temp directory, shared by every benchmark thread. */
  @State(Scope.Benchmark)
  public static class Log {
    /** {@code always}: force every group; {@code 5}: force at most every 5 ms. */
    @Param({"always", "5"})
    String fsync;

    final List<byte[]> bodies = bodies();
    final AtomicLong appends = new AtomicLong();
    Path dir;
    SegmentLog log;

    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = tempDir();
      log = SegmentLog.open(dir, SEGMENT_BYTES, FsyncPolicy.parse(fsync), entry -> { });
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      try {
        long segments;
        long bytes;
        try (var files = Files.list(dir)) {
          List<Path> all = files.collect(Collectors.toList());
          segments = all.size();
          bytes = 0;
          for (Path p : all) {
            bytes += Files.size(p);
          }
        }
        log.close();
        // For counting forces externally: fdatasync calls / appends = forces per append.
        System.out.printf("%n[segment fsync=%s] %d appends (%d records), %d segment file(s),"
            + " %d bytes%n", fsync, appends.get(), appends.get() * BATCH, segments, bytes);
      } finally {
        deleteRecursively(dir);
      }
    }
  }

  /**
   * The baselines' file: the same framed bytes, written at the end with a positional write. At
   * 256 MiB it starts a new file and deletes the old one, so the no-force baseline (page-cache
   * speed, GBs per trial) does not fill the disk.
   */
  @State(Scope.Thread)
  public static class Plain {
    final List<byte[]> bodies = bodies();
    Path dir;
    FileChannel channel;
    Path file;
    long size;
    int files;

    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = tempDir();
      roll();
    }

    void roll() throws IOException {
      if (channel != null) {
        channel.close();
        Files.delete(file);
      }
      file = dir.resolve(String.format("%020d.seg", ++files));
      channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      size = 0;
    }

    /**
     * Frames the batch as the log does (length, CRC32C, a check word mixing both with the
     * offset, body) and writes it at the end.
     */
    void writeBatch() throws IOException {
      int bytes = 0;
      for (byte[] body : bodies) {
        bytes += FRAME_HEADER + body.length;
      }
      if (size > 0 && size + bytes > SEGMENT_BYTES) {
        roll();
      }
      ByteBuffer out = ByteBuffer.allocate(bytes);
      for (byte[] body : bodies) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.wrap(body));
        long check = (size + out.position()) * 0x9E3779B97F4A7C15L
            ^ ((long) body.length << 32 | crc.getValue());
        out.putInt(body.length);
        out.putInt((int) crc.getValue());
        out.putInt((int) (check ^ check >>> 29));
        out.put(body);
      }
      out.flip();
      while (out.hasRemaining()) {
        size += channel.write(out, size);
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      try {
        channel.close();
      } finally {
        deleteRecursively(dir);
      }
    }
  }

  /** The broker's in-memory store (default ring size) and the same batch as records. */
  @State(Scope.Thread)
  public static class Memory {
    MemoryStore store;
    List<Record> drafts;
    long clientSeq;

    @Setup(Level.Trial)
    public void open() {
      store = new MemoryStore(BrokerConfig.DEFAULT_MEMORY_STORE_RECORDS);
      Random random = new Random(42);
      List<Record> records = new ArrayList<>(BATCH);
      for (int i = 0; i < BATCH; i++) {
        StringBuilder message = new StringBuilder(BODY_BYTES);
        for (int c = 0; c < BODY_BYTES; c++) {
          message.append((char) ('a' + random.nextInt(26)));
        }
        records.add(Record.newBuilder().setSubject("a.r._").setMessage(message.toString())
            .build());
      }
      drafts = List.copyOf(records);
    }

    @TearDown(Level.Trial)
    public void close() {
      store.close();
    }
  }

  /** One thread: append a batch, wait until it is on disk, repeat. */
  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(BATCH)
  public List<SegmentLog.Position> append(Log s) throws InterruptedException, ExecutionException {
    s.appends.incrementAndGet();
    return s.log.append(s.bodies).get();
  }

  /** Four threads appending concurrently to one log: group commit shares the force. */
  @Benchmark
  @Threads(4)
  @OperationsPerInvocation(BATCH)
  public List<SegmentLog.Position> appendFourThreads(Log s)
      throws InterruptedException, ExecutionException {
    s.appends.incrementAndGet();
    return s.log.append(s.bodies).get();
  }

  /** Baseline: the same framed bytes, plain write, no force (page-cache speed). */
  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(BATCH)
  public long baselineWriteNoForce(Plain s) throws IOException {
    s.writeBatch();
    return s.size;
  }

  /** Reference: the same write, then {@code force(false)} (one fdatasync) per batch. */
  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(BATCH)
  public long baselineWriteAndForce(Plain s) throws IOException {
    s.writeBatch();
    s.channel.force(false);
    return s.size;
  }

  /** For comparison: the in-memory store's append of the same 100 records. */
  @Benchmark
  @Threads(1)
  @OperationsPerInvocation(BATCH)
  public List<StoredRecord> memoryStoreAppend(Memory s) {
    Future<List<StoredRecord>> stored = s.store.append("acct-1", "bench/r1", ++s.clientSeq,
        s.drafts);
    return stored.result();
  }
}
