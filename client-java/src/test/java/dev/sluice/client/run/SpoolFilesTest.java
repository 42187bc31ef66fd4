package dev.sluice.client.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.RequestStart;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool's segments on disk: the bound, what goes first, and what is told. */
class SpoolFilesTest {
  private static final long BOUND = SpoolFiles.MIN_BOUND;

  @TempDir
  Path dir;

  @Test
  void withinTheBoundEverythingComesBackInOrder() throws Exception {
    SpoolFiles files = new SpoolFiles(dir.resolve("s"), BOUND);
    for (int i = 0; i < 200; i++) {
      files.append(line(Level.INFO, "line " + i, i + 1));
    }
    assertThat(files.lines()).isEqualTo(200);
    assertThat(java.nio.file.Files.getPosixFilePermissions(dir.resolve("s")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    List<String> back = drain(files);
    assertThat(back).hasSize(200).first().isEqualTo("line 0");
    assertThat(back).last().isEqualTo("line 199");
    assertThat(files.droppedLines()).isZero();
    files.close();
    assertThat(dir.resolve("s")).doesNotExist();
  }

  @Test
  void whenOnlyWarningsAreLeftTheOldestGoButRequestEventsStay() {
    SpoolFiles files = new SpoolFiles(dir.resolve("s"), BOUND);
    files.append(IngestFrame.newBuilder().setRequestStart(RequestStart.newBuilder()
        .setRequestId("req-1")).build());
    int n = 3_000; // about 3 times the bound, all WARN
    for (int i = 0; i < n; i++) {
      files.append(line(Level.WARN, "warn " + i + " " + ".".repeat(40), 1_000 + i));
    }
    assertThat(files.bytes()).isLessThanOrEqualTo(BOUND);
    List<IngestFrame> frames = new ArrayList<>();
    for (List<IngestFrame> chunk = files.takeOldest().frames(); !chunk.isEmpty();
        chunk = files.takeOldest().frames()) {
      frames.addAll(chunk);
    }
    assertThat(frames.get(0).hasBatch() || frames.get(0).hasRequestStart()).isTrue();
    assertThat(frames).filteredOn(IngestFrame::hasRequestStart).hasSize(1);
    List<LogLine> gaps = frames.stream().filter(IngestFrame::hasBatch)
        .map(f -> f.getBatch().getLines(0))
        .filter(l -> l.getMessage().startsWith("sluice run: ")).toList();
    long kept = frames.stream().filter(IngestFrame::hasBatch)
        .filter(f -> f.getBatch().getLines(0).getMessage().startsWith("warn ")).count();
    long told = gaps.stream().mapToLong(l -> Long.parseLong(l.getFieldsOrThrow("dropped_warn")))
        .sum();
    assertThat(told).isEqualTo(files.droppedLines()).isPositive();
    assertThat(kept + told).isEqualTo(n);
    // The oldest went: the first one kept is later than the first one dropped.
    assertThat(gaps.get(0).getTimeUnixNano()).isEqualTo(1_000);
    files.close();
  }

  @Test
  void aDamagedSegmentGivesWhatItCanAndSaysHowManyLinesWereLost() throws Exception {
    Path spool = dir.resolve("s");
    SpoolFiles files = new SpoolFiles(spool, BOUND);
    int n = 400; // more than one segment (a segment is an eighth of the bound)
    for (int i = 0; i < n; i++) {
      files.append(line(Level.INFO, "line " + i + " " + ".".repeat(40), i + 1));
    }
    Path first;
    try (var list = java.nio.file.Files.list(spool)) {
      first = list.sorted().findFirst().orElseThrow();
    }
    long size = java.nio.file.Files.size(first);
    try (var channel = java.nio.channels.FileChannel.open(first,
        java.nio.file.StandardOpenOption.WRITE)) {
      channel.truncate(size / 2 + 7); // cut inside a frame
    }
    SpoolFiles.Taken taken = files.takeOldest();
    List<IngestFrame> frames = taken.frames();
    IngestFrame warning = frames.get(frames.size() - 1);
    long lost = Long.parseLong(warning.getBatch().getLines(0).getFieldsOrThrow("lost_lines"));
    assertThat(warning.getBatch().getLines(0).getMessage())
        .startsWith("sluice run: " + lost + " spooled lines could not be read back");
    assertThat(lost).isPositive();
    assertThat(taken.lines() + lost).isEqualTo(frames.size() - 1 + lost);
    assertThat(files.lostLines()).isEqualTo(lost);
    // The rest of the spool is whole, and the count of what is left is right.
    assertThat(files.lines()).isEqualTo(n - taken.lines() - lost);
    List<String> rest = drain(files);
    assertThat(taken.lines() + lost + rest.size()).isEqualTo(n);
    assertThat(rest.get(rest.size() - 1)).startsWith("line " + (n - 1) + " ");
    files.close();
  }

  @Test
  void aSpoolThatCannotWriteHandsEventsToTheRunnerInstead() throws Exception {
    Path notADirectory = java.nio.file.Files.writeString(dir.resolve("file"), "x");
    List<String> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
    Spool.Delivery full = new Spool.Delivery() {
      @Override
      public void line(dev.sluice.client.runner.LogEntry entry) {
        delivered.add(entry.message());
      }

      @Override
      public void start(String id, String endpoint, String caller, long time) {
        delivered.add("start " + id);
      }

      @Override
      public void end(String id, boolean failed, String message, long time) {
        delivered.add("end " + id);
      }

      @Override
      public int pending() {
        return 1_000; // the runner is full: everything would go to the spool
      }
    };
    java.io.PrintStream stderr = System.err;
    java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
    // A high water of 1: the runner is asked before every event, and every one is spooled.
    try (Spool spool = new Spool(full, notADirectory.resolve("spool"), BOUND, 1)) {
      spool.start("req-1", "", "");
      for (int i = 0; i < 20; i++) {
        spool.line(dev.sluice.client.runner.LogEntry.of(Level.INFO,
            dev.sluice.proto.v1.Stream.STDOUT, "line " + i));
      }
      spool.end("req-1", false, "");
      assertThat(spool.awaitEmpty(java.time.Duration.ofSeconds(10))).isTrue();
    } finally {
      System.setErr(stderr);
    }
    // Said once, not once per event: the spool remembers its disk failed.
    assertThat(said.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
        .filter(l -> l.contains("the spool cannot write"))).hasSize(1);
    List<String> expected = new ArrayList<>();
    expected.add("start req-1");
    for (int i = 0; i < 20; i++) {
      expected.add("line " + i);
    }
    expected.add("end req-1");
    assertThat(delivered).containsExactlyElementsOf(expected);
  }

  private static IngestFrame line(Level level, String message, long time) {
    return IngestFrame.newBuilder().setBatch(LogBatch.newBuilder().addLines(LogLine.newBuilder()
        .setLevel(level).setMessage(message).setTimeUnixNano(time))).build();
  }

  private static List<String> drain(SpoolFiles files) {
    List<String> out = new ArrayList<>();
    for (List<IngestFrame> chunk = files.takeOldest().frames(); !chunk.isEmpty();
        chunk = files.takeOldest().frames()) {
      chunk.forEach(f -> out.add(f.getBatch().getLines(0).getMessage()));
    }
    return out;
  }
}
