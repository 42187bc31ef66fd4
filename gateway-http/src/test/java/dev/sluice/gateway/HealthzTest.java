package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class HealthzTest {
  @Test
  void servesHealthzOverRealHttp() throws Exception {
    try (Gateway gateway = Gateway.start(new GatewayConfig("127.0.0.1", 0, "127.0.0.1:7400"))) {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + gateway.httpPort() + "/healthz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("{\"status\":\"ok\"}");
      assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    }
  }

  @Test
  void refusesBadSettings() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> GatewayMain.parse(
        new String[] {"--http-port", "http"})).hasMessageContaining("--http-port")
        .hasMessageContaining("'http'");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> GatewayMain.parse(
        new String[] {"--colour", "blue"})).hasMessageContaining("--colour");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> GatewayMain.parse(
        new String[] {"--tls-cert", "c.pem"})).hasMessageContaining("give both");
  }

  @Test
  void readsEveryFlag() {
    GatewayConfig c = GatewayMain.parse(new String[] {"--http-host", "0.0.0.0", "--http-port",
        "8080", "--broker", "b:1", "--allow-origin", "https://a.example,https://b.example",
        "--allow-origin", "https://c.example", "--broker-connections", "2", "--tls-cert",
        "c.pem", "--tls-key", "k.pem", "--session-key", "s.key"});
    org.assertj.core.api.Assertions.assertThat(c).isEqualTo(new GatewayConfig("0.0.0.0", 8080,
        "b:1", java.util.List.of("https://a.example", "https://b.example", "https://c.example"),
        2, GatewayConfig.DEFAULT_MAX_BODY_BYTES, GatewayConfig.DEFAULT_KEEP_ALIVE,
        java.nio.file.Path.of("c.pem"), java.nio.file.Path.of("k.pem"),
        java.nio.file.Path.of("s.key")));
  }
}
