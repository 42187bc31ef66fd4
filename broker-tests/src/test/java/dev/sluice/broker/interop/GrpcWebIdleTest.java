package dev.sluice.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connections that carry nothing for the idle timeout are closed; a gRPC-Web tail over
 * HTTP/1.1 (no HTTP/2 pings there) sends empty messages while its subject is quiet, so it is
 * never taken for idle.
 */
class GrpcWebIdleTest {
  private static final Duration IDLE = Duration.ofSeconds(2);

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure(c -> c.withConnectionIdle(IDLE));

  @Test
  void aGrpcWebTailWhoseClientVanishesIsEndedAndItsConnectionForgotten() throws Exception {
    // An HTTP/1.1 connection has no pings to guard; its close must still end its calls (the
    // gRPC bridge tells of a client that just disappears only through the connection's close).
    byte[] request = TailRequest.newBuilder().setFilter("gone.>").build().toByteArray();
    long before = sluice.broker().stats().value("grpc.connections");
    for (int i = 0; i < 3; i++) {
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1",
          sluice.broker().grpcPort())) {
        java.io.OutputStream out = socket.getOutputStream();
        out.write(("POST /sluice.v1.Logs/Tail HTTP/1.1\r\nhost: 127.0.0.1\r\n"
            + "content-type: application/grpc-web+proto\r\nx-grpc-web: 1\r\n"
            + "content-length: " + (5 + request.length) + "\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.write(java.nio.ByteBuffer.allocate(5 + request.length).put((byte) 0)
            .putInt(request.length).put(request).array());
        out.flush();
        Awaitility.await().atMost(Duration.ofSeconds(10))
            .until(() -> sluice.broker().stats().value("tail.open") == 1);
        socket.setSoLinger(true, 0); // gone without a word: a reset, no goodbye
      }
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> sluice.broker().stats().value("tail.open") == 0);
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> sluice.broker().stats().value("grpc.connections") == before);
    }
  }

  @Test
  void aQuietGrpcWebTailOutlivesTheIdleTimeoutAndStillGetsItsLines() throws Exception {
    HttpResponse<InputStream> response = GrpcWebTest.openTail(sluice.broker().grpcPort(),
        TailRequest.newBuilder().setFilter("web.>").build().toByteArray());
    List<TailResponse> messages = new CopyOnWriteArrayList<>();
    boolean[] ended = {false};
    Thread reader = new Thread(() -> {
      try (DataInputStream body = new DataInputStream(response.body())) {
        while (body.readByte() == 0) {
          messages.add(TailResponse.parseFrom(body.readNBytes(body.readInt())));
        }
      } catch (IOException e) {
        // the stream ended
      }
      ended[0] = true;
    });
    reader.setDaemon(true);
    reader.start();

    // Quiet for well over the idle timeout: kept open by empty messages.
    Awaitility.await().pollDelay(IDLE.multipliedBy(2)).atMost(IDLE.multipliedBy(4))
        .until(() -> messages.size() >= 2);
    assertThat(messages).allMatch(m -> m.getRecordsCount() == 0 && m.getNoticesCount() == 0);
    assertThat(ended[0]).isFalse();

    RawRunner.connect(sluice.channel(), "web", "r1").lines("", "late").awaitAcked();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> messages.stream()
        .flatMap(m -> m.getRecordsList().stream()).map(Record::getMessage)
        .anyMatch("late"::equals));
  }
}
