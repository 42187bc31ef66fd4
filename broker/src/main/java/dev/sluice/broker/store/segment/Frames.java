package dev.sluice.broker.store.segment;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of a segment.
 *
 * <p>A segment starts with a file header, twice (a flipped byte in one copy leaves the other):
 * the magic {@code SLUICESG}, the format version, the log's salt and a CRC32C of the three.
 * Then frames: the body's length, a CRC32C of the body, a check word, the body. The check word
 * mixes the length and CRC with the salt, the segment's id and the frame's offset, so recovery
 * can tell a real frame header from bytes that look like one: after damage it searches byte by
 * byte for the next header whose check word holds and then whose body CRC holds (a false
 * match is 1 in 2^64). The salt is random and never leaves the broker, so a runner cannot
 * forge a frame inside a line it logs, and the offset makes a frame copied elsewhere invalid.
 *
 * <p>Segments written before this layout (version 1) have no file header and 8-byte frame
 * headers without a check word; they are still read, and never written.
 */
final class Frames {
  /** Largest body accepted when reading; anything larger is damage, not data. */
  static final int MAX_BODY = 64 * 1024 * 1024;
  static final int VERSION = 2;
  private static final byte[] MAGIC = "SLUICESG".getBytes(StandardCharsets.US_ASCII);
  /** One copy of the file header: magic, version, salt, CRC32C of those. */
  static final int HEADER_COPY = MAGIC.length + 4 + 8 + 4;
  /** Where the first frame of a segment of this version starts. */
  static final int FILE_HEADER = 2 * HEADER_COPY;

  private Frames() {}

  /** How one segment's frames are laid out and checked. */
  record Layout(int version, int header, long firstFrame, boolean checked, long key) {
    /** A segment written before file headers: 8-byte frame headers, no check word. */
    static final Layout V1 = new Layout(1, 8, 0, false, 0);

    /** A segment of this version whose frames are checked with the log's salt. */
    static Layout v2(long salt, long segment) {
      return new Layout(VERSION, 12, FILE_HEADER, true, segmentKey(salt, segment));
    }

    /**
     * A segment of this version whose file header is damaged in both copies while no other
     * segment names the salt: its frames are found by length and body CRC alone.
     */
    static Layout v2Unchecked() {
      return new Layout(VERSION, 12, FILE_HEADER, false, 0);
    }

    /** True if a frame header with these fields at {@code offset} can be a real one. */
    boolean plausible(long offset, int length, int crc, int check) {
      if (length <= 0 || length > MAX_BODY) {
        return false; // no body is empty: a zero length is a direct write's block padding
      }
      return !checked || check == Frames.check(key, offset, length, crc);
    }

    /** Reads the header at {@code at} of {@code buf}: true if it can be a real one. */
    boolean plausible(ByteBuffer buf, int at, long offset) {
      return plausible(offset, buf.getInt(at), buf.getInt(at + 4),
          header > 8 ? buf.getInt(at + 8) : 0);
    }
  }

  static int crc(ByteBuffer body) {
    CRC32C crc = new CRC32C();
    crc.update(body.duplicate());
    return (int) crc.getValue();
  }

  /** The key a segment's check words are made with. */
  static long segmentKey(long salt, long segment) {
    return mix(salt ^ mix(segment + 0x9E3779B97F4A7C15L));
  }

  /** The check word of a frame at {@code offset} with this length and body CRC. */
  static int check(long key, long offset, int length, int crc) {
    long h = mix(key ^ offset);
    h = mix(h ^ ((long) length << 32 | (crc & 0xffffffffL)));
    return (int) (h ^ (h >>> 32));
  }

  /** MurmurHash3's 64-bit finalizer: every input bit moves every output bit. */
  private static long mix(long x) {
    x ^= x >>> 33;
    x *= 0xff51afd7ed558ccdL;
    x ^= x >>> 33;
    x *= 0xc4ceb9fe1a85ec53L;
    x ^= x >>> 33;
    return x;
  }

  /** Writes the frame header of a body of {@code length} bytes at {@code offset}. */
  static void putHeader(ByteBuffer out, long key, long offset, int length, int crc) {
    out.putInt(length).putInt(crc).putInt(check(key, offset, length, crc));
  }

  /** The file header of a segment of this version: two copies of magic, version, salt, CRC. */
  static ByteBuffer fileHeader(long salt) {
    ByteBuffer out = ByteBuffer.allocate(FILE_HEADER);
    for (int copy = 0; copy < 2; copy++) {
      int start = out.position();
      out.put(MAGIC).putInt(VERSION).putLong(salt);
      out.putInt(crc(out.duplicate().position(start).limit(out.position()).slice()));
    }
    return out.flip();
  }

  /** The salt one intact copy of the file header names, or null if both are damaged. */
  static Long salt(ByteBuffer header) {
    for (int copy = 0; copy < 2; copy++) {
      int at = copy * HEADER_COPY;
      if (header.limit() < at + HEADER_COPY) {
        break;
      }
      ByteBuffer fields = header.duplicate().position(at).limit(at + HEADER_COPY - 4).slice();
      if (magicAt(header, at) && header.getInt(at + MAGIC.length) == VERSION
          && crc(fields) == header.getInt(at + HEADER_COPY - 4)) {
        return header.getLong(at + MAGIC.length + 4);
      }
    }
    return null;
  }

  /** True if either copy of the file header still starts with the magic. */
  static boolean hasMagic(ByteBuffer header) {
    return magicAt(header, 0) || magicAt(header, HEADER_COPY);
  }

  /** True if the bytes are a prefix of a file header, or zeros: a crash while creating it. */
  static boolean unfinishedHeader(ByteBuffer bytes) {
    boolean zeros = true;
    for (int i = 0; i < bytes.limit(); i++) {
      zeros &= bytes.get(i) == 0;
    }
    int n = Math.min(bytes.limit(), MAGIC.length);
    return zeros || Arrays.equals(MAGIC, 0, n, toArray(bytes, n), 0, n);
  }

  private static boolean magicAt(ByteBuffer header, int at) {
    if (header.limit() < at + MAGIC.length) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (header.get(at + i) != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] toArray(ByteBuffer bytes, int n) {
    byte[] out = new byte[n];
    bytes.duplicate().position(0).get(out);
    return out;
  }
}
