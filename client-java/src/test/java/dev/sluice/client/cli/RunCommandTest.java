package dev.sluice.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code sluice run}'s options are checked before anything starts. */
class RunCommandTest {
  @Test
  void aSpoolBoundTooSmallOrNotASizeIsAUsageError() throws Exception {
    CliRun small = CliRun.start("run", "--app", "app", "--spool-bytes", "1KiB", "--", "true");
    assertThat(small.exitCode()).isEqualTo(2);
    assertThat(small.err()).contains("spool bytes: 1KiB (expected: at least 64KiB)");

    CliRun garbage = CliRun.start("run", "--app", "app", "--spool-bytes", "lots", "--", "true");
    assertThat(garbage.exitCode()).isEqualTo(2);
    assertThat(garbage.err()).contains("--spool-bytes: 'lots'");
  }
}
