package dev.sluice.broker.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Stream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RawBatchTest {
  private static LogLine plain(String message, String request) {
    return LogLine.newBuilder().setTimeUnixNano(1_700_000_000_000_000_123L)
        .setLevel(Level.ERROR).setStream(Stream.STDERR).setMessage(message)
        .setRequestId(request).build();
  }

  @Test
  void readsPlainLinesAsProtobufDoes() throws Exception {
    List<LogLine> lines = List.of(plain("hello", "req-1"), plain("", ""),
        plain("héllo wörld ✓ 𝄞", "req-2"), LogLine.newBuilder().setMessage("bare").build());
    LogBatch batch = LogBatch.newBuilder().setFirstSeq(41).addAllLines(lines).build();
    byte[] bytes = batch.toByteArray();

    RawBatch raw = RawBatch.parse(bytes, 0, bytes.length);

    assertThat(raw.firstSeq()).isEqualTo(41);
    assertThat(raw.count()).isEqualTo(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      LogLine line = lines.get(i);
      assertThat(raw.plain(i)).as("line %d", i).isTrue();
      assertThat(raw.time(i)).isEqualTo(line.getTimeUnixNano());
      assertThat(raw.level(i)).isEqualTo(line.getLevelValue());
      assertThat(raw.stream(i)).isEqualTo(line.getStreamValue());
      assertThat(new String(raw.bytes(), raw.messageOffset(i), raw.messageLength(i),
          StandardCharsets.UTF_8)).isEqualTo(line.getMessage());
      assertThat(raw.requestId(i)).isEqualTo(line.getRequestId());
      assertThat(raw.lineLength(i)).isEqualTo(line.getSerializedSize());
      assertThat(raw.line(i)).isEqualTo(line);
    }
  }

  @Test
  void linesWithMoreThanAMessageAreLeftToProtobuf() throws Exception {
    List<LogLine> lines = List.of(
        LogLine.newBuilder().setMessage("f").putFields("shard", "1/2").build(),
        LogLine.newBuilder().setMessage("t").setTraceId("abc").build(),
        LogLine.newBuilder().setMessage("s").setSpanId("def").build(),
        LogLine.newBuilder().setMessage("lvl").setLevelValue(42).build(),
        LogLine.newBuilder().setMessage("unknown").setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build())
            .build());
    byte[] bytes = LogBatch.newBuilder().addAllLines(lines).build().toByteArray();

    RawBatch raw = RawBatch.parse(bytes, 0, bytes.length);

    for (int i = 0; i < lines.size(); i++) {
      assertThat(raw.plain(i)).as("line %d", i).isFalse();
      assertThat(raw.line(i)).isEqualTo(lines.get(i));
    }
  }

  @Test
  void asciiIsToldApartFromAnyOtherByteAtEveryPosition() {
    byte[] text = "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII);
    for (int offset = 0; offset < 9; offset++) {
      for (int length = 0; offset + length <= text.length; length++) {
        assertThat(RawBatch.ascii(text, offset, length)).isTrue();
        for (int at = offset; at < offset + length; at++) {
          byte[] copy = text.clone();
          copy[at] = (byte) 0xC3;
          assertThat(RawBatch.ascii(copy, offset, length)).as("%d %d %d", offset, length, at)
              .isFalse();
        }
      }
    }
  }

  @Test
  void refusesWhatProtobufRefuses() throws Exception {
    // A message whose bytes are not UTF-8.
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(line);
    out.writeBytes(LogLine.MESSAGE_FIELD_NUMBER, ByteString.copyFrom(new byte[] {(byte) 0xC3}));
    out.flush();
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    CodedOutputStream batch = CodedOutputStream.newInstance(frame);
    batch.writeByteArray(LogBatch.LINES_FIELD_NUMBER, line.toByteArray());
    batch.flush();
    byte[] invalidUtf8 = frame.toByteArray();
    assertThatThrownBy(() -> LogBatch.parseFrom(invalidUtf8))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> RawBatch.parse(invalidUtf8, 0, invalidUtf8.length))
        .isInstanceOf(InvalidProtocolBufferException.class).hasMessageContaining("UTF-8");

    // A batch cut short in the middle of a line.
    byte[] whole = LogBatch.newBuilder().addLines(plain("a longer message", "r")).build()
        .toByteArray();
    assertThatThrownBy(() -> RawBatch.parse(whole, 0, whole.length - 3))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }
}
