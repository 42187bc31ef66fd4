package dev.sluice.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
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
  final SluiceBroker sluice = SluiceBroker.insecure();

  @Test
  void tailsOverGrpcWeb() throws Exception {
    RawRunner.connect(sluice.channel(), "web", "r1").lines("", "a", "b").awaitAcked();
    byte[] request = TailRequest.newBuilder().setFilter("web.>")
        .setStart(StartPosition.newBuilder().setLastN(2)).build().toByteArray();
    HttpResponse<InputStream> response = openTail(sluice.broker().grpcPort(), request);
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

  /** Opens Logs.Tail over gRPC-Web on HTTP/1.1 with {@code request}; the body streams. */
  static HttpResponse<InputStream> openTail(int port, byte[] request) throws Exception {
    byte[] frame = ByteBuffer.allocate(5 + request.length).put((byte) 0).putInt(request.length)
        .put(request).array();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    return http.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + port + "/sluice.v1.Logs/Tail"))
        .timeout(Duration.ofSeconds(10))
        .header("content-type", "application/grpc-web+proto").header("x-grpc-web", "1")
        .POST(HttpRequest.BodyPublishers.ofByteArray(frame)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
  }

  @Test
  void aSecondRequestOnOneTailIsRefusedAndSoIsACallWithNone() throws Exception {
    byte[] request = TailRequest.newBuilder().setFilter("web.>").build().toByteArray();
    ByteBuffer two = ByteBuffer.allocate(2 * (5 + request.length));
    for (int i = 0; i < 2; i++) {
      two.put((byte) 0).putInt(request.length).put(request);
    }
    assertThat(trailers(two.array())).contains("grpc-status:3").contains("a second one came");
    assertThat(trailers(new byte[0])).contains("grpc-status:3").contains("none came");
  }

  /** The trailers (frame, or headers of a trailers-only answer) of a gRPC-Web call whose request body is {@code body}. */
  private String trailers(byte[] body) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sluice.broker().grpcPort() + "/sluice.v1.Logs/Tail"))
        .timeout(Duration.ofSeconds(10))
        .header("content-type", "application/grpc-web+proto").header("x-grpc-web", "1")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    ByteBuffer frames = ByteBuffer.wrap(response.body());
    while (frames.remaining() >= 5) {
      byte flags = frames.get();
      byte[] frame = new byte[frames.getInt()];
      frames.get(frame);
      if ((flags & 0x80) != 0) {
        return java.net.URLDecoder.decode(new String(frame, java.nio.charset.StandardCharsets.UTF_8),
            java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    // Trailers-only: a call that ends before any message answers with its status as headers.
    return "grpc-status:" + response.headers().firstValue("grpc-status").orElse("?")
        + "\r\ngrpc-message:" + java.net.URLDecoder.decode(response.headers()
            .firstValue("grpc-message").orElse(""), java.nio.charset.StandardCharsets.UTF_8);
  }
}
