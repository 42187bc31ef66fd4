package dev.sluice.client.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.RequestStart;
import dev.sluice.proto.v1.Stream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class FramesTest {
  /** A LogBatch entry as protobuf writes it: tag, length, the line. */
  private static byte[] entry(LogLine line) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeMessage(LogBatch.LINES_FIELD_NUMBER, line);
    out.flush();
    return bytes.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(strings = {"hello", "", "héllo wörld ✓ 𝄞"})
  void aLineIsWhatProtobufWrites(String message) throws Exception {
    for (long time : new long[] {1_700_000_000_123_456_789L, 0, 1, 127, 128, -1}) {
      for (String request : new String[] {"", "req-7", "x".repeat(200), "réq"}) {
        for (Level level : new Level[] {Level.LEVEL_UNSPECIFIED, Level.WARN}) {
          byte[] line = Frames.line(time, level, Stream.STRUCTURED, message, request, null);
          assertThat(line).as("%d %s %s", time, request, level).isEqualTo(entry(
              LogLine.newBuilder().setTimeUnixNano(time).setLevel(level)
                  .setStream(Stream.STRUCTURED).setMessage(message).setRequestId(request)
                  .build()));
        }
      }
    }
    long time = 1_700_000_000_123_456_789L;
    byte[] withFields = Frames.line(time, Level.INFO, Stream.STRUCTURED, message, "r",
        Map.of("shard", "1/2"));
    assertThat(withFields).isEqualTo(entry(LogLine.newBuilder().setTimeUnixNano(time)
        .setLevel(Level.INFO).setStream(Stream.STRUCTURED).setMessage(message)
        .setRequestId("r").putFields("shard", "1/2").build()));
  }

  @Test
  void aLineInsideASpanIsWhatProtobufWrites() throws Exception {
    long time = 1_700_000_000_123_456_789L;
    for (String request : new String[] {"", "req-7", "réq"}) {
      for (Frames.Ids ids : new Frames.Ids[] {
          new Frames.Ids("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),
          new Frames.Ids("4bf92f3577b34da6a3ce929d0e0e4736", ""), new Frames.Ids("", "ß")}) {
        byte[] line = Frames.line(time, Level.INFO, Stream.STDOUT, "in a span", request, null,
            ids);
        assertThat(line).as("%s %s", request, ids).isEqualTo(entry(LogLine.newBuilder()
            .setTimeUnixNano(time).setLevel(Level.INFO).setStream(Stream.STDOUT)
            .setMessage("in a span").setRequestId(request).setTraceId(ids.traceId())
            .setSpanId(ids.spanId()).build()));
      }
    }
    byte[] both = Frames.line(time, Level.INFO, Stream.STDOUT, "m", "r", Map.of("k", "v"),
        new Frames.Ids("ab", "cd"));
    assertThat(both).isEqualTo(entry(LogLine.newBuilder().setTimeUnixNano(time)
        .setLevel(Level.INFO).setStream(Stream.STDOUT).setMessage("m").setRequestId("r")
        .putFields("k", "v").setTraceId("ab").setSpanId("cd").build()));
  }

  @Test
  void aBatchFrameIsWhatProtobufWritesAndDrainsTheSameBytes() throws Exception {
    List<byte[]> lines = new ArrayList<>();
    LogBatch.Builder expected = LogBatch.newBuilder().setFirstSeq(300);
    int bytes = 0;
    for (int i = 0; i < 5; i++) {
      LogLine line = LogLine.newBuilder().setTimeUnixNano(i + 1).setLevel(Level.INFO)
          .setMessage("line " + i).build();
      expected.addLines(line);
      lines.add(entry(line));
      bytes += entry(line).length;
    }
    Frames.Out out = Frames.Out.batch(300, lines, bytes);
    byte[] protobuf = IngestFrame.newBuilder().setBatch(expected).build().toByteArray();

    assertThat(out.size()).isEqualTo(protobuf.length);
    assertThat(out.toBytes()).isEqualTo(protobuf);
    assertThat(drained(out)).isEqualTo(protobuf);
    IngestFrame event = IngestFrame.newBuilder()
        .setRequestStart(RequestStart.newBuilder().setSeq(9).setRequestId("q")).build();
    assertThat(drained(Frames.Out.of(event))).isEqualTo(event.toByteArray());
  }

  private static byte[] drained(Frames.Out out) throws Exception {
    InputStream stream = Frames.METHOD.getRequestMarshaller().stream(out);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    ((io.grpc.Drainable) stream).drainTo(sink);
    return sink.toByteArray();
  }
}
