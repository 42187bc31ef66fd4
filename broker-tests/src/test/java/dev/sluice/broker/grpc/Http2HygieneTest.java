package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RawHttp2;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.testing.TailCollector;
import io.netty.handler.codec.http2.Http2FrameStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2 misbehaviour a gRPC client never shows, from a raw client on a real socket, while a
 * well-behaved runner and tail on another connection go on being served.
 */
class Http2HygieneTest {
  private static final Duration IDLE = Duration.ofSeconds(2);

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure(c -> c.withConnectionIdle(IDLE));

  @Test
  void aPingFloodEndsInGoAwayEnhanceYourCalmWhileAnotherClientIsServed() throws Exception {
    TailCollector victim = TailCollector.tail(sluice.channel(), "app.>");
    RawRunner runner = RawRunner.connect(sluice.channel(), "app", "r1");
    runner.lines("", "before the flood").awaitAcked();
    try (RawHttp2 flood = RawHttp2.connect(sluice.broker().grpcPort())) {
      // One burst, then the client reads: a client that keeps flooding gets its connection
      // closed all the same, but the close then resets it before it can read the GOAWAY.
      flood.ping(ConnectionGuard.MAX_PING_STRIKES * 20);
      assertThat(flood.goAway().get(10, TimeUnit.SECONDS))
          .isEqualTo(ConnectionGuard.ENHANCE_YOUR_CALM);
      flood.closed().get(10, TimeUnit.SECONDS);
    }
    runner.lines("", "after the flood").awaitAcked();
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> victim.lines().contains("after the flood"));
    assertThat(victim.isEnded()).isFalse();
  }

  @Test
  void pingsThatFollowWhatTheBrokerDidAreNoFlood() throws Exception {
    try (RawHttp2 client = RawHttp2.connect(sluice.broker().grpcPort())) {
      for (int i = 0; i < 100; i++) {
        client.openTail("app-" + i + ".>", null); // a stream opened: activity
        client.ping(1);
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.pingAcks() >= 100);
      assertThat(client.goAway()).isNotDone();
      assertThat(client.isOpen()).isTrue();
    }
  }

  @Test
  void pingsAfterEachFrameOfALargeAnswerAreNoFlood() throws Exception {
    // A query page of about 1 MB comes in some 70 DATA frames; a client whose flow-control
    // estimator pings after each (grpc-go, .NET) is reading, not flooding.
    RawRunner runner = RawRunner.connect(sluice.channel(), "big", "r1");
    String line = "y".repeat(1_000);
    for (int b = 0; b < 10; b++) {
      runner.lines("", java.util.Collections.nCopies(100, line).toArray(String[]::new));
    }
    runner.awaitAcked();
    try (RawHttp2 client = RawHttp2.connect(sluice.broker().grpcPort())) {
      client.readAndPingAfterEachDataFrame();
      io.netty.handler.codec.http2.Http2FrameStream query = client.call(
          "/sluice.v1.Logs/Query", dev.sluice.proto.v1.QueryRequest.newBuilder()
              .setFilter("big.>").setLimit(1_000).build(), null);
      Awaitility.await().atMost(Duration.ofSeconds(20))
          .until(() -> client.ended(query.id()) != null);
      assertThat(client.ended(query.id())).isEqualTo("0");
      assertThat(client.pingsSent()).isGreaterThan(ConnectionGuard.MAX_PING_STRIKES * 5L);
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> client.pingAcks() == client.pingsSent());
      assertThat(client.goAway()).isNotDone();
      assertThat(client.isOpen()).isTrue();
    }
  }

  @Test
  void aConnectionThatNeverFinishesItsHandshakeIsClosed() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", sluice.broker().grpcPort())) {
      // 16 of the 24 bytes of the HTTP/2 preface, then nothing.
      socket.getOutputStream().write("PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.setSoTimeout((int) IDLE.toMillis() * 5);
      long start = System.nanoTime();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[1024];
      while (in.read(buffer) >= 0) {
        // whatever the server says first; the end of the stream is what counts
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(IDLE.multipliedBy(3));
    }
  }

  @Test
  void aPeerThatLeavesTheBrokersPingsUnansweredIsClosed() throws Exception {
    try (RawHttp2 deaf = RawHttp2.connect(sluice.broker().grpcPort(), false)) {
      long start = System.nanoTime();
      deaf.closed().get(IDLE.multipliedBy(5).toMillis(), TimeUnit.MILLISECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(IDLE);
    }
  }

  @Test
  void aLiveConnectionThatSendsNothingStaysOpenByAnsweringTheBrokersPings() {
    TailCollector quiet = TailCollector.tail(sluice.channel(), "quiet.>");
    RawRunner runner = RawRunner.connect(sluice.channel(), "quiet", "r1");
    // Nothing is sent either way for longer than the idle timeout, twice over.
    Awaitility.await().pollDelay(IDLE.multipliedBy(5).dividedBy(2))
        .atMost(IDLE.multipliedBy(4)).until(() -> true);
    assertThat(quiet.isEnded()).isFalse();
    runner.lines("", "still here").awaitAcked();
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> quiet.lines().contains("still here"));
  }

  @Test
  void streamsResetAsSoonAsTheyOpenAreCutOffOnceTheyPassTheLimit() throws Exception {
    TailCollector victim = TailCollector.tail(sluice.channel(), "app.>");
    RawRunner runner = RawRunner.connect(sluice.channel(), "app", "r1");
    try (RawHttp2 attacker = RawHttp2.connect(sluice.broker().grpcPort())) {
      attacker.openAndReset(GrpcFrontend.MAX_RESETS_PER_WINDOW + 50, "app.>");
      assertThat(attacker.goAway().get(10, TimeUnit.SECONDS))
          .isEqualTo(ConnectionGuard.ENHANCE_YOUR_CALM);
      attacker.closed().get(10, TimeUnit.SECONDS);
    }
    runner.lines("", "after the resets").awaitAcked();
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> victim.lines().contains("after the resets"));
    assertThat(sluice.broker().stats().value("tail.open")).isEqualTo(1); // the victim's; none left behind
  }

  @Test
  void resetsBelowTheLimitAreAClientCancellingItsTails() throws Exception {
    try (RawHttp2 client = RawHttp2.connect(sluice.broker().grpcPort())) {
      client.openAndReset(GrpcFrontend.MAX_RESETS_PER_WINDOW / 2, "app.>");
      Http2FrameStream still = client.openTail("app.>", null);
      client.ping(1);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.pingAcks() >= 1);
      assertThat(client.goAway()).isNotDone();
      assertThat(client.ended(still.id())).isNull(); // open and served
    }
  }
}
