package dev.sluice.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

class ConfigDefaultsTest {
  @TempDir
  Path dir;

  /** A command shaped like the broker's: a port, a duration, a size, a flag, a list. */
  @Command(name = "broker", mixinStandardHelpOptions = true)
  static final class Flags {
    @Mixin
    ConfigOption config;

    @Option(names = "--grpc-port")
    int grpcPort = 7400;

    @Option(names = "--retention-age")
    Duration retentionAge = Duration.ofDays(30);

    @Option(names = "--retention-bytes", converter = Converters.ToBytes.class)
    long retentionBytes = 10L << 30;

    @Option(names = "--insecure", arity = "0..1", fallbackValue = "true")
    boolean insecure;

    @Option(names = "--trust-key", split = ",")
    List<Path> trustKeys = new ArrayList<>();
  }

  private Flags parse(Map<String, String> env, String... args) {
    Flags flags = new Flags();
    ConfigDefaults.parse(new CommandLine(flags), "broker", args, env);
    return flags;
  }

  private String file(String toml) throws IOException {
    return Files.writeString(dir.resolve("sluice.toml"), toml).toString();
  }

  @Test
  void withoutFileOrEnvironmentTheCommandsDefaultsHold() {
    Flags flags = parse(Map.of());
    assertThat(flags.grpcPort).isEqualTo(7400);
    assertThat(flags.retentionAge).isEqualTo(Duration.ofDays(30));
    assertThat(flags.insecure).isFalse();
    assertThat(flags.trustKeys).isEmpty();
  }

  @Test
  void theFilesTableOfTheCommandSetsWhatTheCommandLineDoesNot() throws IOException {
    String config = file("""
        [broker]
        grpc-port = 7500
        retention-age = "12h"
        retention-bytes = "512MiB"
        insecure = true
        trust-key = ["a.pub", "b.pub"]

        [gateway]
        http-port = 7580
        """);
    Flags flags = parse(Map.of(), "--config", config);
    assertThat(flags.grpcPort).isEqualTo(7500);
    assertThat(flags.retentionAge).isEqualTo(Duration.ofHours(12));
    assertThat(flags.retentionBytes).isEqualTo(512L << 20);
    assertThat(flags.insecure).isTrue();
    assertThat(flags.trustKeys).containsExactly(Path.of("a.pub"), Path.of("b.pub"));
    assertThat(flags.config.file()).isEqualTo(Path.of(config));
  }

  @Test
  void commandLineBeatsEnvironmentBeatsFile() throws IOException {
    String config = file("[broker]\ngrpc-port = 7500\nretention-age = \"12h\"\n"
        + "retention-bytes = 1024\n");
    Map<String, String> env = Map.of("SLUICE_BROKER_GRPC_PORT", "7600",
        "SLUICE_BROKER_RETENTION_AGE", "2d");
    Flags flags = parse(env, "--config=" + config, "--grpc-port", "7700");
    assertThat(flags.grpcPort).isEqualTo(7700);
    assertThat(flags.retentionAge).isEqualTo(Duration.ofDays(2));
    assertThat(flags.retentionBytes).isEqualTo(1024);
  }

  @Test
  void aFlagOnTheCommandLineSetsWhatTheFileSetNeverFlipsIt() throws IOException {
    String config = file("[broker]\ninsecure = true\n");
    assertThat(parse(Map.of(), "--config", config, "--insecure").insecure).isTrue();
    assertThat(parse(Map.of(), "--config", config, "--insecure=false").insecure).isFalse();
  }

  @Command(name = "flipper")
  static final class Flipper {
    @Option(names = "--verbose")
    boolean verbose;
  }

  @Test
  void aFlagThatPicocliWouldFlipIsRefusedAtOnce() {
    assertThatThrownBy(() -> ConfigDefaults.parse(new CommandLine(new Flipper()), "broker",
        new String[0], Map.of())).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("--verbose: a flag read from a config file needs arity");
  }

  @Test
  void aListInAVariableIsSeparatedByCommasAndTheCommandLineReplacesIt() {
    Map<String, String> env = Map.of("SLUICE_BROKER_TRUST_KEY", "a.pub,b.pub");
    assertThat(parse(env).trustKeys).containsExactly(Path.of("a.pub"), Path.of("b.pub"));
    assertThat(parse(env, "--trust-key", "c.pub").trustKeys).containsExactly(Path.of("c.pub"));
  }

  @Test
  void theFileMayBeNamedByTheEnvironment() throws IOException {
    String config = file("[broker]\ngrpc-port = 7500\n");
    assertThat(parse(Map.of("SLUICE_BROKER_CONFIG", config)).grpcPort).isEqualTo(7500);
  }

