package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ingest over both transports: plain gRPC read off HTTP/2 by {@link Http2Ingest}, and what it
 * leaves to the gRPC library (a compressed stream). Raw HTTP/2 clients show the deframing:
 * messages split anywhere across DATA frames, and frames that break the protocol.
 */
class IngestTransportsTest {
  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure();

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void closeVertx() {
    vertx.close().await();
  }

  @Test
  void aCompressedStreamGoesThroughTheGrpcLibraryAndIsStoredTheSame() {
    Channel gzip = ClientInterceptors.intercept(sluice.channel(), new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
          CallOptions options, Channel next) {
        return next.newCall(method, options.withCompression("gzip"));
      }
    });
    RawRunner.connect(gzip, "zip", "r1").lines("", "squeezed").awaitAcked();

    var tail = LogsGrpc.newBlockingStub(sluice.channel()).tail(TailRequest.newBuilder()
        .setFilter("zip.>").setStart(StartPosition.newBuilder().setLastN(1)).build());
    assertThat(tail.next().getRecordsList()).extracting(Record::getMessage)
        .containsExactly("squeezed");
  }

  @Test
  void messagesSplitAnywhereAcrossDataFramesAreReadWholeAndAHalfCloseEndsWithOk()
      throws Exception {
    byte[] hello = grpcMessage(IngestFrame.newBuilder().setHello(Hello.newBuilder()
        .setApp("raw").setRunner("r1").setVersion("v1")).build().toByteArray());
    byte[] batch = grpcMessage(IngestFrame.newBuilder().setBatch(LogBatch.newBuilder()
        .setFirstSeq(1).addLines(LogLine.newBuilder().setMessage("one"))
        .addLines(LogLine.newBuilder().setMessage("two"))).build().toByteArray());
    byte[] both = new byte[hello.length + batch.length];
    System.arraycopy(hello, 0, both, 0, hello.length);
    System.arraycopy(batch, 0, both, hello.length, batch.length);
    // Cut inside the first header, inside the first body, across the boundary, inside the
    // second header.
    int[] cuts = {2, 9, hello.length + 1, hello.length + 3, both.length};
    List<Buffer> pieces = new ArrayList<>();
    for (int i = 0, from = 0; i < cuts.length; from = cuts[i++]) {
      pieces.add(Buffer.buffer(java.util.Arrays.copyOfRange(both, from, cuts[i])));
    }

    Answer answer = call(pieces);

    assertThat(answer.status).isEqualTo("0");
    List<IngestReply> replies = replies(answer.body);
    assertThat(replies.get(0).hasWelcome()).isTrue();
    assertThat(replies.get(replies.size() - 1).getAck().getSeq()).isEqualTo(2);
  }

  @Test
  void aFrameIsDeliveredAtOnceEvenWhenItsChunkEndsInsideTheNextHeader() throws Exception {
    byte[] hello = grpcMessage(IngestFrame.newBuilder().setHello(Hello.newBuilder()
        .setApp("raw").setRunner("r3").setVersion("v1")).build().toByteArray());
    byte[] withTwoMore = java.util.Arrays.copyOf(hello, hello.length + 2); // 0, 0 of a header
    HttpClientRequest request = openIngest();
    CompletableFuture<Buffer> first = new CompletableFuture<>();
    request.response().onSuccess(response -> response.handler(first::complete));
    request.write(Buffer.buffer(withTwoMore)).await();
    // Nothing more is sent: the welcome must come for the hello alone.
    Buffer reply = first.get(10, TimeUnit.SECONDS);
    assertThat(replies(reply).get(0).hasWelcome()).isTrue();
    request.reset();
  }

  @Test
  void aCompressedFlagWithoutAnEncodingAndAStreamEndingInsideAFrameAreRefused()
      throws Exception {
    byte[] hello = grpcMessage(IngestFrame.newBuilder().setHello(Hello.newBuilder()
        .setApp("raw").setRunner("r2").setVersion("v1")).build().toByteArray());
    byte[] flagged = hello.clone();
    flagged[0] = 1;
    Answer compressed = call(List.of(Buffer.buffer(flagged)));
    assertThat(compressed.status).isEqualTo(Integer.toString(Status.Code.INTERNAL.value()));
    assertThat(compressed.message).contains("compressed");

    Answer cut = call(List.of(Buffer.buffer(java.util.Arrays.copyOf(hello, hello.length - 2))));
    assertThat(cut.status).isEqualTo(Integer.toString(Status.Code.INTERNAL.value()));
    assertThat(cut.message).contains("inside a frame");
  }

  @Test
  void frameBuffersAreReusedWithoutMixingFramesAndAllGoBackHoweverTheCallEnds()
      throws Exception {
    byte[] hello = grpcMessage(IngestFrame.newBuilder().setHello(Hello.newBuilder()
        .setApp("pool").setRunner("r1").setVersion("v1")).build().toByteArray());
    // A long frame, then shorter ones that land in the buffers it used: each must be read
    // only as far as its own length.
    List<Buffer> pieces = new ArrayList<>(List.of(Buffer.buffer(hello)));
    List<String> sent = new ArrayList<>();
    for (int f = 0; f < 6; f++) {
      LogBatch.Builder batch = LogBatch.newBuilder().setFirstSeq(sent.size() + 1);
      int size = f == 0 ? 3_000 : 40 - 5 * f;
      for (int i = 0; i < 3; i++) {
        String message = ("f" + f + "l" + i + "-").repeat(size).substring(0, size);
        batch.addLines(LogLine.newBuilder().setMessage(message));
        sent.add(message);
      }
      pieces.add(Buffer.buffer(grpcMessage(
          IngestFrame.newBuilder().setBatch(batch).build().toByteArray())));
    }
    Answer done = call(pieces);
    assertThat(done.status).isEqualTo("0");
    var tail = LogsGrpc.newBlockingStub(sluice.channel()).tail(TailRequest.newBuilder()
        .setFilter("pool.>").setStart(StartPosition.newBuilder().setLastN(sent.size())).build());
    List<String> stored = new ArrayList<>();
    while (stored.size() < sent.size()) {
      tail.next().getRecordsList().forEach(r -> stored.add(r.getMessage()));
    }
    assertThat(stored).containsExactlyElementsOf(sent);

    // Refused in the middle of a frame's bytes, and reset with a frame half read.
    byte[] cut = java.util.Arrays.copyOf(hello, hello.length - 2);
    assertThat(call(List.of(Buffer.buffer(cut))).message).contains("inside a frame");
    HttpClientRequest reset = openIngest();
    reset.write(Buffer.buffer(java.util.Arrays.copyOf(hello, hello.length - 3))).await();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> sluice.broker().stats().value("ingest.frames_held") > 0);
    reset.reset();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> sluice.broker().stats().value("ingest.frames_held") == 0);
  }

  private static byte[] grpcMessage(byte[] message) {
    return java.nio.ByteBuffer.allocate(5 + message.length).put((byte) 0)
        .putInt(message.length).put(message).array();
  }

  private static List<IngestReply> replies(Buffer body) throws Exception {
    List<IngestReply> out = new ArrayList<>();
    for (int at = 0; at + 5 <= body.length(); ) {
      int length = body.getInt(at + 1);
      out.add(IngestReply.parseFrom(body.getBytes(at + 5, at + 5 + length)));
      at += 5 + length;
    }
    return out;
  }

  private record Answer(Buffer body, String status, String message) {}

  /** One Ingest.Stream call on a raw HTTP/2 connection: the pieces, each written alone. */
  private Answer call(List<Buffer> pieces) throws Exception {
    HttpClientRequest request = openIngest();
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    request.response().onSuccess(response -> {
      Buffer body = Buffer.buffer();
      response.handler(body::appendBuffer);
      response.endHandler(v -> answer.complete(new Answer(body,
          response.getTrailer("grpc-status"), String.valueOf(
              java.net.URLDecoder.decode(String.valueOf(response.getTrailer("grpc-message")),
                  java.nio.charset.StandardCharsets.UTF_8)))));
      response.exceptionHandler(answer::completeExceptionally);
    });
    for (Buffer piece : pieces) {
      request.write(piece).await();
    }
    request.end();
    return answer.get(10, TimeUnit.SECONDS);
  }

  /** An Ingest.Stream call on a new raw HTTP/2 (h2c) connection, headers set, nothing sent. */
  private HttpClientRequest openIngest() {
    HttpClientAgent http = vertx.createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    HttpClientRequest request = http.request(new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(sluice.broker().grpcPort()).setURI(Http2Ingest.PATH))
        .await();
    request.putHeader("content-type", "application/grpc").setChunked(true);
    return request;
  }
}
