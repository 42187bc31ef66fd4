package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TailChunkTest {
  private static TailChunk chunk() {
    List<StoredRecord> records = new ArrayList<>();
    for (int i = 1; i <= 300; i++) {
      // Messages of growing length cross the one- and two-byte length varints.
      records.add(StoredRecord.of(i, Record.newBuilder().setSubject("app.r1.q" + i)
          .setMessage("x".repeat(i)).build()));
    }
    return new TailChunk(List.of(Notice.newBuilder().setKind(NoticeKind.DROPPED).setCount(7)
        .build()), records);
  }

  @Test
  void encodesATailResponseAndFramesItAsOneGrpcMessage() throws Exception {
    TailChunk chunk = chunk();
    byte[] bytes = chunk.toBytes();

    assertThat(bytes).hasSize(chunk.size());
    TailResponse parsed = TailResponse.parseFrom(bytes);
    assertThat(parsed.getNoticesList()).containsExactlyElementsOf(chunk.notices());
    assertThat(parsed.getRecordsCount()).isEqualTo(300);
    assertThat(parsed.getRecords(299).getSeq()).isEqualTo(300);
    assertThat(parsed.getRecords(299).getMessage()).hasSize(300);

    io.netty.buffer.ByteBuf message = chunk.toGrpcMessage(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
    byte[] framed = new byte[message.readableBytes()];
    message.readBytes(framed);
    assertThat(framed[0]).isZero();
    assertThat(java.nio.ByteBuffer.wrap(framed, 1, 4).getInt()).isEqualTo(bytes.length);
    assertThat(java.util.Arrays.copyOfRange(framed, 5, framed.length)).isEqualTo(bytes);
  }
}
