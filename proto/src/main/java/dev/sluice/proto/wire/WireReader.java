package dev.sluice.proto.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Walks protobuf fields in a byte array by hand, as {@code CodedInputStream} reads them, for
 * the readers that keep a message in its bytes (ingest's batches, the client's tail messages,
 * the gateway's JSON): no decoder object per message or field, and values read in place.
 * Framing is validated as protobuf validates it (truncation, malformed varints, zero tags,
 * groups, wire types), and fails the same way, with an {@link InvalidProtocolBufferException}.
 * Strings are not checked for UTF-8 here: a reader that hands text on checks it.
 *
 * <p>One reader walks one message at a time ({@link #reset}); it may be kept and reused.
 * Public because the broker, the runner SDK and the gateway read with it.
 *
 * <pre>{@code
 * WireReader in = new WireReader().reset(bytes, offset, offset + length);
 * while (!in.atEnd()) {
 *   int tag = in.readTag();
 *   if (tag == Tags.RECORD_SEQ) {
 *     seq = in.readVarint();
 *   } else {
 *     in.skipField(tag);
 *   }
 * }
 * }</pre>
 */
public final class WireReader {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int MAX_DEPTH = 100; // protobuf's default recursion limit

  private byte[] buf;
  private int pos;
  private int limit;

  /** Walks {@code bytes[from, to)}; returns this reader. */
  public WireReader reset(byte[] bytes, int from, int to) {
    Objects.checkFromToIndex(from, to, bytes.length);
    this.buf = bytes;
    this.pos = from;
    this.limit = to;
    return this;
  }

  /** True when the message (or the nested one {@link #enter}ed) has no more fields. */
  public boolean atEnd() {
    return pos >= limit;
  }

  /** Where the next read starts in the array: after {@link #readLength}, the content. */
  public int position() {
    return pos;
  }

  /** The next field's tag, as protobuf reads it (a 32-bit varint that does not say field 0). */
  public int readTag() throws InvalidProtocolBufferException {
    long read = tag(buf, pos, limit);
    pos = (int) (read >>> 32);
    return (int) read;
  }

  /** A varint value (an int64, uint64, bool or enum; cast an int32 or enum to int). */
  public long readVarint() throws InvalidProtocolBufferException {
    byte[] b = buf;
    int at = pos;
    int to = limit;
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at >= to) {
        throw truncated();
      }
      byte x = b[at++];
      value |= (long) (x & 0x7F) << shift;
      if (x >= 0) {
        pos = at;
        return value;
      }
    }
    throw malformedVarint();
  }

  /**
   * A length-delimited field's length, checked against what is left; the content starts at
   * {@link #position()}. Then {@link #skip} it, or {@link #enter} it if it is a message.
   */
  public int readLength() throws InvalidProtocolBufferException {
    long read = length(buf, pos, limit);
    pos = (int) (read >>> 32);
    return (int) read;
  }

  /** Moves past {@code length} bytes of content that {@link #readLength} announced. */
  public void skip(int length) {
    Objects.checkFromIndexSize(pos, length, limit);
    pos += length;
  }

  /** Skips the value of a field whose tag was just read, groups included. */
  public void skipField(int tag) throws InvalidProtocolBufferException {
    pos = skip(buf, tag, pos, limit, 0);
  }

  /**
   * Walks the next {@code length} bytes (as {@link #readLength} returned) as a nested message
   * until {@link #exit}; returns what to pass to it.
   */
  public int enter(int length) {
    Objects.checkFromIndexSize(pos, length, limit);
    int outer = limit;
    limit = pos + length;
    return outer;
  }

  /** Leaves the nested message (skipping what was not read of it) and goes on in the outer. */
  public void exit(int outer) {
    pos = limit;
    limit = outer;
  }

  /**
   * Where the last occurrence of a length-delimited top-level field lies in the message
   * {@code bytes[from, to)} (the value protobuf keeps): its content's offset in the high 32 bits
   * and length in the low 32 bits; -1 when the field is absent. Static, so reading one field of
   * a record allocates nothing.
   */
  public static long lastDelimited(byte[] bytes, int from, int to, int tag)
      throws InvalidProtocolBufferException {
    if ((tag & 7) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
      throw new IllegalArgumentException("tag: " + tag + " (expected: a length-delimited one)");
    }
    Objects.checkFromToIndex(from, to, bytes.length);
    long found = -1;
    int at = from;
    while (at < to) {
      long read = tag(bytes, at, to);
      at = (int) (read >>> 32);
      if ((int) read == tag) {
        long length = length(bytes, at, to);
        at = (int) (length >>> 32);
        found = (long) at << 32 | (length & 0xffffffffL);
        at += (int) length;
      } else {
        at = skip(bytes, (int) read, at, to, 0);
      }
    }
    return found;
  }

  /**
   * The bytes of a message that gRPC hands a marshaller as a stream: one copy when the stream
   * knows its length (gRPC's and the Vert.x bridge's do).
   */
  public static byte[] readAll(InputStream stream) throws IOException {
    int known = stream.available();
    byte[] bytes = new byte[known];
    int read = stream.readNBytes(bytes, 0, known);
    if (read < known) {
      return Arrays.copyOf(bytes, read);
    }
    // One byte more tells whether it knew it all: readAllBytes here would allocate (and zero)
    // a 16 KiB buffer per message just to find the end.
    int more = stream.read();
    if (more < 0) {
      return bytes;
    }
    byte[] rest = stream.readAllBytes();
    byte[] all = Arrays.copyOf(bytes, known + 1 + rest.length);
    all[known] = (byte) more;
    System.arraycopy(rest, 0, all, known + 1, rest.length);
    return all;
  }

  // ---- the walk itself: a 32-bit result and where it ends, packed in a long ----------------

  /** A varint's low 32 bits (as protobuf's readRawVarint32 keeps them) and its end. */
  private static long varint32(byte[] b, int from, int to) throws InvalidProtocolBufferException {
    int at = from;
    int value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at >= to) {
        throw truncated();
      }
      byte x = b[at++];
      if (shift < 32) {
        value |= (x & 0x7F) << shift;
      }
      if (x >= 0) {
        return (long) at << 32 | (value & 0xffffffffL);
      }
    }
    throw malformedVarint();
  }

  private static long tag(byte[] b, int at, int to) throws InvalidProtocolBufferException {
    long read = varint32(b, at, to);
    if (WireFormat.getTagFieldNumber((int) read) == 0) {
      throw new InvalidProtocolBufferException(
          "Protocol message contained an invalid tag (zero).");
    }
    return read;
  }

  private static long length(byte[] b, int at, int to) throws InvalidProtocolBufferException {
    long read = varint32(b, at, to);
    int length = (int) read;
    if (length < 0) {
      throw new InvalidProtocolBufferException("CodedInputStream encountered an embedded string "
          + "or message which claimed to have negative size.");
    }
    if (length > to - (int) (read >>> 32)) {
      throw truncated();
    }
    return read;
  }

  /** Where the value of a field tagged {@code tag} that starts at {@code at} ends. */
  private static int skip(byte[] b, int tag, int at, int to, int depth)
      throws InvalidProtocolBufferException {
    switch (tag & 7) {
      case WireFormat.WIRETYPE_VARINT -> {
        return skipVarint(b, at, to);
      }
      case WireFormat.WIRETYPE_FIXED64 -> {
        return within(at + 8, to);
      }
      case WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
        long length = length(b, at, to);
        return (int) (length >>> 32) + (int) length;
      }
      case WireFormat.WIRETYPE_START_GROUP -> {
        return skipGroup(b, tag, at, to, depth);
      }
      case WireFormat.WIRETYPE_END_GROUP -> throw endGroupMismatch(); // no group to end
      case WireFormat.WIRETYPE_FIXED32 -> {
        return within(at + 4, to);
      }
      default -> throw new InvalidProtocolBufferException(
          "Protocol message tag had invalid wire type.");
    }
  }

  /** A group (a deprecated encoding, kept by protobuf as an unknown field), nested ones too. */
  private static int skipGroup(byte[] b, int tag, int at, int to, int depth)
      throws InvalidProtocolBufferException {
    if (depth >= MAX_DEPTH) {
      throw new InvalidProtocolBufferException("Protocol message had too many levels of "
          + "nesting.");
    }
    int pos = at;
    while (true) {
      long read = tag(b, pos, to);
      pos = (int) (read >>> 32);
      int inner = (int) read;
      if ((inner & 7) == WireFormat.WIRETYPE_END_GROUP) {
        if (inner >>> 3 != tag >>> 3) {
          throw endGroupMismatch();
        }
        return pos;
      }
      pos = skip(b, inner, pos, to, depth + 1);
    }
  }

  /**
   * Where the varint at {@code from} ends. Eight bytes at once first: the first byte without
   * its high bit ends it, and a record carries nine-byte timestamps and one-byte enums.
   */
  private static int skipVarint(byte[] b, int from, int to) throws InvalidProtocolBufferException {
    int at = from;
    if (to - at >= Long.BYTES) {
      long stops = ~(long) LONGS.get(b, at) & 0x8080808080808080L;
      if (stops != 0) {
        return at + (Long.numberOfTrailingZeros(stops) >>> 3) + 1;
      }
      at += Long.BYTES;
    }
    int end = Math.min(to, from + 10);
    for (; at < end; at++) {
      if (b[at] >= 0) {
        return at + 1;
      }
    }
    throw end == from + 10 ? malformedVarint() : truncated();
  }

  private static int within(int end, int to) throws InvalidProtocolBufferException {
    if (end > to || end < 0) {
      throw truncated();
    }
    return end;
  }

  private static InvalidProtocolBufferException truncated() {
    return new InvalidProtocolBufferException("While parsing a protocol message, the input "
        + "ended unexpectedly in the middle of a field.");
  }

  private static InvalidProtocolBufferException malformedVarint() {
    return new InvalidProtocolBufferException("CodedInputStream encountered a malformed varint.");
  }

  private static InvalidProtocolBufferException endGroupMismatch() {
    return new InvalidProtocolBufferException("Protocol message end-group tag did not match "
        + "expected tag.");
  }
}
