package dev.sluice.proto.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import org.junit.jupiter.api.Test;

class VarintsTest {
  @Test
  void writesEveryLengthOfVarintAsProtobufDoes() throws Exception {
    long[] values = {0, 1, 127, 128, 16_383, 16_384, (1L << 49) - 1, 1L << 49, (1L << 56) - 1,
        1L << 56, 1_764_633_600_123_456_789L, Long.MAX_VALUE, -1, Long.MIN_VALUE};
    for (long value : values) {
      byte[] expected = new byte[CodedOutputStream.computeUInt64SizeNoTag(value)];
      CodedOutputStream coded = CodedOutputStream.newInstance(expected);
      coded.writeUInt64NoTag(value);
      coded.checkNoSpaceLeft();
      byte[] out = new byte[12];
      int end = Varints.write(value, out, 1);
      assertThat(Varints.size(value)).as("size of %d", value).isEqualTo(expected.length);
      assertThat(end - 1).as("length of %d", value).isEqualTo(expected.length);
      assertThat(java.util.Arrays.copyOfRange(out, 1, end)).as("bytes of %d", value)
          .isEqualTo(expected);
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(12).position(1);
      Varints.write(value, buffer);
      assertThat(java.util.Arrays.copyOfRange(buffer.array(), 1, buffer.position()))
          .as("bytes of %d in a buffer", value).isEqualTo(expected);
    }
  }
}