  @Test
  void anUnknownKeyIsAnErrorNamingTheKeyAndTheFile() throws IOException {
    String config = file("[broker]\ngrpc-prot = 7500\n");
    assertThatThrownBy(() -> parse(Map.of(), "--config", config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(config + ": unknown key 'grpc-prot' in [broker]")
        .hasMessageContaining("without its dashes");
  }

  @Test
  void anUnknownTableIsAnError() throws IOException {
    String config = file("[brokr]\ngrpc-port = 7500\n");
    assertThatThrownBy(() -> parse(Map.of(), "--config", config))
        .hasMessageStartingWith(config + ": unknown key 'brokr'")
        .hasMessageContaining("[broker] and [gateway]");
  }

  @Test
  void aTableInsideTheCommandsTableIsAnError() throws IOException {
    String config = file("[broker.tail]\nqueue = 5\n");
    assertThatThrownBy(() -> parse(Map.of(), "--config", config))
        .hasMessageContaining("tail in [broker] is a table");
  }

  @Test
  void theConfigKeyItselfIsNotASettingOfTheFile() throws IOException {
    String config = file("[broker]\nconfig = \"other.toml\"\n");
    assertThatThrownBy(() -> parse(Map.of(), "--config", config))
        .hasMessageContaining("unknown key 'config'");
  }

  @Test
  void anUnknownVariableOfTheCommandIsAnError() {
    assertThatThrownBy(() -> parse(Map.of("SLUICE_BROKER_GRPC_PROT", "1")))
        .hasMessageStartingWith("SLUICE_BROKER_GRPC_PROT: names no option of broker");
    // Other commands' variables and other SLUICE_ variables are not the broker's business.
    assertThat(parse(Map.of("SLUICE_GATEWAY_HTTP_PORT", "1", "SLUICE_TOKEN", "t")).grpcPort)
        .isEqualTo(7400);
  }

  @Test
  void aBadDurationInTheFileNamesTheOptionWhatWasExpectedAndTheFile() throws IOException {
    String config = file("[broker]\nretention-age = \"30\"\n");
    assertThatThrownBy(() -> parse(Map.of(), "--config", config))
        .hasMessageStartingWith("--retention-age: '30' (expected: a duration such as")
        .hasMessageEndingWith("(from retention-age in [broker] of " + config + ")");
  }

  @Test
  void aBadSizeInTheEnvironmentNamesTheVariable() {
    assertThatThrownBy(() -> parse(Map.of("SLUICE_BROKER_RETENTION_BYTES", "10GB")))
        .hasMessageStartingWith("--retention-bytes: '10GB' (expected: bytes")
        .hasMessageEndingWith("(from SLUICE_BROKER_RETENTION_BYTES)");
  }

  @Test
  void aBadValueOnTheCommandLineIsNotBlamedOnTheFile() throws IOException {
    String config = file("[broker]\nretention-age = \"1d\"\n");
    assertThatThrownBy(() -> parse(Map.of(), "--config", config, "--retention-age", "1x"))
        .hasMessage("--retention-age: '1x' (expected: " + dev.sluice.common.Durations.EXPECTED
            + ")");
  }

  @Test
  void aMissingOrBrokenFileIsNamed() throws IOException {
    Path missing = dir.resolve("nope.toml");
    assertThatThrownBy(() -> parse(Map.of(), "--config", missing.toString()))
        .hasMessage("--config: " + missing + ": no such file");
    String broken = file("[broker]\ngrpc-port = = 1\n");
    assertThatThrownBy(() -> parse(Map.of(), "--config", broken))
        .hasMessageStartingWith(broken + ": not valid TOML: ")
        .hasMessageContaining("line 2");
  }

  @Test
  void valuesAreReadWithoutACommandForSluiceUp() throws IOException {
    String config = file("[broker]\ngrpc-port = 7500\n[gateway]\nhttp-host = \"0.0.0.0\"\n");
    ConfigDefaults gateway = ConfigDefaults.load("gateway", Path.of(config),
        Map.of("SLUICE_GATEWAY_HTTP_PORT", "7580"));
    assertThat(gateway.value("http-host")).contains("0.0.0.0");
    assertThat(gateway.value("http-port")).contains("7580");
    assertThat(gateway.value("grpc-port")).isEmpty();
    assertThat(gateway.origin("http-port")).contains("from SLUICE_GATEWAY_HTTP_PORT");
  }
}
