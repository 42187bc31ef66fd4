package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Record;
import dev.sluice.testing.SluiceBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The repository's {@code ./sluice} launcher, as a user runs it. Here because bench's tests
 * run last in the reactor: the jars it starts are built by then, so it builds nothing itself.
 */
class LauncherTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure();

  @TempDir
  Path dir;

  /**
   * No locale at all, as in a container, or one no image has (the C library then falls back
   * to C for every setting): the JVM would then take arguments and paths as ASCII.
   */
  @ParameterizedTest(name = "LANG=''{0}''")
  @ValueSource(strings = {"", "xx_XX.UTF-8"})
  void withoutALocaleSluiceRunPassesNonAsciiArgumentsAndPathsIntact(String lang)
      throws Exception {
    // The words are in the script's bytes, UTF-8, so they reach the launcher as a user's
    // shell passes them; a Java string argument would go through this JVM's own charset.
    launch(lang, """
        exec "%s" run --app app --runner r1 --broker %s --data-dir "%s/dätä" \\
          -- sh -c 'echo "$0"' 'héllo wörld ☃ ✓'
        """.formatted(ROOT.resolve("sluice"), broker.target(), dir));
    assertThat(broker.storedLines("app.>")).map(Record::getMessage)
        .containsExactly("héllo wörld ☃ ✓");
  }

  @Test
  void aClosedStdinIsAnEmptyOneForTheCommand() throws Exception {
    // Closed, descriptor 0 would be the first file the JVM opens, and the command would read it.
    launch("", """
        exec "%s" run --app app --runner r1 --broker %s --data-dir "%s" \\
          -- sh -c 'if read -r line; then echo "read $line"; else echo "no input"; fi' <&-
        """.formatted(ROOT.resolve("sluice"), broker.target(), dir));
    assertThat(broker.storedLines("app.>")).map(Record::getMessage).containsExactly("no input");
  }

  /** Runs {@code script} (UTF-8) with sh, {@code lang} its LANG, no other locale; exits 0. */
  private void launch(String lang, String script) throws Exception {
    assertThat(ROOT.resolve("client-java/target/sluice-client-0.1.0-SNAPSHOT.jar"))
        .as("built before bench in the reactor").exists();
    assertThat(ROOT.resolve("gateway-http/target/sluice-gateway-http-0.1.0-SNAPSHOT.jar"))
        .as("built before bench in the reactor").exists();
    Path file = Files.writeString(dir.resolve("run.sh"), script, StandardCharsets.UTF_8);
    ProcessBuilder builder = new ProcessBuilder("sh", file.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile());
    builder.environment().keySet().removeIf(name -> name.equals("LANG")
        || name.startsWith("LC_") || name.startsWith("SLUICE_"));
    if (!lang.isEmpty()) {
      builder.environment().put("LANG", lang);
    }
    Process run = builder.start();
    assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(run.exitValue()).as(Files.readString(dir.resolve("out"))).isZero();
  }
}
