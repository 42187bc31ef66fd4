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

  /** Bytes written field by field, for inputs protobuf's builders would never produce. */
  private static byte[] wire(WireWriter writer) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    writer.write(out);
    out.flush();
    return bytes.toByteArray();
  }

  private interface WireWriter {
    void write(CodedOutputStream out) throws Exception;
  }

  @Test
  void agreesWithProtobufOnUnusualButValidAndOnInvalidEncodings() throws Exception {
    byte[] line = plain("m", "r").toByteArray();
    List<byte[]> inputs = List.of(
        // A zero tag.
        wire(out -> out.writeRawVarint32(0)),
        // An unknown group, with a nested group, at batch and at line level.
        wire(out -> {
          out.writeTag(9, 3);
          out.writeTag(10, 3);
          out.writeUInt64(1, 5);
          out.writeTag(10, 4);
          out.writeTag(9, 4);
          out.writeByteArray(LogBatch.LINES_FIELD_NUMBER, line);
        }),
        wire(out -> out.writeByteArray(LogBatch.LINES_FIELD_NUMBER, wire(l -> {
          l.writeTag(20, 3);
          l.writeTag(20, 4);
          l.writeString(LogLine.MESSAGE_FIELD_NUMBER, "grouped");
        }))),
        // An end-group tag that does not match its start.
        wire(out -> {
          out.writeTag(9, 3);
          out.writeTag(8, 4);
        }),
        // A stray end-group tag.
        wire(out -> out.writeTag(9, 4)),
        // Known fields with other wire types, and repeated scalar fields (the last one wins).
        wire(out -> out.writeByteArray(LogBatch.LINES_FIELD_NUMBER, wire(l -> {
          l.writeFixed32(LogLine.LEVEL_FIELD_NUMBER, 3);
          l.writeString(LogLine.MESSAGE_FIELD_NUMBER, "first");
          l.writeString(LogLine.MESSAGE_FIELD_NUMBER, "second");
          l.writeUInt64(LogLine.MESSAGE_FIELD_NUMBER, 1);
        }))),
        wire(out -> {
          out.writeUInt64(LogBatch.FIRST_SEQ_FIELD_NUMBER, 5);
          out.writeUInt64(LogBatch.FIRST_SEQ_FIELD_NUMBER, 7);
          out.writeByteArray(LogBatch.LINES_FIELD_NUMBER, line);
        }),
        // A tag in a ten-byte varint: protobuf keeps its low 32 bits.
        wire(out -> {
          out.writeRawVarint64((1L << 40) | (LogBatch.FIRST_SEQ_FIELD_NUMBER << 3));
          out.writeUInt64NoTag(9);
        }),
        // An invalid wire type.
        wire(out -> out.writeRawVarint32((LogBatch.LINES_FIELD_NUMBER << 3) | 7)));
    for (int n = 0; n < inputs.size(); n++) {
      byte[] bytes = inputs.get(n);
      LogBatch expected;
      try {
        expected = LogBatch.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        assertThatThrownBy(() -> RawBatch.parse(bytes, 0, bytes.length)).as("input %d", n)
            .isInstanceOf(InvalidProtocolBufferException.class);
        continue;
      }
      RawBatch raw = RawBatch.parse(bytes, 0, bytes.length);
      assertThat(raw.firstSeq()).as("input %d", n).isEqualTo(expected.getFirstSeq());
      assertThat(raw.count()).as("input %d", n).isEqualTo(expected.getLinesCount());
      for (int i = 0; i < raw.count(); i++) {
        assertThat(raw.line(i)).as("input %d line %d", n, i).isEqualTo(expected.getLines(i));
      }
    }
  }

  @Test
  void linesBeyondTheBoundAreCountedNotKept() throws Exception {
    LogBatch.Builder batch = LogBatch.newBuilder();
    for (int i = 0; i < 1_000; i++) {
      batch.addLines(LogLine.getDefaultInstance());
    }
    byte[] bytes = batch.build().toByteArray();

    RawBatch raw = RawBatch.parse(bytes, 0, bytes.length, 10);

    assertThat(raw.count()).isEqualTo(1_000);
    assertThat(raw.line(9)).isEqualTo(LogLine.getDefaultInstance());
  }
}
