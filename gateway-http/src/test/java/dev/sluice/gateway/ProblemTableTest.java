package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.SluiceBroker;
import dev.sluice.token.Role;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every row of the error table, as application/problem+json over real HTTP. */
class ProblemTableTest {
  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture(
      broker -> broker.withTail(broker.tail().withTails(1_000, 1, 10_000)),
      gateway -> gateway.withMaxBodyBytes(4 * 1024));

  @Test
  void aBadParameterIs400NamingIt() throws Exception {
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    assertProblem(gw.get("/v1/logs?limit=0", member), 400, "limit");
    assertProblem(gw.get("/v1/logs?levle=warn", member), 400, "levle");
    assertProblem(gw.get("/v1/logs?level=loud", member), 400, "level");
    assertProblem(gw.get("/v1/logs?since=yesterday", member), 400, "since");
    assertProblem(gw.get("/v1/logs?cursor=%21%21", member), 400, "cursor");
    assertProblem(gw.get("/v1/logs?subject=a.*.*.*", member), 400, "subject");
  }

  @Test
  void noOrABadTokenIs401WithAChallenge() throws Exception {
    HttpResponse<String> none = gw.get("/v1/logs", null);
    assertProblem(none, 401, null);
    assertThat(none.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"sluice\"");
    HttpResponse<String> bad = gw.get("/v1/logs", "not-a-token");
    assertProblem(bad, 401, null);
    assertThat(bad.headers().firstValue("www-authenticate"))
        .hasValue("Bearer realm=\"sluice\", error=\"invalid_token\"");
  }

  @Test
  void notAllowedIs403() throws Exception {
    assertProblem(gw.get("/v1/logs", gw.token("r", "acme", Role.RUNNER, "demo")), 403, null);
    assertProblem(gw.send(gw.request("/v1/apps/demo/policy", gw.token("ann", "acme",
        Role.MEMBER, "")).PUT(HttpRequest.BodyPublishers.ofString("{\"private_logs\":true}"))
        .build()), 403, null);
  }

  @Test
  void unknownIs404() throws Exception {
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    assertProblem(gw.get("/v1/apps/demo/requests/none/status", member), 404, null);
    assertProblem(gw.get("/v1/drains/none", gw.token("root", "acme", Role.ADMIN, "")), 404,
        null);
    assertProblem(gw.get("/v1/nothing-here", member), 404, null);
  }

  @Test
  void aBodyTooLargeIs413() throws Exception {
    String big = "{\"token\":\"" + "x".repeat(8 * 1024) + "\"}";
    assertProblem(gw.send(gw.request("/v1/session", null).header("content-type",
        "application/json").POST(HttpRequest.BodyPublishers.ofString(big)).build()), 413, null);
  }

  @Test
  void aLimitIs429WithRetryAfter() throws Exception {
    String member = gw.token("ann", "acme", Role.MEMBER, ""); // one tail per principal
    try (SseClient first = SseClient.open(gw, gw.request("/v1/tail", member).GET().build())) {
      assertThat(first.status()).isEqualTo(200);
      try (SseClient second = SseClient.open(gw, gw.request("/v1/tail", member).GET().build())) {
        assertThat(second.status()).isEqualTo(429);
        assertThat(second.response().headers().firstValue("retry-after")).hasValue("1");
        assertThat(new JsonObject(second.body()).getString("detail")).contains("tailsPerPrincipal");
      }
    }
  }

  @Test
  void anUnreachableBrokerIs503WithRetryAfter() throws Exception {
    int closed = SluiceBroker.freePort();
    try (Gateway alone = Gateway.start(new GatewayConfig("127.0.0.1", 0, "127.0.0.1:" + closed))) {
      HttpResponse<String> answer = gw.send(HttpRequest.newBuilder(java.net.URI.create(
          "http://127.0.0.1:" + alone.httpPort() + "/v1/logs")).timeout(GatewayFixture.WAIT)
          .header("authorization", "Bearer " + gw.token("ann", "acme", Role.MEMBER, ""))
          .build());
      assertProblem(answer, 503, null);
      assertThat(answer.headers().firstValue("retry-after")).hasValue("1");
      assertThat(gw.send(HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
          + alone.httpPort() + "/readyz")).build()).statusCode()).isEqualTo(503);
    }
  }

  @Test
  void aCrossOriginRequestIsRefusedUnlessListed() throws Exception {
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    HttpResponse<String> foreign = gw.send(gw.request("/v1/logs", member)
        .header("origin", "https://evil.example").GET().build());
    assertProblem(foreign, 403, null);
    assertThat(foreign.body()).contains("evil.example");
    HttpResponse<String> same = gw.send(gw.request("/v1/logs", member)
        .header("origin", gw.baseUrl()).GET().build());
    assertThat(same.statusCode()).isEqualTo(200);
  }

  static void assertProblem(HttpResponse<String> answer, int status, String param) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
    assertThat(answer.headers().firstValue("content-type")).hasValue("application/problem+json");
    JsonObject problem = new JsonObject(answer.body());
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
    if (param != null) {
      assertThat(problem.getString("param")).isEqualTo(param);
    }
  }
}
