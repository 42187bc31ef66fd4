package dev.sluice.client.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Stream;
import dev.sluice.proto.wire.FieldWalk;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The runner's hand codec ({@link Frames}) against protobuf, field by field
 * ({@link FieldWalk}): every line it writes, and every frame it sends, is the bytes protobuf
 * writes for the same LogLine and IngestFrame.
 */
class WireDifferentialTest {
  @Test
  void writesEveryFieldOfALineAsProtobufDoes() {
    // The SDK has no trace or span ids to send; a Level or Stream it can name is a known one.
    for (FieldWalk.Case c : FieldWalk.cases(LogLine.getDefaultInstance(),
        Set.of("time_unix_nano", "level", "stream", "message", "request_id", "fields"),
        Set.of("trace_id", "span_id"))) {
      LogLine line = (LogLine) c.message();
      if (line.getLevel() == Level.UNRECOGNIZED || line.getStream() == Stream.UNRECOGNIZED) {
        continue;
      }

      byte[] entry = Frames.line(line.getTimeUnixNano(), line.getLevel(), line.getStream(),
          line.getMessage(), line.getRequestId(), line.getFieldsMap());

      assertThat(entry).as(c.name())
          .isEqualTo(LogBatch.newBuilder().addLines(line).build().toByteArray());
    }
  }

  @Test
  void sendsEveryFieldOfAFrameAsProtobufWritesIt() throws Exception {
    for (FieldWalk.Case c : FieldWalk.cases(IngestFrame.getDefaultInstance())) {
      IngestFrame frame = (IngestFrame) c.message();
      Frames.Out out;
      if (frame.hasBatch()) {
        List<byte[]> lines = new ArrayList<>();
        int bytes = 0;
        for (LogLine line : frame.getBatch().getLinesList()) {
          byte[] entry = LogBatch.newBuilder().addLines(line).build().toByteArray();
          lines.add(entry);
          bytes += entry.length;
        }
        out = Frames.Out.batch(frame.getBatch().getFirstSeq(), lines, bytes);
      } else {
        out = Frames.Out.of(frame);
      }
      byte[] expected = frame.toByteArray();

      assertThat(out.size()).as(c.name()).isEqualTo(expected.length);
      assertThat(out.toBytes()).as(c.name()).isEqualTo(expected);
      assertThat(drained(out)).as(c.name()).isEqualTo(expected);
    }
  }

  private static byte[] drained(Frames.Out out) throws Exception {
    InputStream stream = Frames.METHOD.getRequestMarshaller().stream(out);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    ((io.grpc.Drainable) stream).drainTo(sink);
    return sink.toByteArray();
  }
}
