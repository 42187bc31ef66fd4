package dev.sluice.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code sluice up} expects its children: its flags, the environment, the file. */
class UpSettingsTest {
  @TempDir
  Path dir;

  private Path file(String toml) throws IOException {
    return Files.writeString(dir.resolve("sluice.toml"), toml);
  }

  @Test
  void withNothingGivenTheChildrenListenWhereTheyAlwaysDid() {
    UpSettings s = UpSettings.resolve(null, null, null, false, null, Map.of());
    assertThat(s.grpc()).isEqualTo(new HostPort("127.0.0.1", 7400));
    assertThat(s.http()).isEqualTo(new HostPort("127.0.0.1", 7480));
    assertThat(s.dataDir()).isEqualTo("./.sluice");
    assertThat(s.insecure()).isFalse();
    assertThat(s.brokerArgs(false)).containsExactly("--grpc-host", "127.0.0.1", "--grpc-port",
        "7400", "--data-dir", "./.sluice");
    assertThat(s.gatewayArgs(Path.of("k"))).containsExactly("--http-host", "127.0.0.1",
        "--http-port", "7480", "--broker", "127.0.0.1:7400", "--session-key", "k");
  }

  @Test
  void theFileAndTheEnvironmentSayWhereWhenTheFlagsDoNot() throws IOException {
    Path config = file("""
        [broker]
        grpc-host = "127.0.0.2"
        grpc-port = 7500
        data-dir = "/srv/sluice"
        insecure = true
        [gateway]
        http-port = 7580
        session-key = "/etc/sluice/session.key"
        tls-cert = "c.pem"
        tls-key = "k.pem"
        """);
    UpSettings s = UpSettings.resolve(null, null, null, false, config,
        Map.of("SLUICE_GATEWAY_HTTP_HOST", "0.0.0.0"));
    assertThat(s.grpc()).isEqualTo(new HostPort("127.0.0.2", 7500));
    assertThat(s.http()).isEqualTo(new HostPort("0.0.0.0", 7580));
    assertThat(s.dataDir()).isEqualTo("/srv/sluice");
    assertThat(s.insecure()).isTrue();
    assertThat(s.tls()).isTrue();
    assertThat(s.brokerArgs(false)).containsExactly("--grpc-host", "127.0.0.2", "--grpc-port",
        "7500", "--data-dir", "/srv/sluice", "--config", config.toString());
    // The gateway keeps the session key its table names, and always talks to up's broker.
    assertThat(s.gatewayArgs(Path.of("k"))).containsExactly("--http-host", "0.0.0.0",
        "--http-port", "7580", "--broker", "127.0.0.2:7500", "--config", config.toString());
  }

  @Test
  void upsOwnFlagsWin() throws IOException {
    Path config = file("[broker]\ngrpc-port = 7500\ndata-dir = \"/srv\"\n[gateway]\n"
        + "http-port = 7580\n");
    UpSettings s = UpSettings.resolve(new HostPort("127.0.0.1", 9400),
        new HostPort("127.0.0.1", 9480), "here", true, config,
        Map.of("SLUICE_BROKER_GRPC_PORT", "7600"));
    assertThat(s.grpc().port()).isEqualTo(9400);
    assertThat(s.http().port()).isEqualTo(9480);
    assertThat(s.dataDir()).isEqualTo("here");
    assertThat(s.brokerArgs(true)).contains("--insecure");
  }

  @Test
  void anAddressUpCannotWaitForIsNamedWithWhereItCameFrom() throws IOException {
    Path config = file("[broker]\ngrpc-port = 0\n");
    assertThatThrownBy(() -> UpSettings.resolve(null, null, null, false, config, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("grpc-host and grpc-port: '127.0.0.1:0'")
        .hasMessageEndingWith("sluice up waits for a fixed address (from grpc-port in [broker] of "
            + config + ")");
  }

  @Test
  void aBrokenFileIsReportedBeforeAnythingStarts() throws IOException {
    Path config = file("[brokers]\n");
    assertThatThrownBy(() -> UpSettings.resolve(null, null, null, false, config, Map.of()))
        .hasMessageStartingWith(config + ": unknown key 'brokers'");
  }
}
