package dev.sluice.client.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.common.testing.JavaProcess;
import dev.sluice.proto.v1.Record;
import dev.sluice.testing.SluiceBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice run}'s signals, terminals and stdin: real processes, some on a terminal of
 * their own (script(1)), captured into a real broker over gRPC on 127.0.0.1.
 */
class SluiceRunSignalsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String CLI = "dev.sluice.client.cli.SluiceCli";

  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure();

  @TempDir
  Path dir;

  private List<Record> lines() {
    return broker.storedLines("app.>");
  }

  private Path script(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void sigtermReachesTheChildAndItsLastLinesAreSent() throws Exception {
    // The child's own child gets it too: a terminal's Ctrl-C or a `docker stop` reaches the
    // process group, and so does sluice run's forward.
    Path sh = script("trap.sh", """
        sh -c 'trap "echo grandchild got TERM; exit 0" TERM; echo grandchild ready
               i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done' &
        trap 'echo "got TERM"; wait; exit 7' TERM
        echo ready
        i=0
        while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
        echo "never signalled"
        """);
    // Away from a terminal, as an init is (the tests may run at one).
    try (JavaProcess run = JavaProcess.startDetached(CLI,
        Map.of(), "run", "--app", "app", "--runner", "r1", "--broker", broker.target(), "--tee",
        "--", "sh", sh.toString())) {
      Awaitility.await().atMost(WAIT).until(() -> lines().stream()
          .filter(r -> r.getMessage().endsWith("ready")).count() == 2);
      run.sigterm();
      assertThat(run.awaitExit(WAIT)).isEqualTo(7);
      // --tee: the console saw the child's output too (read by the helper as it comes).
      Awaitility.await().atMost(WAIT).until(() -> run.output().contains("got TERM"));
      assertThat(run.output()).contains("ready");
    }
    // The group's `sleep`s got it too, and their shells say "Terminated" for them.
    assertThat(lines()).extracting(Record::getMessage)
        .filteredOn(m -> !m.equals("Terminated")).containsExactlyInAnyOrder("ready",
            "grandchild ready", "got TERM", "grandchild got TERM");
  }

  @Test
  void aServersControlSignalsReachTheCommandAndLeaveSluiceRunRunning() throws Exception {
    // As nginx and gunicorn take them: USR1 reopens logs, USR2 upgrades, WINCH stops workers.
    // Unhandled, USR1 would end sluice run's JVM and orphan the command, USR2 crash Java 17's.
    Path sh = script("controls.sh", """
        trap 'echo "got USR1"' USR1
        trap 'echo "got USR2"' USR2
        trap 'echo "got WINCH"; exit 3' WINCH
        echo ready
        i=0
        while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
        echo "never signalled"
        """);
    // As ./sluice starts it: HotSpot suspends its threads with another signal than USR2.
    try (JavaProcess run = JavaProcess.startDetached(CLI, Map.of("_JAVA_SR_SIGNUM", "40"),
        "run", "--app", "app", "--runner", "r1", "--broker", broker.target(),
        "--data-dir", dir.toString(), "--", "sh", sh.toString())) {
      awaitLine("ready");
      for (String control : List.of("USR1", "USR2")) {
        signal(run, control);
        awaitLine("got " + control);
        assertThat(run.isAlive()).isTrue();
      }
      signal(run, "WINCH");
      assertThat(run.awaitExit(WAIT)).isEqualTo(3);
    }
    // To the command alone: its sleeps, which do not handle USR1, were not killed by it.
    assertThat(lines()).extracting(Record::getMessage)
        .containsExactly("ready", "got USR1", "got USR2", "got WINCH");
  }

  @Test
  void aSignalWhileTheLastLinesAreSentLeavesSluiceRunToFinishThem() throws Exception {
    // The broker is nowhere: sending the last line waits out --flush-timeout, and a USR1 then
    // (a logrotate's) must not end sluice run before it says what it could not send.
    try (JavaProcess run = withTheBrokerAway("3s", "trap '' USR1; echo bye; exit 4")) {
      Awaitility.await().atMost(WAIT).until(() -> run.output().contains("bye"));
      signal(run, "USR1");
      assertThat(run.awaitExit(WAIT)).as(run.text()).isEqualTo(4);
      Awaitility.await().atMost(WAIT).until(() -> run.output().contains(
          "sluice run: the broker did not store the last lines within 3s"));
    }
  }

  @Test
  void aTermWhileTheLastLinesAreSentEndsTheWait() throws Exception {
    // Once the command is gone, a TERM (or a second Ctrl-C) is the user's: it ends a wait for
    // a broker that is away, here one of a minute, at once.
    try (JavaProcess run = withTheBrokerAway("60s", "trap '' TERM; echo bye; exit 4")) {
      Awaitility.await().atMost(WAIT).until(() -> run.output().contains("bye")
          && run.descendants().isEmpty());
      // The handlers change over just after the command is reaped: a TERM in that instant is
      // still ours (and dropped), so one goes every half second until sluice run has ended.
      Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
        new ProcessBuilder("kill", "-s", "TERM", Long.toString(run.pid())).start().waitFor();
        return !run.isAlive();
      });
      assertThat(run.awaitExit(WAIT)).as(run.text()).isEqualTo(128 + 15);
    }
  }

  /** {@code sluice run --tee -- sh -c command}, detached, its broker nowhere. */
  private JavaProcess withTheBrokerAway(String flushTimeout, String command) {
    String nowhere = "127.0.0.1:" + SluiceBroker.freePort();
    return JavaProcess.startDetached(CLI, Map.of(), "run", "--app", "app", "--runner", "r1",
        "--broker", nowhere, "--flush-timeout", flushTimeout, "--tee",
        "--data-dir", dir.toString(), "--", "sh", "-c", command);
  }

  private static void signal(JavaProcess process, String signal) throws Exception {
    assertThat(new ProcessBuilder("kill", "-s", signal, Long.toString(process.pid()))
        .start().waitFor()).isZero();
  }

  @Test
  void theChildLeadsAProcessGroupOfItsOwnSoATerminalsCtrlCReachesItOnlyThroughSluiceRun()
      throws Exception {
    // A terminal signals its foreground process group: were the child in ours, it would get a
    // Ctrl-C twice, once from the terminal and once forwarded.
    SluiceRunner runner = SluiceRunner.builder().target(broker.target()).app("app")
        .runner("r1").build();
    assertThat(new ProcessCapture(runner, WAIT, false, ProcessCapture.Spooling.under(dir,
        ProcessCapture.Spooling.DEFAULT_BYTES), false).run(List.of("sh", "-c",
        "read -r stat < /proc/$$/stat; set -- $stat; echo \"pid $1 group $5 session $6\"")))
        .isZero();
    String[] ids = lines().get(0).getMessage().split(" ");
    assertThat(ids[3]).as("process group").isEqualTo(ids[1]);
    String[] ours = Files.readString(Path.of("/proc/self/stat")).split(" ");
    assertThat(ids[3]).isNotEqualTo(ours[4]);
    // The same session: a new one would be a scheduling group of its own (autogroup).
    assertThat(ids[5]).as("session").isEqualTo(ours[5]);
  }

  @Test
  void atATerminalCtrlCReachesTheChildOnceAndTheChildCanReadTheTerminal() throws Exception {
    Path go = dir.resolve("go");
    Path sh = script("terminal.sh", """
        n=0
        trap 'n=$((n+1)); echo "INT $n"' INT
        read -r stat < /proc/$$/stat; set -- $stat; group=$5
        read -r stat < /proc/$PPID/stat; set -- $stat; echo "group $group parent-group $5"
        echo ready
        read -r word < /dev/tty; echo "read $word"
        i=0
        while [ ! -e "%s" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
        echo "total $n"
        """.formatted(go));
    // script(1) gives sluice run a terminal of its own; what the test writes to script is
    // typed on it: a line for the child's read, then Ctrl-C (0x03) for the foreground group.
    Process terminal = atATerminal(sh);
    try (var keys = terminal.getOutputStream()) {
      awaitLine("ready");
      keys.write("hello\n".getBytes(StandardCharsets.UTF_8));
      keys.flush();
      awaitLine("read hello"); // the child read the terminal: it was not stopped for it
      keys.write(3);
      keys.flush();
      awaitLine("INT 1");
      Files.writeString(go, "go");
      assertThat(terminal.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      terminal.destroyForcibly();
    }
    assertThat(terminal.exitValue()).isZero();
    List<String> messages = lines().stream().map(Record::getMessage).toList();
    // Once from the terminal, not a second time forwarded by sluice run.
    assertThat(messages).contains("total 1").doesNotContain("INT 2");
    String[] ids = messages.get(0).split(" ");
    assertThat(ids[1]).as("the child's group is sluice run's, the foreground").isEqualTo(ids[3]);
  }

  @Test
  void atATerminalThatHangsUpTheChildGetsSighupThroughSluiceRunTheSessionsLeader()
      throws Exception {
    Path sh = script("hangup.sh", """
        trap 'echo "got HUP"; exit 5' HUP
        echo ready
        i=0
        while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
        echo "never hung up"
        """);
    Process terminal = atATerminal(sh);
    try {
      awaitLine("ready");
      // The terminal goes away: its hang-up reaches the session's leader, sluice run (exec'd by
      // script's shell), and only through it the child.
      terminal.destroyForcibly();
      awaitLine("got HUP");
    } finally {
      terminal.destroyForcibly();
    }
  }

  /** {@code sluice run -- sh script} on a terminal of its own, through script(1). */
  private Process atATerminal(Path sh) throws Exception {
    // script runs its command through $SHELL -c; exec makes sluice run the session's leader
    // whatever that shell is. Without it dash stays as the leader, waiting, and the terminal's
    // Ctrl-C kills it (a non-interactive shell's default), ending the session with 130.
    return onATerminal("exec " + sluiceRun(sh));
  }

  /** {@code command} run by sh on a terminal of its own that script(1) makes. */
  private static Process onATerminal(String command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("script", "-qec", command, "/dev/null")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
    builder.environment().put("SHELL", "/bin/sh");
    return builder.start();
  }

  /** The shell's words for {@code sluice run -- sh script}, each quoted. */
  private String sluiceRun(Path sh) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> run = List.of(java, "-cp", System.getProperty("java.class.path"),
        "dev.sluice.client.cli.SluiceCli", "run", "--app", "app", "--runner", "r1",
        "--broker", broker.target(), "--data-dir", dir.toString(), "--", "sh", sh.toString());
    StringBuilder line = new StringBuilder();
    run.forEach(arg -> line.append(" '").append(arg.replace("'", "'\\''")).append('\''));
    return line.substring(1);
  }

  @Test
  void inTheBackgroundOfATerminalTheCommandReadsNoInputInsteadOfStopping() throws Exception {
    Path sh = script("reader.sh", """
        if read -r line; then echo "read $line"; else echo "no input"; fi
        """);
    // An interactive bash on the terminal runs sluice run as a background job: a group the
    // terminal does not read for, and the command leads a group of its own. Were the terminal
    // its stdin, its read would stop it (SIGTTIN), and no fg would continue it.
    Path job = script("job.sh", sluiceRun(sh) + " &\nwait $!\n");
    Process terminal = onATerminal("exec bash --norc --noprofile -i " + job);
    try (var keys = terminal.getOutputStream()) { // the terminal stays open meanwhile
      awaitLine("no input");
      assertThat(terminal.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      terminal.destroyForcibly();
    }
  }

  private void awaitLine(String message) {
    Awaitility.await().atMost(WAIT).until(() -> lines().stream()
        .anyMatch(r -> r.getMessage().equals(message)));
  }

  @Test
  void theCommandReadsSluiceRunsStdin() throws Exception {
    // sluice run as a process of its own: an in-process capture would hand the child the
    // test JVM's stdin, which is surefire's.
    Path input = Files.writeString(dir.resolve("input"), "one\ntwo\n");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "dev.sluice.client.cli.SluiceCli", "run", "--app", "app", "--runner", "r1",
        "--broker", broker.target(), "--data-dir", dir.toString(),
        "--", "sh", "-c", "while read -r line; do echo \"got $line\"; done; echo end")
        .redirectInput(input.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("out").toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("SLUICE_"));
    Process run = builder.start();
    assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(run.exitValue()).as(Files.readString(dir.resolve("out"))).isZero();
    assertThat(lines()).map(Record::getMessage).containsExactly("got one", "got two", "end");
  }
}
