package dev.sluice.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.testing.BrokerExtension;
import dev.sluice.broker.testing.RawRunner;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The broker's gRPC server also answers gRPC-Web (what a browser speaks) over HTTP/1.1. */
class GrpcWebTest {
  @RegisterExtension
  final BrokerExtension sluice = new BrokerExtension();

  @Test
  void tailsOverGrpcWeb() throws Exception {
    RawRunner.connect(sluice.channel(), "web", "r1").lines("", "a", "b").awaitAcked();
    byte[] request = TailRequest.newBuilder().setFilter("web.>")
        .setStart(StartPosition.newBuilder().setLastN(2)).build().toByteArray();
    byte[] frame = ByteBuffer.allocate(5 + request.length).put((byte) 0).putInt(request.length)
        .put(request).array();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sluice.broker().grpcPort() + "/sluice.v1.Logs/Tail"))
        .timeout(Duration.ofSeconds(10))
        .header("content-type", "application/grpc-web+proto").header("x-grpc-web", "1")
        .POST(HttpRequest.BodyPublishers.ofByteArray(frame)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    // "application/grpc-web" means protobuf, the same as "+proto".
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/grpc-web");
    try (DataInputStream body = new DataInputStream(response.body())) {
      assertThat(body.readByte()).isZero(); // a data frame, not trailers
      byte[] message = body.readNBytes(body.readInt());
      TailResponse tail = TailResponse.parseFrom(message);
      assertThat(tail.getRecordsList()).extracting(r -> r.getMessage()).containsExactly("a", "b");
    }
  }
}
