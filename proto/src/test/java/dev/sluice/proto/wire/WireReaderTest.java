package dev.sluice.proto.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** WireReader's own helpers; its walk is held to protobuf by {@link WireDifferentialTest}. */
class WireReaderTest {
  @Test
  void findsTheLastOccurrenceOfAFieldAsProtobufKeepsIt() throws Exception {
    byte[] twice = ByteString.copyFromUtf8("\u0000").concat(
        dev.sluice.proto.v1.Record.newBuilder().setMessage("first").setSeq(3).build()
            .toByteString())
        .concat(dev.sluice.proto.v1.Record.newBuilder().setMessage("second").build()
            .toByteString()).toByteArray();

    long found = WireReader.lastDelimited(twice, 1, twice.length, Tags.RECORD_MESSAGE);

    assertThat(new String(twice, (int) (found >>> 32), (int) found, StandardCharsets.UTF_8))
        .isEqualTo("second");
    assertThat(WireReader.lastDelimited(twice, 1, twice.length, Tags.RECORD_CURSOR))
        .isEqualTo(-1);
  }

  @Test
  void readsAStreamWholeWhetherItKnowsItsLengthOrNot() throws Exception {
    byte[] bytes = new byte[40_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }
    assertThat(WireReader.readAll(new java.io.ByteArrayInputStream(bytes))).isEqualTo(bytes);
    java.io.InputStream vague = new java.io.FilterInputStream(
        new java.io.ByteArrayInputStream(bytes)) {
      @Override
      public int available() {
        return 100; // knows less than it holds
      }
    };
    assertThat(WireReader.readAll(vague)).isEqualTo(bytes);
    assertThat(WireReader.readAll(new java.io.ByteArrayInputStream(new byte[0]))).isEmpty();
  }

  @Test
  void failsWhereProtobufFailsAndSkipsWhatItSkips() throws Exception {
    byte[][] inputs = {
        {}, // empty
        {0}, // a zero tag
        {7 << 3 | 6}, {7 << 3 | 7}, // wire types that do not exist
        {7 << 3 | 4}, // an end-group tag outside a group
        {7 << 3 | 3, 8 << 3 | 4}, // an end-group tag of another field
        {7 << 3 | 3, 8 << 3 | 3, 8 << 3 | 4, 7 << 3 | 4}, // nested groups
        {7 << 3 | 3}, // a group that never ends
        {7 << 3, (byte) 0x80}, // a varint cut short
        {7 << 3, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1}, // ten bytes, the most there is
        {7 << 3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1}, // eleven
        {7 << 3 | 1, 1, 2, 3, 4, 5, 6, 7}, // a fixed64 cut short
        {7 << 3 | 5, 1, 2, 3, 4}, // a whole fixed32
        {7 << 3 | 2, 3, 'a'}, // a length past the end
        {7 << 3 | 2, -1, -1, -1, -1, 15}, // a negative length
        {7 << 3 | 2, -128, -128, -128, -128, -128, -128, -128, -128, 0}, // long, yet 0
        {-8, -1, -1, -1, -1, -1, -1, -1, -1, 1, 0}, // a ten-byte tag: its low 32 bits count
    };
    for (byte[] input : inputs) {
      String what = java.util.Arrays.toString(input);
      boolean protobufReads;
      try {
        com.google.protobuf.Empty.parseFrom(input); // every field unknown: skipped and kept
        protobufReads = true;
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        protobufReads = false;
      }
      WireReader in = new WireReader().reset(input, 0, input.length);
      boolean handReads;
      try {
        while (!in.atEnd()) {
          in.skipField(in.readTag());
        }
        handReads = true;
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        handReads = false;
      }
      assertThat(handReads).as(what).isEqualTo(protobufReads);
    }
  }
}
