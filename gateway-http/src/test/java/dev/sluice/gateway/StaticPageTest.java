package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.common.testing.JavaProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The page's files come from the gateway's jar, as UTF-8, without a token, under a CSP. */
class StaticPageTest {
  private static final Pattern LISTENING =
      Pattern.compile("HTTP listening on 127\\.0\\.0\\.1:(\\d+) \\(broker (.+)\\)$");

  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture();

  @Test
  void servesThePageWithoutATokenUnderAContentSecurityPolicy() throws Exception {
    HttpResponse<String> page = gw.get("/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
    assertThat(page.body()).contains("<script type=\"module\"");
    assertThat(page.headers().firstValue("content-security-policy").orElse(""))
        .contains("default-src 'self'").contains("frame-ancestors 'none'");
    assertThat(page.headers().firstValue("x-content-type-options")).hasValue("nosniff");
    assertThat(gw.get("/app.js", null).statusCode()).isEqualTo(200);
  }

  @Test
  void thePageIsUtf8WhateverTheMachinesLocale() throws Exception {
    // LC_ALL=C: on Java 17 the JVM's default charset is then ASCII, as in a container without
    // LANG (Java 18 and later need file.encoding to say so). The header must still say UTF-8:
    // a browser believes it over the page's <meta>.
    try (JavaProcess gateway = JavaProcess.start(GatewayMain.class.getName(),
        Map.of("LC_ALL", "C", "LANG", "C", "JAVA_TOOL_OPTIONS", "-Dfile.encoding=US-ASCII"),
        "--http-port", "0",
        "--broker", "127.0.0.1:" + gw.broker().grpcPort())) {
      Matcher m = gateway.await(LISTENING, Duration.ofSeconds(60));
      HttpClient http = HttpClient.newHttpClient();
      for (String file : new String[] {"/", "/app.js"}) {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + m.group(1) + file)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.headers().firstValue("content-type").orElse(""))
            .as(file).endsWithIgnoringCase(";charset=UTF-8");
      }
      HttpResponse<String> app = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + m.group(1) + "/app.js")).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      assertThat(app.body()).contains("${identity.subject} · ${identity.role}");
    }
  }
}
