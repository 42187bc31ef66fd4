package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.broker.testing.BrokerExtension;
import dev.sluice.broker.testing.RawRunner;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Tails over plain gRPC on HTTP/2, answered without a gRPC library on the broker's side. */
class Http2TailTest {
  @RegisterExtension
  final BrokerExtension sluice = new BrokerExtension();

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

    io.netty.buffer.ByteBuf message = chunk.toGrpcMessage();
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
}
