package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.proto.wire.FieldWalk;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The transport's hand codecs against protobuf, field by field ({@link FieldWalk}):
 * {@link IngestFrames} finds the batch in every frame protobuf wrote (and hands every other
 * frame to protobuf), and {@link TailChunk} writes the bytes protobuf writes for every
 * TailResponse. How a batch's lines are read is ingest's own test.
 */
class WireDifferentialTest {
  @Test
  void readsEveryFieldOfAFrameAsProtobufWroteIt() throws Exception {
    IngestFrames frames = new IngestFrames(Integer.MAX_VALUE);
    for (FieldWalk.Case c : FieldWalk.cases(IngestFrame.getDefaultInstance())) {
      IngestFrame frame = (IngestFrame) c.message();

      IngestFrames.In in = frames.read(frame.toByteArray());

      if (frame.hasBatch()) {
        assertThat(in.frame()).as(c.name()).isNull();
        assertThat(in.batch().firstSeq()).as(c.name()).isEqualTo(frame.getBatch().getFirstSeq());
        assertThat(in.batch().count()).as(c.name()).isEqualTo(frame.getBatch().getLinesCount());
      } else {
        assertThat(in.frame()).as(c.name()).isEqualTo(frame);
      }
    }
  }

  @Test
  void writesEveryFieldOfATailResponseAsProtobufDoes() {
    for (FieldWalk.Case c : FieldWalk.cases(TailResponse.getDefaultInstance())) {
      TailResponse response = (TailResponse) c.message();
      List<StoredRecord> records = new ArrayList<>();
      for (Record r : response.getRecordsList()) {
        records.add(new StoredRecord(r.getSeq(), r, r.toByteArray()));
      }
      TailChunk chunk = new TailChunk(response.getNoticesList(), records);
      byte[] expected = response.toByteArray();

      assertThat(chunk.size()).as(c.name()).isEqualTo(expected.length);
      assertThat(chunk.toBytes()).as(c.name()).isEqualTo(expected);
      ByteBuf message = chunk.toGrpcMessage(UnpooledByteBufAllocator.DEFAULT);
      try {
        byte[] framed = new byte[message.readableBytes()];
        message.readBytes(framed);
        assertThat(Arrays.copyOfRange(framed, 5, framed.length)).as(c.name())
            .isEqualTo(expected);
      } finally {
        message.release();
      }
    }
  }
}
