package dev.sluice.broker.store.segment;

import dev.sluice.broker.store.segment.Frames.Layout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A segment as recovery reads it: through a buffer of a megabyte or so, refilled where it is
 * needed, and what its bytes are: an intact frame, where the next intact frame after damage
 * starts, whether damage is a write a crash tore, where a run of zeros starts. What to do with
 * the answers (keep, cut, list as damage) is {@link SegmentRecovery}'s.
 */
final class ScanWindow {
  static final int CHUNK = 1 << 20;
  /** The unit a disk writes whole: a torn write leaves whole sectors unwritten (zeros). */
  private static final int SECTOR = 512;
  /**
   * Fewest zero bytes at a frame's end that count as never written: a record or a batch end
   * can end in a few zero bytes of its own (a sequence number that is a multiple of 256).
   */
  private static final int MIN_UNWRITTEN = 16;
  /**
   * The most block padding a direct write leaves: up to its block boundary (the file system's
   * block, 4 KiB on most; 64 KiB allows for larger ones). More zeros are no padding.
   */
  private static final int MAX_PADDING = 64 * 1024;
  /**
   * Largest body a search without check words tries (earlier layouts): every candidate costs
   * a CRC over its length, and no entry the broker writes comes near this.
   */
  private static final int MAX_UNCHECKED_BODY = 1 << 20;

  final FileChannel channel;
  final long size;
  ByteBuffer buf = ByteBuffer.allocate(CHUNK);
  private long start = -1;

  ScanWindow(FileChannel channel, long size) {
    this.channel = channel;
    this.size = size;
  }

  /** Makes [offset, offset + n) readable in {@link #buf}; returns the index of offset. */
  int load(long offset, int n) throws IOException {
    if (start < 0 || offset < start || offset + n > start + buf.limit()) {
      int want = (int) Math.min(Math.max(n, CHUNK), size - offset);
      if (buf.capacity() < want) {
        buf = ByteBuffer.allocate(want);
      }
      buf.clear().limit(want);
      SegmentFile.readFully(channel, buf, offset);
      buf.clear().limit(want);
      start = offset;
    }
    return (int) (offset - start);
  }

  /** The body length of an intact frame at {@code offset}, or -1. */
  int frame(Layout layout, long offset) throws IOException {
    if (offset + layout.header() > size) {
      return -1;
    }
    int at = load(offset, layout.header());
    int length = buf.getInt(at);
    int crc = buf.getInt(at + 4);
    if (!layout.plausible(buf, at, offset)
        || offset + layout.header() + length > size) {
      return -1;
    }
    int body = load(offset + layout.header(), length);
    return Frames.crc(buf.duplicate().limit(body + length).position(body)) == crc
        ? length : -1;
  }

  /**
   * Where the first intact frame after the damage at {@code offset} starts, or -1 if none.
   * A header whose check word holds has its length intact: the next frame is right after it.
   * Otherwise every later offset is tried.
   */
  long next(Layout layout, long offset) throws IOException {
    return next(layout, offset, Long.MAX_VALUE);
  }

  /** {@link #next(Layout, long)} trying offsets before {@code limit} only. */
  long next(Layout layout, long offset, long limit) throws IOException {
    if (layout.checked() && offset + layout.header() <= size
        && layout.plausible(buf, load(offset, layout.header()), offset)) {
      long after = offset + layout.header() + buf.getInt(load(offset, 4));
      if (after < size && frame(layout, after) > 0) {
        return after;
      }
    }
    for (long at = offset + 1; at + layout.header() <= size && at < limit; at++) {
      int i = load(at, layout.header());
      int length = buf.getInt(i);
      if (layout.plausible(buf, i, at) && at + layout.header() + length <= size
          && (layout.checked() || length <= MAX_UNCHECKED_BODY)
          && frame(layout, at) > 0
          && (layout.checked() || followed(layout, at + layout.header() + length))) {
        return at;
      }
    }
    return -1;
  }

  /**
   * Without check words a CRC alone says a frame is real (1 in 2^32 by chance): what follows
   * it must be real too, another intact frame or the end.
   */
  private boolean followed(Layout layout, long at) throws IOException {
    return at == size || frame(layout, at) > 0 || trailingZeros(at, size) == at;
  }

  /** Where the frame at {@code offset} ends if its header holds and it fits, else the end. */
  long frameEnd(Layout layout, long offset) throws IOException {
    if (!layout.checked() || offset + layout.header() > size) {
      return size;
    }
    int at = load(offset, layout.header());
    long end = offset + layout.header() + buf.getInt(at);
    return layout.plausible(buf, at, offset) && end <= size ? end : size;
  }

  /** True if [from, to) is exactly one frame whose header is intact (only its body is not). */
  boolean oneFrame(Layout layout, long from, long to) throws IOException {
    if (!layout.checked() || from + layout.header() > to) {
      return false;
    }
    int at = load(from, layout.header());
    return layout.plausible(buf, at, from) && from + layout.header() + buf.getInt(at) == to;
  }

  /**
   * True if the damage at {@code offset}, with no intact frame after it, is a write a crash
   * tore rather than bytes that changed: its frame (whose header checks) is cut short by the
   * end of the file, or ends in sectors that were never written (at least
   * {@value #MIN_UNWRITTEN} zeros from a sector boundary on). A frame that is whole and was
   * written whole, but fails its CRC, was acknowledged: it is damage. Without check words a
   * header's length is not to be trusted, so a frame "cut short" there is damage too.
   */
  boolean torn(Layout layout, long offset) throws IOException {
    if (size - offset < layout.header()) {
      return true;
    }
    long zeros = trailingZeros(offset, size);
    long unwritten = (zeros + SECTOR - 1) / SECTOR * SECTOR; // the first whole zero sector
    int at = load(offset, layout.header());
    if (layout.plausible(buf, at, offset)) {
      long end = offset + layout.header() + buf.getInt(at);
      if (end > size) {
        return layout.checked();
      }
      return end > zeros && end - unwritten >= MIN_UNWRITTEN;
    }
    return size - unwritten >= MIN_UNWRITTEN;
  }

  /** Where the run of zeros that ends the range [from, to) starts ({@code to} if none). */
  long trailingZeros(long from, long to) throws IOException {
    long at = to;
    while (at > from) {
      int n = (int) Math.min(CHUNK, at - from);
      int i = load(at - n, n);
      for (int k = n - 1; k >= 0; k--) {
        if (buf.get(i + k) != 0) {
          return at - n + k + 1;
        }
      }
      at -= n;
    }
    return from;
  }

  /** True if zeros from {@code offset} to the end can be a direct write's block padding. */
  boolean padding(long offset) {
    return size - offset < MAX_PADDING && size % SECTOR == 0;
  }
}
