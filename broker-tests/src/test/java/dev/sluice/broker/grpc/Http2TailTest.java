package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Tails over plain gRPC on HTTP/2, answered without a gRPC library on the broker's side. */
class Http2TailTest {
  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure();

  @Test
  void aRefusedTailEndsWithItsStatusAndTheMessageIntactAcrossPercentEncoding() {
    Iterator<TailResponse> tail = LogsGrpc.newBlockingStub(sluice.channel())
        .tail(TailRequest.newBuilder().setFilter("café 100%.>").build());

    assertThatThrownBy(tail::hasNext).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("'café 100%'");
    });
  }

  @Test
  void aRequestLargerThanOneSmallMessageIsRefusedWithoutBeingHeld() {
    Iterator<TailResponse> tail = LogsGrpc.newBlockingStub(sluice.channel())
        .tail(TailRequest.newBuilder().setFilter("x".repeat(2 * 1024 * 1024) + ".>").build());

    assertThatThrownBy(tail::hasNext).isInstanceOfSatisfying(StatusRuntimeException.class, e ->
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
  }

  @Test
  void messagesAreTheStoredRecordsAsProtobufReadsThem() {
    Iterator<TailResponse> tail = LogsGrpc.newBlockingStub(sluice.channel())
        .tail(TailRequest.newBuilder().setFilter("app.>").build());
    RawRunner.connect(sluice.channel(), "app", "r1").lines("", "one", "two ✓", "three");

    List<String> got = new java.util.ArrayList<>();
    while (got.size() < 3) {
      got.addAll(tail.next().getRecordsList().stream().map(Record::getMessage).toList());
    }
    assertThat(got).containsExactly("one", "two ✓", "three");
  }

  @Test
  void aChunkAsAGrpcMessageIsItsLengthPrefixThenTheTailResponse() throws Exception {
    List<dev.sluice.broker.store.StoredRecord> records = new java.util.ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      records.add(dev.sluice.broker.store.StoredRecord.of(i, Record.newBuilder()
          .setSubject("app.r1._").setMessage("line " + i).build()));
    }
    Notice gap = Notice.newBuilder().setKind(NoticeKind.GAP).setCount(7).build();
    TailChunk chunk = new TailChunk(List.of(gap), records);

    io.netty.buffer.ByteBuf message = chunk.toGrpcMessage(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
    byte[] bytes = new byte[message.readableBytes()];
    message.readBytes(bytes);

    assertThat(bytes[0]).isZero();
    assertThat(java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(bytes.length - 5);
    TailResponse parsed = TailResponse.parseFrom(java.util.Arrays.copyOfRange(bytes, 5,
        bytes.length));
    assertThat(parsed.getNoticesList()).containsExactly(gap);
    assertThat(parsed.getRecordsList()).extracting(Record::getMessage)
        .containsExactly("line 1", "line 2", "line 3");
    assertThat(Http2Tail.percentEncoded("a%b é\n")).isEqualTo("a%25b %C3%A9%0A");
  }

  @Test
  void requestsBeingReadOnOneConnectionShareABoundAndAResetStreamGivesItsShareBack()
      throws Exception {
    RawRunner.connect(sluice.channel(), "app", "r1").lines("", "kept").awaitAcked();
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.core.http.HttpClientAgent http = vertx.createHttpClient(
          new io.vertx.core.http.HttpClientOptions()
              .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
              .setHttp2ClearTextUpgrade(false)); // one connection (the HTTP/2 pool default)
      // Each stream sends a message prefix and most of a 60 KiB body, and never ends: one
      // connection cannot have the broker hold more than its share of them.
      int part = 60 * 1024;
      int streams = Http2Tail.MAX_REQUEST_BYTES_PER_CONNECTION / part + 2;
      List<io.vertx.core.http.HttpClientRequest> open = new java.util.ArrayList<>();
      java.util.concurrent.CompletableFuture<String> refusal =
          new java.util.concurrent.CompletableFuture<>();
      for (int i = 0; i < streams; i++) {
        io.vertx.core.http.HttpClientRequest request = http.request(tailRequest()).await();
        request.putHeader("content-type", "application/grpc").setChunked(true);
        request.response().onSuccess(r -> r.end().onSuccess(v ->
            refusal.complete(r.getTrailer("grpc-status") + " " + r.getTrailer("grpc-message"))));
        io.vertx.core.buffer.Buffer body = io.vertx.core.buffer.Buffer.buffer()
            .appendByte((byte) 0).appendInt(part + 10).appendBytes(new byte[part - 5]);
        // The stream the broker refuses is reset under the write: that write may fail.
        request.write(body).recover(e -> io.vertx.core.Future.succeededFuture()).await();
        open.add(request);
      }
      assertThat(refusal.get(10, java.util.concurrent.TimeUnit.SECONDS))
          .startsWith(Status.Code.RESOURCE_EXHAUSTED.value() + " ")
          .contains("being read on one connection");

      for (io.vertx.core.http.HttpClientRequest request : open) {
        request.reset();
      }
      // Their shares are back: a request as large as the bound allows is read and served
      // (the padding is a field TailRequest does not know, which protobuf keeps aside).
      byte[] tail = TailRequest.newBuilder().setFilter("app.>")
          .setStart(dev.sluice.proto.v1.StartPosition.newBuilder().setLastN(1)).build()
          .toByteArray();
      byte[] padding = new byte[Http2Tail.MAX_REQUEST_BYTES - tail.length - 8];
      com.google.protobuf.ByteString padded = com.google.protobuf.ByteString.copyFrom(tail)
          .concat(com.google.protobuf.UnknownFieldSet.newBuilder().addField(99,
              com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                  .addLengthDelimited(com.google.protobuf.ByteString.copyFrom(padding)).build())
              .build().toByteString());
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(
          () -> {
            io.vertx.core.http.HttpClientRequest request = http.request(tailRequest()).await();
            request.putHeader("content-type", "application/grpc");
            // Handlers are set on the event loop as the response arrives, before its data.
            java.util.concurrent.CompletableFuture<io.vertx.core.buffer.Buffer> data =
                new java.util.concurrent.CompletableFuture<>();
            request.response().onSuccess(response -> {
              response.handler(data::complete);
              response.endHandler(v -> data.complete(io.vertx.core.buffer.Buffer.buffer()));
            });
            request.end(io.vertx.core.buffer.Buffer.buffer().appendByte((byte) 0)
                .appendInt(padded.size()).appendBytes(padded.toByteArray())).await();
            io.vertx.core.buffer.Buffer first = data.get(10, java.util.concurrent.TimeUnit.SECONDS);
            request.reset();
            assertThat(first.length()).isGreaterThan(5);
            assertThat(TailResponse.parseFrom(first.getBytes(5, first.length()))
                .getRecordsList()).extracting(Record::getMessage).containsExactly("kept");
          });
    } finally {
      vertx.close().await();
    }
  }

  private io.vertx.core.http.RequestOptions tailRequest() {
    return new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.POST)
        .setHost("127.0.0.1").setPort(sluice.broker().grpcPort()).setURI(Http2Tail.PATH);
  }
}
