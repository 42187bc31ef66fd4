package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.token.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /v1/logs} over real HTTP against a real broker: pages, NDJSON, accounts. */
class HistoryTest {
  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture();

  @Test
  void pagesThroughHistoryOldestFirstWithTheNextCursor() throws Exception {
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    for (int i = 0; i < 250; i++) {
      runner.info("line " + i, Map.of("i", Integer.toString(i)));
    }
    assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
    String member = gw.token("ann", "acme", Role.MEMBER, "");

    List<String> messages = new ArrayList<>();
    String cursor = null;
    for (int pages = 0; pages < 10; pages++) {
      HttpResponse<String> answer = gw.get("/v1/logs?subject=demo.%3E&limit=100"
          + (cursor == null ? "" : "&cursor=" + cursor), member);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(answer.headers().firstValue("content-type")).hasValue("application/json");
      JsonObject page = new JsonObject(answer.body());
      for (Object r : page.getJsonArray("records")) {
        messages.add(((JsonObject) r).getString("message"));
      }
      cursor = page.getString("next_cursor");
      if (cursor == null) {
        break;
      }
    }
    assertThat(messages).hasSize(250);
    for (int i = 0; i < 250; i++) {
      assertThat(messages.get(i)).isEqualTo("line " + i);
    }
    JsonObject first = new JsonObject(gw.get("/v1/logs?subject=demo.%3E&limit=1", member)
        .body()).getJsonArray("records").getJsonObject(0);
    assertThat(first.getString("level")).isEqualTo("info");
    assertThat(first.getString("app_name")).isEqualTo("demo");
    assertThat(first.getString("runner_id")).isEqualTo("r1");
    assertThat(first.getString("subject")).isEqualTo("demo.r1._");
    assertThat(first.getJsonObject("fields").getString("i")).isEqualTo("0");
    assertThat(first.getString("timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(first.getString("cursor")).matches("[A-Za-z0-9_-]+");
  }

  @Test
  void filtersByLevelTextAndRequest() throws Exception {
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    runner.info("boring");
    runner.warn("disk almost full");
    runner.error("disk full");
    try (var request = runner.request("req-7", "/predict", "")) {
      request.info("inside the request");
    }
    assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
    String member = gw.token("ann", "acme", Role.MEMBER, "");

    assertThat(messages(gw.get("/v1/logs?level=warn", member))).containsExactly(
        "disk almost full", "disk full");
    assertThat(messages(gw.get("/v1/logs?grep=disk&level=error", member)))
        .containsExactly("disk full");
    assertThat(messages(gw.get("/v1/logs?request=req-7", member)))
        .contains("inside the request").doesNotContain("boring");
  }

  @Test
  void exportsEverythingAsNdjsonStreamedPageByPage() throws Exception {
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    int lines = 5_500; // more than five export pages
    for (int i = 0; i < lines; i++) {
      runner.info("export " + i);
    }
    assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    Awaitility.await().atMost(GatewayFixture.WAIT).until(() ->
        gw.get("/v1/logs?grep=export&limit=10000", member).body().contains("export " + (lines - 1)));

    HttpResponse<String> answer = gw.send(gw.request("/v1/logs?subject=demo.*.*&grep=export",
        member).header("accept", "application/x-ndjson").GET().build());
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("content-type")).hasValue("application/x-ndjson");
    String[] rows = answer.body().split("\n");
    assertThat(rows).hasSize(lines);
    for (int i = 0; i < lines; i++) {
      assertThat(new JsonObject(rows[i]).getString("message")).isEqualTo("export " + i);
    }

    HttpResponse<String> capped = gw.send(gw.request("/v1/logs?grep=export&limit=1234",
        member).header("accept", "application/x-ndjson").GET().build());
    assertThat(capped.body().split("\n")).hasSize(1234);
  }

  @Test
  void anotherAccountSeesNothingEvenWithTheWidestFilter() throws Exception {
    SluiceRunner a = gw.runner("acme", "demo", "r1");
    a.info("acme's secret");
    assertThat(a.flush(GatewayFixture.WAIT)).isTrue();
    SluiceRunner b = gw.runner("beta", "other", "r9");
    b.info("beta's own");
    assertThat(b.flush(GatewayFixture.WAIT)).isTrue();

    String betaMember = gw.token("bob", "beta", Role.MEMBER, "");
    assertThat(messages(gw.get("/v1/logs?subject=%3E", betaMember))).containsExactly("beta's own");
    assertThat(messages(gw.get("/v1/logs?subject=demo.%3E", betaMember))).isEmpty();
    HttpResponse<String> export = gw.send(gw.request("/v1/logs", betaMember)
        .header("accept", "application/x-ndjson").GET().build());
    assertThat(export.body()).doesNotContain("acme");
  }

  static List<String> messages(HttpResponse<String> answer) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonArray records = new JsonObject(answer.body()).getJsonArray("records");
    List<String> out = new ArrayList<>();
    for (Object r : records) {
      out.add(((JsonObject) r).getString("message"));
    }
    return out;
  }
}
