package dev.sluice.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice run}'s options are checked before anything starts. */
class RunCommandTest {
  @TempDir
  Path dir;

  @Test
  void aSpoolBoundTooSmallOrNotASizeIsAUsageError() throws Exception {
    CliRun small = CliRun.start("run", "--app", "app", "--spool-bytes", "1KiB", "--", "true");
    assertThat(small.exitCode()).isEqualTo(2);
    assertThat(small.err()).contains("spool bytes: 1KiB (expected: at least 64KiB)");

    CliRun garbage = CliRun.start("run", "--app", "app", "--spool-bytes", "lots", "--", "true");
    assertThat(garbage.exitCode()).isEqualTo(2);
    assertThat(garbage.err()).contains("--spool-bytes: 'lots'");
  }

  @Test
  void withoutDashDashTheFirstWordThatIsNotAnOptionStartsTheCommand() throws Exception {
    // -c is sh's, not sluice run's: the command's options are its own.
    CliRun run = CliRun.start("run", "--app", "app", "--runner", "r1", "--broker",
        "127.0.0.1:1", "--flush-timeout", "1s", "--data-dir", dir.toString(),
        "sh", "-c", "exit 7");
    assertThat(run.exitCode()).as(run.err()).isEqualTo(7);
  }

  @Test
  void aCommandThatCannotStartExitsAsAShellWould() throws Exception {
    CliRun missing = CliRun.start("run", "--app", "app", "--runner", "r1", "--broker",
        "127.0.0.1:1", "--data-dir", dir.toString(), "--", "no-such-program-here");
    assertThat(missing.exitCode()).isEqualTo(127);
    assertThat(missing.err()).contains("cannot start no-such-program-here: not found on the PATH");

    Path notRunnable = java.nio.file.Files.writeString(dir.resolve("notes.txt"), "text");
    CliRun plain = CliRun.start("run", "--app", "app", "--runner", "r1", "--broker",
        "127.0.0.1:1", "--data-dir", dir.toString(), "--", notRunnable.toString());
    assertThat(plain.exitCode()).isEqualTo(126);
    assertThat(plain.err()).contains("cannot start " + notRunnable + ": not executable");

    // Found and executable, but its interpreter is not there: exec fails in the child's start.
    Path script = java.nio.file.Files.writeString(dir.resolve("bad.sh"), "#!/no/such/sh\n");
    assertThat(script.toFile().setExecutable(true)).isTrue();
    CliRun broken = CliRun.start("run", "--app", "app", "--runner", "r1", "--broker",
        "127.0.0.1:1", "--flush-timeout", "1s", "--data-dir", dir.toString(), "--",
        script.toString());
    assertThat(broken.exitCode()).isEqualTo(126);
  }

  @Test
  void anArgumentStartingWithAtIsPassedAsItIs() throws Exception {
    // picocli would put the file's contents in its place (curl -d @body.json), after -- too.
    Path body = java.nio.file.Files.writeString(dir.resolve("body.json"), "{}");
    CliRun run = CliRun.start("run", "--app", "app", "--runner", "r1", "--broker",
        "127.0.0.1:1", "--data-dir", dir.toString(), "--", "sh", "-c",
        "[ \"$1\" = '@" + body + "' ]", "_", "@" + body);
    assertThat(run.exitCode()).as(run.err()).isZero();
  }
}
