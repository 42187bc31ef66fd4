package dev.sluice.proto.wire;

import java.nio.ByteBuffer;

/**
 * Writes protobuf fields by hand, into an array (or a buffer) sized beforehand with the
 * matching {@code *Size} method: the same bytes protobuf's generated code writes for the same
 * fields, without a {@code CodedOutputStream} per line or record. Tags come from {@link Tags};
 * as they are constants, the JIT folds their size and their one-byte case.
 *
 * <p>Public because the broker (stored records, tail messages) and the runner SDK (lines and
 * batch frames) encode with it.
 *
 * <pre>{@code
 * byte[] out = new byte[WireWriter.varintFieldSize(Tags.RECORD_SEQ, seq)
 *     + WireWriter.stringFieldSize(Tags.RECORD_MESSAGE, text.length)];
 * int at = WireWriter.varintField(Tags.RECORD_SEQ, seq, out, 0);
 * at = WireWriter.stringField(Tags.RECORD_MESSAGE, text, 0, text.length, out, at);
 * }</pre>
 */
public final class WireWriter {
  private WireWriter() {}

  /**
   * Bytes of a varint field (an integer, a bool, an enum): tag and value, or none when the
   * value is 0, which proto3 leaves out. An int32 or enum below 0 takes ten bytes, as in
   * protobuf: pass it as an int, which widens with its sign (a uint32 as
   * {@code Integer.toUnsignedLong}).
   */
  public static int varintFieldSize(int tag, long value) {
    return value == 0 ? 0 : tagSize(tag) + Varints.size(value);
  }

  /** Writes a varint field at {@code out[at]} (nothing when 0); returns where it ends. */
  public static int varintField(int tag, long value, byte[] out, int at) {
    if (value == 0) {
      return at;
    }
    return Varints.write(value, out, tag(tag, out, at));
  }

  /**
   * Bytes of a length-delimited field (a string, bytes, a message, a map or repeated entry)
   * with {@code length} bytes of content, written even when empty: a message that is set, an
   * entry of a repeated field. (An empty proto3 string is left out: {@link #stringFieldSize}.)
   */
  public static int delimitedSize(int tag, int length) {
    return tagSize(tag) + Varints.size(length) + length;
  }

  /**
   * Writes the tag and length of a length-delimited field at {@code out[at]}; returns where
   * its {@code length} bytes of content go.
   */
  public static int delimitedHead(int tag, int length, byte[] out, int at) {
    return Varints.write(length, out, tag(tag, out, at));
  }

  /** The same into {@code out} at its position, which it advances. */
  public static void delimitedHead(int tag, int length, ByteBuffer out) {
    if ((tag & ~0x7F) == 0) {
      out.put((byte) tag);
    } else {
      Varints.write(tag, out);
    }
    Varints.write(length, out);
  }

  /** Writes a length-delimited field whose content is {@code value[offset, offset + length)}. */
  static int delimited(int tag, byte[] value, int offset, int length, byte[] out, int at) {
    int start = delimitedHead(tag, length, out, at);
    System.arraycopy(value, offset, out, start, length);
    return start + length;
  }

  /** Bytes of a string or bytes field of {@code length} bytes; none when empty (proto3). */
  public static int stringFieldSize(int tag, int length) {
    return length == 0 ? 0 : delimitedSize(tag, length);
  }

  /** Writes a string or bytes field (nothing when empty); returns where it ends. */
  public static int stringField(int tag, byte[] value, int offset, int length, byte[] out,
      int at) {
    return length == 0 ? at : delimited(tag, value, offset, length, out, at);
  }

  /**
   * A message field on its own (tag, length, the message's {@code encoded} bytes), written
   * even when empty, as a set message or a repeated entry is: for bytes spliced into many
   * messages (a request's labels into each of its records, a line into its batch).
   */
  public static byte[] messageField(int tag, byte[] encoded) {
    byte[] out = new byte[delimitedSize(tag, encoded.length)];
    delimited(tag, encoded, 0, encoded.length, out, 0);
    return out;
  }

  /** A string field on its own, from its UTF-8; no bytes when empty, as proto3 leaves it out. */
  public static byte[] stringField(int tag, byte[] utf8) {
    return utf8.length == 0 ? utf8 : messageField(tag, utf8);
  }

  private static int tagSize(int tag) {
    return (tag & ~0x7F) == 0 ? 1 : Varints.size(tag);
  }

  private static int tag(int tag, byte[] out, int at) {
    if ((tag & ~0x7F) == 0) {
      out[at] = (byte) tag;
      return at + 1;
    }
    return Varints.write(tag, out, at);
  }
}
