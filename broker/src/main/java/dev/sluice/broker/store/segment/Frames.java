package dev.sluice.broker.store.segment;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The on-disk frame: a 4-byte body length, a 4-byte CRC32C of the body, then the body. A frame
 * whose length runs past the end of the file, or whose CRC does not match, is damaged.
 */
final class Frames {
  static final int HEADER = 8;
  /** Largest body accepted when reading; anything larger is damage, not data. */
  static final int MAX_BODY = 64 * 1024 * 1024;

  private Frames() {}

  static int crc(ByteBuffer body) {
    CRC32C crc = new CRC32C();
    crc.update(body.duplicate());
    return (int) crc.getValue();
  }

  /** Writes one frame for {@code body} into {@code out}. */
  static void write(ByteBuffer out, byte[] body) {
    out.putInt(body.length);
    out.putInt(crc(ByteBuffer.wrap(body)));
    out.put(body);
  }

  static int size(byte[] body) {
    return HEADER + body.length;
  }
}
