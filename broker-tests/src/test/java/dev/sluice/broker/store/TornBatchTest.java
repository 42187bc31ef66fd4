package dev.sluice.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Record;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash that cuts a batch's write short leaves some of its records on disk without the
 * batch's end. The batch was never acknowledged, so the runner sends it again: recovery must
 * drop the partial batch, or those records would be stored twice.
 */
class TornBatchTest {
  private static final String ACCOUNT = "acct";
  private static final String SESSION = "app/r1/s1";

  private static List<Record> drafts(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> Record.newBuilder()
        .setSubject("app.r1._").setMessage("line " + i).setTimeUnixNano(i)
        .setLabels(Labels.newBuilder().setAppName("app").setRunnerId("r1")).build())
        .collect(Collectors.toList());
  }

  private static void append(SegmentStore store, long clientSeq, List<Record> drafts)
      throws Exception {
    store.append(ACCOUNT, SESSION, clientSeq, drafts).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private static List<String> all(SegmentStore store) throws Exception {
    List<String> out = new ArrayList<>();
    long after = 0;
    for (int i = 0; i < 1_000; i++) {
      LogStore.ReadResult read = store.read(ACCOUNT, Scan.after(after, 100))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      read.records().forEach(r -> out.add(r.seq() + ":" + r.record().getMessage()));
      if (read.lastExamined() <= after) {
        break;
      }
      after = read.lastExamined();
    }
    return out;
  }

  private static Path segment(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
    }
  }

  @Test
  void aBatchCutShortByACrashIsDroppedAndItsResendIsStoredOnce(@TempDir Path dir)
      throws Exception {
    // recent = 1: every read but the newest record's goes through the index to disk.
    try (SegmentStore store = SegmentStore.open(dir, 1 << 20, FsyncPolicy.always(), 1)) {
      append(store, 1, drafts(1, 10));
      append(store, 2, drafts(11, 20));
    }
    // The crash: the second batch's end entry is cut (a torn write); its ten records are
    // whole on disk, but the batch was never acknowledged.
    Path file = segment(dir);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(channel.size() - 1);
    }
    try (SegmentStore store = SegmentStore.open(dir, 1 << 20, FsyncPolicy.always(), 1)) {
      assertThat(store.lastSeq(ACCOUNT)).isEqualTo(10);
      assertThat(store.lastClientSeq(ACCOUNT, SESSION)).isEqualTo(1);
      // The runner resends batch 2, then goes on.
      append(store, 2, drafts(11, 20));
      append(store, 3, drafts(21, 25));
      assertThat(all(store)).isEqualTo(expected());
    }
    try (SegmentStore store = SegmentStore.open(dir, 1 << 20, FsyncPolicy.always(), 1)) {
      assertThat(all(store)).isEqualTo(expected());
      assertThat(store.lastClientSeq(ACCOUNT, SESSION)).isEqualTo(3);
    }
  }

  private static List<String> expected() {
    return IntStream.rangeClosed(1, 25).mapToObj(i -> i + ":line " + i)
        .collect(Collectors.toList());
  }
}
