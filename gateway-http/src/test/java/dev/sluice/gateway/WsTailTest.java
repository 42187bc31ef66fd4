package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.token.Role;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /v1/tail/ws}: a live tail whose filter changes, pauses and resumes in place. */
class WsTailTest {
  @RegisterExtension
  final GatewayFixture gw = new GatewayFixture(c -> c.withBrokerConnections(1));

  @Test
  void changesItsFilterOnTheOpenSocket() throws Exception {
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    try (Socket ws = Socket.open(gw, member)) {
      ws.send("{\"op\":\"subscribe\",\"subject\":\"demo.>\"}");
      assertThat(ws.nextOfType("subscribed")).isNotNull();
      runner.info("info 1");
      runner.error("error 1");
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
      assertThat(ws.nextRecord().getString("message")).isEqualTo("info 1");
      assertThat(ws.nextRecord().getString("message")).isEqualTo("error 1");

      ws.send("{\"op\":\"subscribe\",\"subject\":\"demo.>\",\"level\":\"error\"}");
      assertThat(ws.nextOfType("subscribed")).isNotNull();
      runner.info("info 2");
      runner.error("error 2");
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
      assertThat(ws.nextRecord().getString("message")).isEqualTo("error 2");
    }
  }

  @Test
  void pauseHoldsRecordsBackAndResumeDeliversThemAll() throws Exception {
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    try (Socket ws = Socket.open(gw, member)) {
      ws.send("{\"op\":\"subscribe\"}");
      assertThat(ws.nextOfType("subscribed")).isNotNull();
      runner.info("before pause");
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
      assertThat(ws.nextRecord().getString("message")).isEqualTo("before pause");

      ws.send("{\"op\":\"pause\"}");
      assertThat(ws.nextOfType("paused")).isNotNull();
      // The broker message the gateway had already asked for still comes; nothing after it.
      runner.info("in flight");
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
      assertThat(ws.nextRecord().getString("message")).isEqualTo("in flight");
      for (int i = 0; i < 50; i++) {
        runner.info("while paused " + i);
      }
      assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
      assertThat(ws.poll(Duration.ofMillis(500))).isNull(); // held back at the broker

      ws.send("{\"op\":\"resume\"}");
      assertThat(ws.nextOfType("resumed")).isNotNull();
      for (int i = 0; i < 50; i++) {
        assertThat(ws.nextRecord().getString("message")).isEqualTo("while paused " + i);
      }
    }
  }

  @Test
  void aReplayingSubscribeIsAlsoToldSubscribed() throws Exception {
    SluiceRunner runner = gw.runner("acme", "demo", "r1");
    for (int i = 0; i < 5; i++) {
      runner.info("old " + i);
    }
    assertThat(runner.flush(GatewayFixture.WAIT)).isTrue();
    try (Socket ws = Socket.open(gw, gw.token("ann", "acme", Role.MEMBER, ""))) {
      ws.send("{\"op\":\"subscribe\",\"last\":5}");
      assertThat(ws.nextOfType("subscribed")).isNotNull();
      assertThat(ws.nextRecord().getString("message")).isEqualTo("old 0");
    }
  }

  @Test
  void oneClientsChurnDoesNotCutAnotherAccountsTailSharingTheConnection() throws Exception {
    // One broker connection: the broker ends a connection whose client resets more than 200
    // streams in 10 s; each re-subscribe cancels (resets) the previous tail.
    SluiceRunner beta = gw.runner("beta", "other", "r9");
    SluiceRunner acme = gw.runner("acme", "demo", "r1");
    try (Socket victim = Socket.open(gw, gw.token("bob", "beta", Role.MEMBER, ""));
         Socket churner = Socket.open(gw, gw.token("ann", "acme", Role.MEMBER, ""))) {
      victim.send("{\"op\":\"subscribe\"}");
      assertThat(victim.nextOfType("subscribed")).isNotNull();
      for (int i = 0; i < 399; i++) {
        churner.send("{\"op\":\"subscribe\",\"grep\":\"x" + i + "\"}");
      }
      // The last one replays what is stored, so the line counts whether or not it came first.
      churner.send("{\"op\":\"subscribe\",\"grep\":\"x399\",\"since\":\"10m\"}");
      acme.info("x399"); // only the last filter matches it
      assertThat(acme.flush(GatewayFixture.WAIT)).isTrue();
      assertThat(churner.nextRecord().getString("message")).isEqualTo("x399");

      beta.info("still here");
      assertThat(beta.flush(GatewayFixture.WAIT)).isTrue();
      assertThat(victim.nextRecord().getString("message")).isEqualTo("still here");
    }
  }

  @Test
  void aBadCommandIsAnErrorMessageAndTheSocketStaysUsable() throws Exception {
    String member = gw.token("ann", "acme", Role.MEMBER, "");
    try (Socket ws = Socket.open(gw, member)) {
      ws.send("{\"op\":\"subscribe\",\"subject\":\"a..b\"}");
      JsonObject error = ws.nextOfType("error");
      assertThat(error.getJsonObject("problem").getInteger("status")).isEqualTo(400);
      assertThat(error.getJsonObject("problem").getString("param")).isEqualTo("subject");
      ws.send("{\"op\":\"jump\"}");
      assertThat(ws.nextOfType("error").getJsonObject("problem").getString("param"))
          .isEqualTo("op");
      ws.send("{\"op\":\"subscribe\"}");
      assertThat(ws.nextOfType("subscribed")).isNotNull();
    }
  }

  @Test
  void aRunnerTokenIsRefusedItsTail() throws Exception {
    try (Socket ws = Socket.open(gw, gw.token("r", "acme", Role.RUNNER, "demo"))) {
      ws.send("{\"op\":\"subscribe\"}");
      assertThat(ws.nextOfType("error").getJsonObject("problem").getInteger("status"))
          .isEqualTo(403);
    }
  }

  /** A JDK WebSocket client collecting the server's JSON messages. */
  static final class Socket implements WebSocket.Listener, AutoCloseable {
    private final BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    static Socket open(GatewayFixture gw, String token) throws Exception {
      Socket s = new Socket();
      WebSocket.Builder b = gw.http().newWebSocketBuilder().connectTimeout(GatewayFixture.WAIT);
      if (token != null) {
        b.header("authorization", "Bearer " + token);
      }
      s.socket = b.buildAsync(URI.create("ws://127.0.0.1:" + gw.gateway().httpPort()
          + "/v1/tail/ws"), s).get(GatewayFixture.WAIT.toSeconds(), TimeUnit.SECONDS);
      return s;
    }

    void send(String text) throws Exception {
      socket.sendText(text, true).get(GatewayFixture.WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    JsonObject poll(Duration wait) throws InterruptedException {
      return messages.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    JsonObject nextOfType(String type) throws InterruptedException {
      long deadline = System.nanoTime() + GatewayFixture.WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        JsonObject m = poll(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (m != null && type.equals(m.getString("type"))) {
          return m;
        }
      }
      throw new AssertionError("no '" + type + "' message within " + GatewayFixture.WAIT);
    }

    JsonObject nextRecord() throws InterruptedException {
      return nextOfType("record").getJsonObject("record");
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(new JsonObject(partial.toString()));
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public void close() {
      socket.abort();
    }
  }
}
