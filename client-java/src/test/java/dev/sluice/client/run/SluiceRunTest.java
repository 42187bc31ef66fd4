package dev.sluice.client.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.common.testing.JavaProcess;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.Stream;
import dev.sluice.testing.SluiceBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice run}: real processes, captured into a real broker over gRPC on 127.0.0.1. */
class SluiceRunTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure();

  @TempDir
  Path dir;

  private int run(String... command) throws Exception {
    return runAt(broker.target(), command);
  }

  private int runAt(String target, String... command) throws Exception {
    SluiceRunner runner = SluiceRunner.builder().target(target).app("app").runner("r1").build();
    // A spool of the test's own, not the machine's shared default under java.io.tmpdir.
    return new ProcessCapture(runner, Duration.ofSeconds(20), false,
        ProcessCapture.Spooling.under(dir, ProcessCapture.Spooling.DEFAULT_BYTES)).run(
        List.of(command));
  }

  private List<Record> lines() {
    return broker.storedLines("app.>");
  }

  private Path script(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  @Test
  void aShellScriptsLinesLevelsAndExitCode() throws Exception {
    Path sh = script("app.sh", """
        echo "starting up"
        echo "disk is fine" >&2
        echo "WARNING: cache cold"
        echo '{"level":"debug","msg":"json line","step":2}'
        printf 'no newline at the end'
        exit 3
        """);
    assertThat(run("sh", sh.toString())).isEqualTo(3);
    List<Record> lines = lines();
    assertThat(lines).extracting(Record::getMessage).containsExactlyInAnyOrder("starting up",
        "disk is fine", "WARNING: cache cold", "json line", "no newline at the end");
    Map<String, Record> by = lines.stream()
        .collect(java.util.stream.Collectors.toMap(Record::getMessage, r -> r));
    assertThat(by.get("starting up").getLevel()).isEqualTo(Level.INFO);
    assertThat(by.get("starting up").getStream()).isEqualTo(Stream.STDOUT);
    assertThat(by.get("disk is fine").getLevel()).isEqualTo(Level.ERROR);
    assertThat(by.get("disk is fine").getStream()).isEqualTo(Stream.STDERR);
    assertThat(by.get("WARNING: cache cold").getLevel()).isEqualTo(Level.WARN);
    assertThat(by.get("json line").getLevel()).isEqualTo(Level.DEBUG);
    assertThat(by.get("json line").getFieldsMap()).containsEntry("step", "2");
    assertThat(lines).allSatisfy(r -> assertThat(r.getSubject()).startsWith("app.r1."));
  }

  @Test
  void aPythonScriptsJsonLinesAndRequestsThroughTheControlSocket() throws Exception {
    Path py = script("app.py", """
        import json, os, socket, sys
        def control(command):
            s = socket.socket(socket.AF_UNIX)
            s.connect(os.environ["SLUICE_CONTROL"])
            s.sendall((command + "\\n").encode())
            answer = s.makefile().readline().strip()
            s.close()
            return answer
        print("before any request")
        print(control("start req-1 /predict caller-9"))
        print("inside req-1 as plain text")
        print("a warning inside", file=sys.stderr)
        print(control("end req-1 ok"))
        print("after the request")
        print(json.dumps({"message": "scoped by its id", "request_id": "req-json",
                          "level": "error", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                          "user": "u1"}))
        print(control("end nope"))
        print(control("hello"))
        """);
    assertThat(run("python3", py.toString())).isZero();
    List<Record> lines = lines();
    Map<String, Record> by = lines.stream()
        .collect(java.util.stream.Collectors.toMap(Record::getMessage, r -> r, (a, b) -> a));
    assertThat(by.get("before any request").getSubject()).isEqualTo("app.r1._");
    assertThat(by.get("inside req-1 as plain text").getSubject()).isEqualTo("app.r1.req-1");
    assertThat(by.get("a warning inside").getSubject()).isEqualTo("app.r1.req-1");
    assertThat(by.get("a warning inside").getLevel()).isEqualTo(Level.ERROR);
    assertThat(by.get("after the request").getSubject()).isEqualTo("app.r1._");
    Record json = by.get("scoped by its id");
    assertThat(json.getSubject()).isEqualTo("app.r1.req-json");
    assertThat(json.getLevel()).isEqualTo(Level.ERROR);
    assertThat(json.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(json.getFieldsMap()).containsEntry("user", "u1");
    // The child read each answer: ok twice, then two refusals that say why.
    assertThat(by).containsKeys("ok", "error: request nope is not open");
    assertThat(lines).extracting(Record::getMessage)
        .anySatisfy(m -> assertThat(m).startsWith("error: unknown command 'hello'"));
    assertThat(by.get("inside req-1 as plain text").getLabels().getEndpoint())
        .isEqualTo("/predict");
  }

  @Test
  void invalidUtf8AndAOneMebibyteLineArriveWhole() throws Exception {
    Path py = script("bytes.py", """
        import sys
        out = sys.stdout.buffer
        out.write(b"bad \\xff\\xfe bytes\\n")
        out.write(b"x" * (1024 * 1024) + b"\\n")
        out.write(b"done\\n")
        """);
    assertThat(run("python3", py.toString())).isZero();
    List<Record> lines = lines();
    assertThat(lines).extracting(Record::getMessage).doesNotContain("");
    assertThat(lines.get(0).getMessage()).isEqualTo("bad \uFFFD\uFFFD bytes");
    StringBuilder big = new StringBuilder();
    for (Record r : lines.subList(1, lines.size() - 1)) {
      big.append(r.getMessage());
    }
    assertThat(big.length()).isEqualTo(1024 * 1024);
    assertThat(big.chars().allMatch(c -> c == 'x')).isTrue();
    assertThat(lines).last().extracting(Record::getMessage).isEqualTo("done");
  }

  @Test
  void aChildKilledByASignalExitsWith128PlusItsNumber() throws Exception {
    assertThat(run("sh", "-c", "echo going; kill -KILL $$")).isEqualTo(128 + 9);
    assertThat(lines()).extracting(Record::getMessage).containsExactly("going");
  }

  @Test
  void aCommandThatIsNotThereIsAnErrorNamingIt() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> run("no-such-program-here"))
        .isInstanceOfSatisfying(ProcessCapture.NotStarted.class,
            e -> assertThat(e.exitCode()).isEqualTo(127))
        .hasMessage("cannot start no-such-program-here: not found on the PATH");
  }

  @Test
  void linesTheBrokerNeverStoredAreReportedOnItsOwnStderr() throws Exception {
    String nowhere = "127.0.0.1:" + SluiceBroker.freePort();
    try (JavaProcess run = JavaProcess.start("dev.sluice.client.cli.SluiceCli", Map.of(),
        "run", "--app", "app", "--runner", "r1", "--broker", nowhere, "--flush-timeout", "1s",
        "--", "sh", "-c", "echo lost; exit 4")) {
      assertThat(run.awaitExit(WAIT)).isEqualTo(4);
      Awaitility.await().atMost(WAIT).until(() -> run.output().contains(
          "sluice run: the broker did not store the last lines within 1s"));
    }
  }

  @Test
  void linesPrintedWhileTheBrokerIsDownArriveInOrderOnceItIsBack() throws Exception {
    int port = broker.port();
    String target = broker.target();
    broker.stop();
    Path printed = dir.resolve("printed");
    Path go = dir.resolve("go");
    Path sh = script("offline.sh", """
        i=1
        while [ $i -le 500 ]; do echo "offline $i"; i=$((i+1)); done
        touch "%s"
        j=0
        while [ ! -e "%s" ] && [ $j -lt 600 ]; do sleep 0.05; j=$((j+1)); done
        echo "back"
        """.formatted(printed, go));
    CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> {
      try {
        return runAt(target, "sh", sh.toString());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Awaitility.await().atMost(WAIT).until(() -> Files.exists(printed));
    broker.restartOn(port);
    Files.writeString(go, "go", StandardCharsets.UTF_8);
    assertThat(code.get(60, TimeUnit.SECONDS)).isZero();
    List<String> messages = lines().stream().map(Record::getMessage).toList();
    assertThat(messages).hasSize(501);
    for (int i = 0; i < 500; i++) {
      assertThat(messages.get(i)).isEqualTo("offline " + (i + 1));
    }
    assertThat(messages.get(500)).isEqualTo("back");
  }
}
