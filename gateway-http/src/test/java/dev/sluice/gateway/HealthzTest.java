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
}
