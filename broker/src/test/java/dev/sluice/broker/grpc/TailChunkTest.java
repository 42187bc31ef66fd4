package dev.sluice.broker.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailResponse;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
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
  void drainsTheSameBytesAsItEncodes() throws Exception {
    TailChunk chunk = chunk();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream stream = new TailChunk.ChunkMarshaller().stream(chunk);
    assertThat(stream.available()).isEqualTo(chunk.size());

    int n = ((io.grpc.Drainable) stream).drainTo(out);

    assertThat(n).isEqualTo(chunk.size());
    assertThat(out.toByteArray()).isEqualTo(chunk.toBytes());
    TailResponse parsed = TailResponse.parseFrom(out.toByteArray());
    assertThat(parsed.getNoticesList()).containsExactlyElementsOf(chunk.notices());
    assertThat(parsed.getRecordsCount()).isEqualTo(300);
    assertThat(parsed.getRecords(299).getSeq()).isEqualTo(300);
    assertThat(parsed.getRecords(299).getMessage()).hasSize(300);
  }

  @Test
  void readsAsAPlainStreamToo() throws Exception {
    TailChunk chunk = chunk();
    InputStream stream = new TailChunk.ChunkMarshaller().stream(chunk);

    assertThat(stream.readAllBytes()).isEqualTo(chunk.toBytes());
  }
}
