package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.token.Role;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /v1/tail} as Server-Sent Events, over real HTTP against a real broker. */
class SseTailTest {
  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture(c -> c.withKeepAlive(Duration.ofMillis(200)));

  @Test
  void deliversLiveRecordsEachWithItsCursorAsTheEventId() throws Exception {
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    try (SseClient tail = SseClient.open(gw, sse("/v1/tail?subject=demo.%3E", member))) {
      assertThat(tail.status()).isEqualTo(200);
      assertThat(tail.response().headers().firstValue("content-type"))
          .hasValue("text/event-stream; charset=utf-8");
      SluiceRunner runner = gw.runner("acme", "demo", "r1");
      runner.info("one");
      runner.warn("two");
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();

      SseClient.Event first = tail.nextEvent();
      assertThat(first.event()).isEqualTo("message");
      JsonObject record = new JsonObject(first.data());
      assertThat(record.getString("message")).isEqualTo("one");
      assertThat(first.id()).isEqualTo(record.getString("cursor"));
      JsonObject second = new JsonObject(tail.nextEvent().data());
      assertThat(second.getString("message")).isEqualTo("two");
      assertThat(second.getString("level")).isEqualTo("warn");
    }
  }

  @Test
  void reconnectingWithLastEventIdResumesWithoutGapOrDuplicate() throws Exception {
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    String resumeAt;
    try (SseClient tail = SseClient.open(gw, sse("/v1/tail?subject=demo.%3E", member))) {
      for (int i = 0; i < 100; i++) {
        runner.info("n" + i);
      }
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
      SseClient.Event event = null;
      for (int i = 0; i < 40; i++) {
        event = tail.nextEvent();
      }
      assertThat(new JsonObject(event.data()).getString("message")).isEqualTo("n39");
      resumeAt = event.id();
    }
    for (int i = 100; i < 200; i++) { // while the browser is away
      runner.info("n" + i);
    }
    assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();

    try (SseClient again = SseClient.open(gw, gw.request("/v1/tail?subject=demo.%3E", member)
        .header("accept", "text/event-stream").header("last-event-id", resumeAt).GET().build())) {
      List<String> got = new ArrayList<>();
      for (int i = 40; i < 200; i++) {
        got.add(new JsonObject(again.nextEvent().data()).getString("message"));
      }
      List<String> expected = new ArrayList<>();
      for (int i = 40; i < 200; i++) {
        expected.add("n" + i);
      }
      assertThat(got).isEqualTo(expected);
      assertThat(again.next(Duration.ofMillis(300))).satisfiesAnyOf(
          e -> assertThat(e).isNull(), e -> assertThat(e.event()).isEqualTo("comment"));
    }
  }

  @Test
  void replaysTheLastRecordsThenFollowsAndFiltersByLevel() throws Exception {
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    runner.info("old info");
    runner.error("old error 1");
    runner.error("old error 2");
    assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    try (SseClient tail = SseClient.open(gw, sse("/v1/tail?level=error&last=1", member))) {
      assertThat(new JsonObject(tail.nextEvent().data()).getString("message"))
          .isEqualTo("old error 2");
      runner.info("new info");
      runner.error("new error");
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
      assertThat(new JsonObject(tail.nextEvent().data()).getString("message"))
          .isEqualTo("new error");
    }
  }

  @Test
  void anIdleStreamGetsKeepAliveComments() throws Exception {
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    try (SseClient tail = SseClient.open(gw, sse("/v1/tail", member))) {
      SseClient.Event e = tail.next(GatewayFixture.WAIT);
      assertThat(e).isNotNull();
      assertThat(e.event()).isEqualTo("comment");
      assertThat(e.data()).isEqualTo("keep-alive");
    }
  }

  @Test
  void anotherAccountsWidestTailSeesNothingOfThisOne() throws Exception {
    String betaMember = gw.token("bob", "beta", Role.MEMBER, "");
    try (SseClient tail = SseClient.open(gw, sse("/v1/tail?subject=%3E", betaMember))) {
      SluiceRunner acme = gw.runner("acme", "demo", "r1");
      acme.info("acme's secret");
      assertThat(acme.flush(GatewayFixture.WAIT)).isTrue();
      SluiceRunner beta = gw.runner("beta", "other", "r9");
      beta.info("beta's own");
      assertThat(beta.flush(GatewayFixture.WAIT)).isTrue();
      assertThat(new JsonObject(tail.nextEvent().data()).getString("message"))
          .isEqualTo("beta's own");
    }
  }

  @Test
  void aRefusedTailIsAnHttpProblemNotAStream() throws Exception {
    try (SseClient bad = SseClient.open(gw, sse("/v1/tail?subject=a..b",
        gw.token("ann", "acme", Role.MEMBER, "")))) {
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.response().headers().firstValue("content-type"))
          .hasValue("application/problem+json");
      assertThat(new JsonObject(bad.body()).getString("param")).isEqualTo("subject");
    }
    try (SseClient none = SseClient.open(gw, sse("/v1/tail", null))) {
      assertThat(none.status()).isEqualTo(401);
      assertThat(none.response().headers().firstValue("www-authenticate"))
          .hasValue("Bearer realm=\"sluice\"");
    }
    try (SseClient runner = SseClient.open(gw, sse("/v1/tail",
        gw.token("r", "acme", Role.RUNNER, "demo")))) {
      assertThat(runner.status()).isEqualTo(403);
    }
  }

  private HttpRequest sse(String path, String token) {
    return gw.request(path, token).header("accept", "text/event-stream").GET().build();
  }
}
