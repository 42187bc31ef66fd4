package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.RequestScope;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.token.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** fal-style request status with logs, for an owner, its caller, another caller, private apps. */
class RequestStatusTest {
  private static final String STATUS = "/v1/apps/demo/requests/req-1/status?logs=1";

  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture();

  @Test
  void theOwnerAndTheRequestsCallerSeeItsLogsAndAnotherCallerSeesNothing() throws Exception {
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    runner.info("outside any request");
    try (RequestScope request = runner.request("req-1", "/predict", "carol")) {
      request.info("loading weights");
      request.warn("slow GPU");
      request.info("done");
    }
    assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();

    for (String token : List.of(gw.token("ann", "acme", Role.MEMBER, ""),
        gw.token("carol", "acme", Role.CALLER, ""))) {
      HttpResponse<String> answer = gw.get(STATUS, token);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      JsonObject status = new JsonObject(answer.body());
      assertThat(status.getString("status")).isEqualTo("COMPLETED");
      assertThat(status.getString("result")).isEqualTo("OK");
      assertThat(messages(status)).containsExactly("loading weights", "slow GPU", "done");
      JsonObject log = status.getJsonArray("logs").getJsonObject(1);
      assertThat(log.fieldNames()).containsExactlyInAnyOrder("timestamp", "level", "source",
          "message");
      assertThat(log.getString("level")).isEqualTo("WARN");
    }

    HttpResponse<String> other = gw.get(STATUS, gw.token("dave", "acme", Role.CALLER, ""));
    assertThat(other.statusCode()).isEqualTo(404);
    assertThat(other.body()).doesNotContain("loading weights");
    HttpResponse<String> withoutLogs = gw.get("/v1/apps/demo/requests/req-1/status",
        gw.token("carol", "acme", Role.CALLER, ""));
    assertThat(new JsonObject(withoutLogs.body()).containsKey("logs")).isFalse();
  }

  @Test
  void aCallerOfAPrivateAppGetsItsStatusWithAnEmptyLogArray() throws Exception {
    String admin = gw.token("root", "acme", Role.ADMIN, "");
    HttpResponse<String> set = gw.send(gw.request("/v1/apps/demo/policy", admin)
        .header("content-type", "application/json")
        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"private_logs\":true}"))
        .build());
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    try (RequestScope request = runner.request("req-1", "/predict", "carol")) {
      request.info("private thoughts");
    }
    assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();

    JsonObject asCaller = new JsonObject(gw.get(STATUS, gw.token("carol", "acme", Role.CALLER,
        "")).body());
    assertThat(asCaller.getString("status")).isEqualTo("COMPLETED");
    assertThat(asCaller.getJsonArray("logs")).isEmpty();
    JsonObject asOwner = new JsonObject(gw.get(STATUS, admin).body());
    assertThat(messages(asOwner)).containsExactly("private thoughts");
  }

  @Test
  void pollingWithTheCursorGivesOnlyWhatIsNew() throws Exception {
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    String carol = gw.token("carol", "acme", Role.CALLER, "");
    try (RequestScope request = runner.request("req-1", "/predict", "carol")) {
      request.info("first");
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
      JsonObject one = new JsonObject(gw.get(STATUS, carol).body());
      assertThat(one.getString("status")).isEqualTo("IN_PROGRESS");
      assertThat(messages(one)).containsExactly("first");

      request.info("second");
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
      JsonObject two = new JsonObject(gw.get(STATUS + "&cursor=" + one.getString("cursor"),
          carol).body());
      assertThat(messages(two)).containsExactly("second");
    }
  }

  @Test
  void theStatusStreamSendsNewLogsAndEndsAfterCompleted() throws Exception {
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    String carol = gw.token("carol", "acme", Role.CALLER, "");
    RequestScope request = runner.request("req-1", "/predict", "carol");
    request.info("step 1");
    assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
    try (SseClient stream = SseClient.open(gw, gw.request(
        "/v1/apps/demo/requests/req-1/status/stream?logs=1", carol).GET().build())) {
      assertThat(stream.status()).isEqualTo(200);
      JsonObject first = new JsonObject(stream.nextEvent().data());
      assertThat(first.getString("status")).isEqualTo("IN_PROGRESS");
      List<String> logs = new ArrayList<>(messages(first));
      request.info("step 2");
      request.info("step 3");
      request.close();
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
      String last = null;
      String lastId = null;
      while (true) {
        SseClient.Event e = stream.nextEvent();
        if (e.event().equals("end")) {
          break;
        }
        lastId = e.id();
        JsonObject status = new JsonObject(e.data());
        logs.addAll(messages(status));
        last = status.getString("status");
      }
      assertThat(last).isEqualTo("COMPLETED");
      assertThat(logs).containsExactly("step 1", "step 2", "step 3");
      // A browser's EventSource reconnects after the stream ended; 204 is what stops it.
      HttpResponse<String> again = gw.send(gw.request(
          "/v1/apps/demo/requests/req-1/status/stream?logs=1", carol)
          .header("last-event-id", lastId).GET().build());
      assertThat(again.statusCode()).isEqualTo(204);
    }
  }

  @Test
  void anUnknownRequestIs404() throws Exception {
    Awaitility.await().atMost(GatewayFixture.WAIT).until(() ->
        gw.get("/readyz", null).statusCode() == 200);
    HttpResponse<String> answer = gw.get("/v1/apps/demo/requests/nope/status?logs=1",
        gw.token("ann", "acme", Role.MEMBER, ""));
    assertThat(answer.statusCode()).isEqualTo(404);
    assertThat(answer.headers().firstValue("content-type")).hasValue("application/problem+json");
  }

  private static List<String> messages(JsonObject status) {
    List<String> out = new ArrayList<>();
    JsonArray logs = status.getJsonArray("logs");
    for (int i = 0; i < logs.size(); i++) {
      out.add(logs.getJsonObject(i).getString("message"));
    }
    return out;
  }
}
