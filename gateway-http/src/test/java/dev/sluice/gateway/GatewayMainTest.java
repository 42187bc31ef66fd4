package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayMainTest {
  @TempDir
  Path dir;

  private static GatewayConfig parse(String... args) {
    return GatewayMain.parse(args, Map.of());
  }

  private String file(String toml) throws IOException {
    return Files.writeString(dir.resolve("sluice.toml"), toml).toString();
  }

  @Test
  void withoutOptionsTheSettingsAreGatewayConfigsDefaults() {
    assertThat(parse()).isEqualTo(GatewayConfig.defaults());
  }

  @Test
  void readsEveryFlag() {
    GatewayConfig c = parse("--http-host", "0.0.0.0", "--http-port", "8080", "--broker", "b:1",
        "--allow-origin", "https://a.example, https://b.example", "--allow-origin",
        "https://c.example", "--broker-connections", "2", "--tls-cert", "c.pem", "--tls-key",
        "k.pem", "--session-key", "s.key", "--max-body-bytes", "1MiB", "--keep-alive", "5s");
    assertThat(c).isEqualTo(new GatewayConfig("0.0.0.0", 8080, "b:1",
        List.of("https://a.example", "https://b.example", "https://c.example"), 2, 1 << 20,
        Duration.ofSeconds(5), Path.of("c.pem"), Path.of("k.pem"), Path.of("s.key")));
  }

  @Test
  void refusesBadFlagsNamingThem() {
    assertThatThrownBy(() -> parse("--http-port", "http"))
        .hasMessageStartingWith("--http-port: 'http'");
    assertThatThrownBy(() -> parse("--colour", "blue")).hasMessageContaining("--colour");
    assertThatThrownBy(() -> parse("--tls-cert", "c.pem")).hasMessageContaining("give both");
    assertThatThrownBy(() -> parse("--keep-alive", "15"))
        .hasMessageStartingWith("--keep-alive: '15' (expected: a duration");
    assertThatThrownBy(() -> parse("--max-body-bytes", "64KB"))
        .hasMessageStartingWith("--max-body-bytes: '64KB' (expected: bytes");
  }

  @Test
  void theFilesGatewayTableSetsAnySettingAndTheBrokerTableIsNotItsBusiness()
      throws IOException {
    String config = file("""
        [broker]
        grpc-port = 7500

        [gateway]
        http-port = 7580
        broker = "broker.internal:7500"
        allow-origin = ["https://a.example", "https://b.example"]
        max-body-bytes = "128KiB"
        keep-alive = "30s"
        """);
    GatewayConfig c = parse("--config", config);
    assertThat(c.httpPort()).isEqualTo(7580);
    assertThat(c.brokerTarget()).isEqualTo("broker.internal:7500");
    assertThat(c.allowedOrigins()).containsExactly("https://a.example", "https://b.example");
    assertThat(c.maxBodyBytes()).isEqualTo(128 << 10);
    assertThat(c.keepAlive()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void commandLineBeatsEnvironmentBeatsFile() throws IOException {
    String config = file("[gateway]\nhttp-port = 7580\nbroker-connections = 2\n"
        + "http-host = \"0.0.0.0\"\n");
    Map<String, String> env = Map.of("SLUICE_GATEWAY_HTTP_PORT", "7680",
        "SLUICE_GATEWAY_BROKER_CONNECTIONS", "3");
    GatewayConfig c = GatewayMain.parse(new String[] {"--config", config, "--http-port",
        "7780"}, env);
    assertThat(c.httpPort()).isEqualTo(7780);
    assertThat(c.brokerConnections()).isEqualTo(3);
    assertThat(c.httpHost()).isEqualTo("0.0.0.0");
  }

  @Test
  void anUnknownKeyInTheFileNamesTheKeyAndTheFile() throws IOException {
    String config = file("[gateway]\nhttp = \"127.0.0.1:7480\"\n");
    assertThatThrownBy(() -> parse("--config", config))
        .hasMessageStartingWith(config + ": unknown key 'http' in [gateway]");
  }

  @Test
  void badValuesFromFileOrEnvironmentSayWhereTheyCameFrom() throws IOException {
    String config = file("[gateway]\nkeep-alive = \"soon\"\n");
    assertThatThrownBy(() -> parse("--config", config))
        .hasMessageStartingWith("--keep-alive: 'soon' (expected: a duration")
        .hasMessageEndingWith("(from keep-alive in [gateway] of " + config + ")");
    assertThatThrownBy(() -> GatewayMain.parse(new String[0],
        Map.of("SLUICE_GATEWAY_MAX_BODY_BYTES", "1 MB")))
        .hasMessageStartingWith("--max-body-bytes: '1 MB' (expected: bytes")
        .hasMessageEndingWith("(from SLUICE_GATEWAY_MAX_BODY_BYTES)");
  }
}
