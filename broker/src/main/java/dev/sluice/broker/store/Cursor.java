package dev.sluice.broker.store;

import dev.sluice.broker.error.SluiceException;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;

/**
 * The opaque position clients hold: today a version byte and the record's broker sequence
 * number. The version byte lets the durable store add fields without breaking old cursors.
 */
public final class Cursor {
  private static final byte VERSION = 1;
  static final int LENGTH = 1 + Long.BYTES;

  private Cursor() {}

  /** The cursor of the record with sequence {@code seq}. */
  public static ByteString of(long seq) {
    return ByteString.copyFrom(ByteBuffer.allocate(LENGTH).put(VERSION).putLong(seq).flip());
  }

  /** Writes the cursor of {@code seq} ({@link #LENGTH} bytes) without an intermediate copy. */
  static void write(long seq, com.google.protobuf.CodedOutputStream out) throws java.io.IOException {
    out.write(VERSION);
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((byte) (seq >>> shift));
    }
  }

  /** Writes the cursor of {@code seq} at {@code out[at]}; returns where it ends. */
  static int write(long seq, byte[] out, int at) {
    out[at++] = VERSION;
    for (int shift = 56; shift >= 0; shift -= 8) {
      out[at++] = (byte) (seq >>> shift);
    }
    return at;
  }

  /** The sequence number inside {@code cursor}; INVALID_ARGUMENT if it is not one of ours. */
  public static long seq(ByteString cursor) {
    if (cursor.size() != LENGTH || cursor.byteAt(0) != VERSION) {
      throw SluiceException.invalid("cursor: not a cursor this broker issued ("
          + cursor.size() + " bytes)");
    }
    long seq = cursor.substring(1).asReadOnlyByteBuffer().getLong();
    if (seq < 0) {
      throw SluiceException.invalid("cursor: sequence out of range");
    }
    return seq;
  }
}
