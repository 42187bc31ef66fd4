package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.token.Role;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Browser sessions: a token becomes an HttpOnly cookie that expires with it; origins. */
class SessionTest {
  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture(
      c -> c.withAllowedOrigins(List.of("https://app.example")));

  @Test
  void aTokenBecomesAStrictHttpOnlyCookieThatExpiresWithIt() throws Exception {
    String token = gw.token("ann", "acme", Role.MEMBER, "", Duration.ofMinutes(30));
    HttpResponse<String> created = gw.send(gw.request("/v1/session", null)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + token + "\"}")).build());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    JsonObject who = new JsonObject(created.body());
    assertThat(who.getString("subject")).isEqualTo("ann");
    assertThat(who.getString("account")).isEqualTo("acme");
    assertThat(who.getString("role")).isEqualTo("member");
    assertThat(who.getString("expires")).isNotNull();
    assertThat(created.body()).doesNotContain(token);

    String setCookie = created.headers().firstValue("set-cookie").orElseThrow();
    // Sealed: a browser sends cookies to every port of the host, never the bare token.
    assertThat(setCookie).startsWith(Credentials.COOKIE + "=").doesNotContain(token)
        .containsIgnoringCase("; HttpOnly").contains("SameSite=Strict").contains("Path=/")
        .doesNotContain("Secure"); // plain HTTP here
    long maxAge = Long.parseLong(setCookie.replaceAll(".*Max-Age=(\\d+).*", "$1"));
    assertThat(maxAge).isBetween(25L * 60, 30L * 60);

    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    HttpResponse<String> logs = gw.send(gw.request("/v1/logs", null).header("cookie", cookie)
        .GET().build());
    assertThat(logs.statusCode()).as(logs.body()).isEqualTo(200);
    HttpResponse<String> me = gw.send(gw.request("/v1/session", null).header("cookie", cookie)
        .GET().build());
    assertThat(new JsonObject(me.body()).getString("subject")).isEqualTo("ann");

    HttpResponse<String> ended = gw.send(gw.request("/v1/session", null).header("cookie", cookie)
        .DELETE().build());
    assertThat(ended.statusCode()).isEqualTo(204);
    assertThat(ended.headers().firstValue("set-cookie").orElseThrow())
        .startsWith(Credentials.COOKIE + "=;").contains("Max-Age=0");
  }

  @Test
  void aCookieThisGatewayDidNotSealIsNoSession() throws Exception {
    String token = gw.token("ann", "acme", Role.MEMBER, "");
    for (String forged : List.of(token, SessionSeal.random().seal(token), "AAAA")) {
      HttpResponse<String> answer = gw.send(gw.request("/v1/logs", null)
          .header("cookie", Credentials.COOKIE + "=" + forged).GET().build());
      assertThat(answer.statusCode()).isEqualTo(401);
      assertThat(answer.headers().firstValue("www-authenticate")).hasValue(
          "Bearer realm=\"sluice\", error=\"invalid_token\"");
    }
  }

  @Test
  void aSessionFromAPageServedOverHttpsIsSecure() throws Exception {
    String token = gw.token("ann", "acme", Role.MEMBER, "");
    HttpResponse<String> created = gw.send(gw.request("/v1/session", null)
        .header("content-type", "application/json").header("origin", "https://app.example")
        .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + token + "\"}")).build());
    assertThat(created.statusCode()).isEqualTo(200);
    assertThat(created.headers().firstValue("set-cookie").orElseThrow())
        .containsIgnoringCase("; Secure");
  }

  @Test
  void gatewaysSharingASessionKeyShareSessions(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    java.nio.file.Path key = dir.resolve("session.key");
    SessionSeal first = SessionSeal.fromFile(key);
    assertThat(java.nio.file.Files.getPosixFilePermissions(key)).containsExactlyInAnyOrder(
        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    SessionSeal second = SessionSeal.fromFile(key);
    assertThat(second.open(first.seal("a.b.c"))).isEqualTo("a.b.c");
    assertThat(SessionSeal.random().open(first.seal("a.b.c"))).isNull();
  }

  @Test
  void aBadTokenGetsNoSession() throws Exception {
    HttpResponse<String> refused = gw.send(gw.request("/v1/session", null)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"forged.token.here\"}")).build());
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("set-cookie")).isEmpty();
  }

  @Test
  void aTokenInTheUrlIsRefused() throws Exception {
    String token = gw.token("ann", "acme", Role.MEMBER, "");
    HttpResponse<String> answer = gw.get("/v1/logs?token=" + token, null);
    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(answer.body()).doesNotContain(token);
  }

  @Test
  void aListedOriginGetsCorsAndItsPreflightAnswered() throws Exception {
    HttpResponse<String> preflight = gw.send(gw.request("/v1/logs", null)
        .header("origin", "https://app.example").header("access-control-request-method", "GET")
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("access-control-allow-origin"))
        .hasValue("https://app.example");
    assertThat(preflight.headers().firstValue("access-control-allow-credentials"))
        .hasValue("true");
    HttpResponse<String> get = gw.send(gw.request("/v1/logs",
        gw.token("ann", "acme", Role.MEMBER, "")).header("origin", "https://app.example")
        .GET().build());
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.headers().firstValue("access-control-allow-origin"))
        .hasValue("https://app.example");
  }
}
