package dev.sluice.client.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.testing.SluiceBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice run}'s spool: while the broker is down, what the child prints past half the
 * runner's buffer waits on disk, in order with its request events, and arrives once the broker
 * is back; past the spool's bound the oldest DEBUG/INFO lines go first, and a line says so.
 */
class SpoolTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** The runner holds 200; from 100 on, lines go to the spool. */
  private static final int BUFFER = 200;

  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure();

  @TempDir
  Path dir;

  /**
   * Runs {@code python} under capture while the broker is down; once it has printed (it then
   * waits for a file), checks the spool holds segments on disk, brings the broker back, and
   * returns the exit code.
   */
  private int runOffline(String python, long spoolBytes, Path spoolDir) throws Exception {
    int port = broker.port();
    String target = broker.target();
    broker.stop();
    Path printed = dir.resolve("printed");
    Path go = dir.resolve("go");
    Path script = dir.resolve("child.py");
    Files.writeString(script, """
        import os, socket, time
        def control(command):
            s = socket.socket(socket.AF_UNIX); s.connect(os.environ["SLUICE_CONTROL"])
            s.sendall((command + "\\n").encode()); answer = s.makefile().readline().strip()
            s.close(); assert answer == "ok", answer
        %s
        open("%s", "w").close()
        for _ in range(600):
            if os.path.exists("%s"): break
            time.sleep(0.05)
        print("back")
        """.formatted(python, printed, go));
    CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> {
      SluiceRunner runner = SluiceRunner.builder().target(target).app("app").runner("r1")
          .bufferRecords(BUFFER).build();
      try {
        return new ProcessCapture(runner, WAIT, false,
            new ProcessCapture.Spooling(spoolDir, spoolBytes)).run(List.of("python3",
            script.toString()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Awaitility.await().atMost(WAIT).until(() -> Files.exists(printed));
    try (var files = Files.list(spoolDir)) {
      assertThat(files.filter(f -> f.toString().endsWith(".spool"))).isNotEmpty();
    }
    broker.restartOn(port);
    Files.writeString(go, "go");
    int exit = code.get(60, TimeUnit.SECONDS);
    assertThat(spoolDir).doesNotExist(); // removed at the end
    return exit;
  }

  @Test
  void linesAndRequestsPrintedWhileTheBrokerIsDownArriveInOrderWithTheirTimes() throws Exception {
    Instant before = Instant.now();
    Path spoolDir = dir.resolve("spool");
    int exit = runOffline("""
        for i in range(1, 3001):
            if i == 1001: control("start req-1 /predict")
            print(f"offline {i}")
            if i == 2000: control("end req-1 error out of memory")
        """, 16L << 20, spoolDir);
    Instant printedBy = Instant.now(); // later than every line's reading, earlier than "back"
    assertThat(exit).isZero();

    List<Record> records = all();
    List<Record> lines = records.stream().filter(r -> r.getKind() == RecordKind.LINE).toList();
    assertThat(lines).hasSize(3001);
    for (int i = 0; i < 3000; i++) {
      Record line = lines.get(i);
      assertThat(line.getMessage()).isEqualTo("offline " + (i + 1));
      // Scoped by the request events that went through the spool with them.
      assertThat(line.getSubject()).isEqualTo(i >= 1000 && i < 2000 ? "app.r1.req-1"
          : "app.r1._");
      // The time it was read, not the time it reached the broker.
      assertThat(line.getTimeUnixNano()).isBetween(nanos(before), nanos(printedBy));
    }
    assertThat(lines.get(3000).getMessage()).isEqualTo("back");
    List<Record> events = records.stream().filter(r -> r.getKind() == RecordKind.REQUEST_START
        || r.getKind() == RecordKind.REQUEST_END).toList();
    assertThat(events).extracting(Record::getKind)
        .containsExactly(RecordKind.REQUEST_START, RecordKind.REQUEST_END);
    assertThat(events.get(1).getMessage()).contains("out of memory");
    assertThat(events.get(0).getTimeUnixNano())
        .isBetween(lines.get(999).getTimeUnixNano(), lines.get(1000).getTimeUnixNano());
    assertThat(events.get(1).getTimeUnixNano())
        .isBetween(lines.get(1999).getTimeUnixNano(), lines.get(2000).getTimeUnixNano());
  }

  @Test
  void pastItsBoundTheSpoolDropsTheOldestInfoLinesFirstAndSaysHowMany() throws Exception {
    int exit = runOffline("""
        for i in range(4000):
            if i % 10 == 0: print(f"WARNING: w {i}")
            else: print(f"info {i} " + "." * 60)
        """, 64 * 1024, dir.resolve("spool"));
    assertThat(exit).isZero();

    List<Record> lines = broker.storedLines("app.>");
    List<Record> warnings = lines.stream().filter(r -> r.getMessage().startsWith("WARNING: w "))
        .toList();
    assertThat(warnings).hasSize(400); // none dropped: the spool keeps WARN and above
    for (int i = 0; i < 400; i++) {
      assertThat(warnings.get(i).getMessage()).isEqualTo("WARNING: w " + i * 10);
      assertThat(warnings.get(i).getLevel()).isEqualTo(Level.WARN);
    }
    List<Integer> infos = lines.stream().filter(r -> r.getMessage().startsWith("info "))
        .map(r -> Integer.parseInt(r.getMessage().split(" ")[1])).toList();
    assertThat(infos).isSorted().contains(3999); // the newest stay
    assertThat(infos.size()).isLessThan(3000);
    List<Record> gaps = lines.stream().filter(r -> r.getMessage().startsWith("sluice run: "))
        .toList();
    assertThat(gaps).isNotEmpty().allSatisfy(gap -> {
      assertThat(gap.getLevel()).isEqualTo(Level.WARN);
      assertThat(gap.getMessage()).contains("dropped from the spool").contains("INFO: ");
    });
    long told = gaps.stream().mapToLong(g -> Long.parseLong(g.getFieldsOrThrow("dropped_lines")))
        .sum();
    assertThat(told + infos.size()).isEqualTo(3600); // every INFO line stored or counted
    // Dropped from the oldest spooled: the first ones the runner held in memory stay, then
    // the spool's oldest are gone, not its newest.
    assertThat(infos).contains(1).doesNotContain(500, 501);
  }

  private List<Record> all() {
    return LogsGrpc.newBlockingStub(broker.channel()).query(QueryRequest.newBuilder()
        .setFilter("app.>").setLimit(10_000).build()).getRecordsList();
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }
}
