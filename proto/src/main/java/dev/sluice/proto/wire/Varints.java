package dev.sluice.proto.wire;

import java.nio.ByteBuffer;

/**
 * Protobuf's base-128 varints written straight into an array or buffer, for the hot paths that
 * encode records and lines by hand (the broker's stored records, the runner's lines): exactly
 * the bytes {@code CodedOutputStream.writeUInt64NoTag} writes, without a stream per value.
 * Codecs reach them through {@link WireWriter}, which adds the tags.
 */
final class Varints {
  private Varints() {}

  /** Bytes of {@code value} as a varint (a negative value takes ten, as in protobuf). */
  static int size(long value) {
    return value == 0 ? 1 : (63 - Long.numberOfLeadingZeros(value)) / 7 + 1;
  }

  /** Writes {@code value} at {@code out[at]}; returns where it ends. */
  static int write(long value, byte[] out, int at) {
    if (value >>> 56 != 0 && value > 0) {
      // Nine bytes: every timestamp in nanoseconds since 1970 (after 1972). Unrolled, as a
      // record or line carries one or two, and the loop was a tenth of encoding one.
      out[at] = (byte) (value | 0x80);
      out[at + 1] = (byte) (value >>> 7 | 0x80);
      out[at + 2] = (byte) (value >>> 14 | 0x80);
      out[at + 3] = (byte) (value >>> 21 | 0x80);
      out[at + 4] = (byte) (value >>> 28 | 0x80);
      out[at + 5] = (byte) (value >>> 35 | 0x80);
      out[at + 6] = (byte) (value >>> 42 | 0x80);
      out[at + 7] = (byte) (value >>> 49 | 0x80);
      out[at + 8] = (byte) (value >>> 56);
      return at + 9;
    }
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out[at++] = (byte) v;
    return at;
  }

  /** Writes {@code value} at the buffer's position, which it advances. */
  static void write(long value, ByteBuffer out) {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out.put((byte) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.put((byte) v);
  }
}
