package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.plugin.drain.DrainSettings;
import dev.sluice.token.Role;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** App policy and drains over REST: admin only, secrets never returned. */
class ManageApiTest {
  private static final String SECRET = "s".repeat(64);

  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture(broker -> broker.withDrains(
      DrainSettings.DEFAULTS.withAllowHttp(true).withAllowAddresses(List.of("127.0.0.1/32"))),
      gateway -> gateway);

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void anAdminManagesADrainThroughItsWholeLifeAndNeverSeesItsSecret() throws Exception {
    HttpServer intake = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b ->
        r.response().setStatusCode(202).end())).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String url = "http://127.0.0.1:" + intake.actualPort() + "/intake";
    String admin = gw.token("root", "acme", Role.ADMIN, "");

    HttpResponse<String> created = send("POST", "/v1/drains", admin, new JsonObject()
        .put("name", "dd").put("url", url).put("secret", SECRET).put("filter", "demo.>")
        .put("min_level", "warn"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonObject drain = new JsonObject(created.body());
    assertThat(drain.getString("name")).isEqualTo("dd");
    assertThat(drain.getString("min_level")).isEqualTo("warn");
    assertThat(drain.getJsonObject("status").getBoolean("enabled")).isTrue();
    assertThat(created.body()).doesNotContain(SECRET).doesNotContain("secret");

    HttpResponse<String> list = gw.get("/v1/drains", admin);
    assertThat(new JsonObject(list.body()).getJsonArray("drains")).hasSize(1);
    assertThat(list.body()).doesNotContain(SECRET);

    HttpResponse<String> patched = send("PATCH", "/v1/drains/dd", admin,
        new JsonObject().put("max_batch_lines", 50).put("secret", "t".repeat(64)));
    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
    assertThat(new JsonObject(patched.body()).getInteger("max_batch_lines")).isEqualTo(50);
    assertThat(patched.body()).doesNotContain("tttt");

    HttpResponse<String> tested = send("POST", "/v1/drains/dd/test", admin, null);
    assertThat(tested.statusCode()).as(tested.body()).isEqualTo(200);
    assertThat(new JsonObject(tested.body()).getInteger("http_status")).isEqualTo(202);

    HttpResponse<String> disabled = send("POST", "/v1/drains/dd/disable", admin, null);
    assertThat(new JsonObject(disabled.body()).getJsonObject("status").getBoolean("enabled"))
        .isFalse();
    HttpResponse<String> enabled = send("POST", "/v1/drains/dd/enable", admin, null);
    assertThat(new JsonObject(enabled.body()).getJsonObject("status").getBoolean("enabled"))
        .isTrue();
    JsonObject status = new JsonObject(gw.get("/v1/drains/dd", admin).body())
        .getJsonObject("status");
    assertThat(status.containsKey("total_failures")).isTrue();
    assertThat(status.containsKey("last_success")).isTrue();

    assertThat(send("DELETE", "/v1/drains/dd", admin, null).statusCode()).isEqualTo(204);
    assertThat(gw.get("/v1/drains/dd", admin).statusCode()).isEqualTo(404);
  }

  @Test
  void aMemberMayNotManageAndBadFieldsAreNamed() throws Exception {
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    assertThat(send("POST", "/v1/drains", member, new JsonObject().put("name", "x")
        .put("url", "https://example.com").put("secret", SECRET)).statusCode()).isEqualTo(403);
    String admin = gw.token("root", "acme", Role.ADMIN, "");
    HttpResponse<String> unknown = send("POST", "/v1/drains", admin,
        new JsonObject().put("name", "x").put("colour", "blue"));
    ProblemTableTest.assertProblem(unknown, 400, "colour");
    HttpResponse<String> shortSecret = send("POST", "/v1/drains", admin, new JsonObject()
        .put("name", "x").put("url", "https://example.com").put("secret", "short"));
    ProblemTableTest.assertProblem(shortSecret, 400, "secret");
  }

  @Test
  void creatingADrainTwiceIs409() throws Exception {
    String admin = gw.token("root", "acme", Role.ADMIN, "");
    JsonObject spec = new JsonObject().put("name", "twice").put("url", "http://127.0.0.1:9/in")
        .put("secret", SECRET);
    assertThat(send("POST", "/v1/drains", admin, spec).statusCode()).isEqualTo(201);
    ProblemTableTest.assertProblem(send("POST", "/v1/drains", admin, spec), 409, null);
  }

  @Test
  void anAdminSetsAnAppsPrivateLogsAndAMemberReadsIt() throws Exception {
    String admin = gw.token("root", "acme", Role.ADMIN, "");
    HttpResponse<String> set = send("PUT", "/v1/apps/demo/policy", admin,
        new JsonObject().put("private_logs", true));
    assertThat(new JsonObject(set.body()).getBoolean("private_logs")).isTrue();
    HttpResponse<String> read = gw.get("/v1/apps/demo/policy",
        gw.token("ann", "acme", Role.MEMBER, ""));
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(read.body())).isEqualTo(new JsonObject().put("app", "demo")
        .put("private_logs", true));
  }

  private HttpResponse<String> send(String method, String path, String token, JsonObject body)
      throws Exception {
    return gw.send(gw.request(path, token).header("content-type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.encode())).build());
  }
}
