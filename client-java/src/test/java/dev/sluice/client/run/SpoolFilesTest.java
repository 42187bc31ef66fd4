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
  void withinTheBoundEverythingComesBackInOrder() {
    SpoolFiles files = new SpoolFiles(dir.resolve("s"), BOUND);
    for (int i = 0; i < 200; i++) {
      files.append(line(Level.INFO, "line " + i, i + 1));
    }
    assertThat(files.lines()).isEqualTo(200);
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
    for (List<IngestFrame> chunk = files.takeOldest(); !chunk.isEmpty();
        chunk = files.takeOldest()) {
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

  private static IngestFrame line(Level level, String message, long time) {
    return IngestFrame.newBuilder().setBatch(LogBatch.newBuilder().addLines(LogLine.newBuilder()
        .setLevel(level).setMessage(message).setTimeUnixNano(time))).build();
  }

  private static List<String> drain(SpoolFiles files) {
    List<String> out = new ArrayList<>();
    for (List<IngestFrame> chunk = files.takeOldest(); !chunk.isEmpty();
        chunk = files.takeOldest()) {
      chunk.forEach(f -> out.add(f.getBatch().getLines(0).getMessage()));
    }
    return out;
  }
}
