package dev.sluice.broker.store.segment;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes frames at the end of the segment being written; used by the log's writer thread only.
 *
 * <p>Where the file system allows it, writes bypass the page cache (direct I/O): the kernel
 * then copies nothing into cache pages it would have to find, fill and write back, which was
 * the largest single cost of a durable append here (a copy at 0.3-1.4 ns per byte, against
 * 0.1 with direct I/O, measured on this VM). Direct writes must start and end on a block
 * boundary, so each write starts with the bytes of the segment's last, partial block again
 * (kept in memory) and ends with zeros up to the next boundary; the file is cut back to its
 * last frame when the segment is left or the log closes, and recovery cuts a zero tail a crash
 * left behind. Reads go through the page cache as before. Elsewhere (tmpfs, for one) writes
 * are ordinary positional writes.
 *
 * <p>The price: rewriting the last partial block rewrites frames already acknowledged. On a
 * device that can tear or garble a 4 KiB write on power loss (no power-loss protection), such
 * a crash can damage up to a block of acknowledged frames, which recovery then reads past and
 * reports lost; page-cache writes of that block carry the same exposure at writeback.
 * Disks with power-loss protection, and cloud block devices, write a block whole.
 */
final class SegmentWriter {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentWriter.class);
  private static final int INITIAL_BUFFER = 1 << 20;
  private static final String PROBE = ".direct-io-probe";

  private final int block; // 1 when writes are buffered
  private final Faults faults;
  private final CRC32C crc = new CRC32C();
  private ByteBuffer buf;
  private Segment segment;
  private FileChannel out; // the direct channel, or the segment's own one
  private int tailLength; // bytes of the last partial block at the start of buf (direct only)
  private long durable; // the segment's size when it was last known to be on disk
  private Segment uncut; // a segment a failed write must still be cut out of

  /** Failures a test injects where real ones happen (a write that reached the file, then EIO). */
  interface Faults {
    Faults NONE = () -> { };

    void afterWrite() throws IOException;

    default void beforeForce() throws IOException {
    }
  }

  /**
   * A segment as the writer sees it: its id, its file, its channel, its logical size and its
   * layout (always {@link Frames#VERSION}'s: older segments are never written).
   */
  interface Segment {
    Frames.Layout layout();

    long id();

    Path path();

    FileChannel channel();

    long size();

    void size(long size);
  }

  private SegmentWriter(int block, Faults faults) {
    this.block = block;
    this.faults = faults;
    this.buf = allocate(INITIAL_BUFFER);
  }

  /** A writer for segments in {@code dir}, with direct I/O if a probe write there succeeds. */
  static SegmentWriter open(Path dir, Faults faults) {
    int block = probeDirect(dir);
    if (block > 1) {
      LOG.info("segment log: direct I/O in {} (block {} bytes)", dir, block);
    } else {
      LOG.info("segment log: buffered writes in {} (no direct I/O on this file system)", dir);
    }
    return new SegmentWriter(block, faults);
  }

  /** True if writes bypass the page cache. */
  boolean direct() {
    return block > 1;
  }

  private static int probeDirect(Path dir) {
    Path probe = dir.resolve(PROBE);
    try {
      int block = Math.toIntExact(Files.getFileStore(dir).getBlockSize());
      if (block < 512 || Integer.bitCount(block) != 1) {
        return 1;
      }
      try (FileChannel channel = FileChannel.open(probe, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
        ByteBuffer one = ByteBuffer.allocateDirect(2 * block).alignedSlice(block);
        one.limit(block);
        channel.write(one, 0);
      }
      return block;
    } catch (IOException | UnsupportedOperationException | ArithmeticException e) {
      return 1;
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException e) {
        LOG.debug("could not delete {}: {}", probe, e.toString());
      }
    }
  }

  /** Starts writing at the end of {@code next}, leaving the current segment first. */
  void start(Segment next) throws IOException {
    cutBack();
    if (segment != null) {
      leave();
    }
    buf.clear();
    tailLength = 0;
    if (block == 1) {
      out = next.channel();
    } else {
      // Nothing is assigned until the open and the read succeed: a failed start leaves no
      // half-started segment behind, and the next write starts again.
      FileChannel direct = FileChannel.open(next.path(), StandardOpenOption.WRITE,
          ExtendedOpenOption.DIRECT);
      int tail = (int) (next.size() % block);
      try {
        readTail(next, tail);
      } catch (IOException e) {
        direct.close();
        throw e;
      }
      out = direct;
      tailLength = tail;
    }
    buf.position(tailLength);
    durable = next.size();
    segment = next;
  }

  private void readTail(Segment next, int length) throws IOException {
    ByteBuffer tail = buf.duplicate().limit(length);
    long at = next.size() - length;
    while (tail.hasRemaining()) {
      if (next.channel().read(tail, at + tail.position()) < 0) {
        throw new IOException("segment " + next.path().getFileName() + " is shorter than "
            + next.size() + " bytes");
      }
    }
  }

  /** The segment being written; null before the first {@link #start}. */
  Segment segment() {
    return segment;
  }

  /** Where the next frame will be: the segment's size plus what is buffered. */
  long nextOffset() {
    return segment.size() + buf.position() - tailLength;
  }

  /** Buffers one frame whose body is {@code head} then {@code body}; returns its offset. */
  long add(byte[] head, byte[] body) {
    long offset = nextOffset();
    int length = head.length + body.length;
    Frames.Layout layout = segment.layout();
    ensure(layout.header() + length);
    crc.reset();
    crc.update(head, 0, head.length);
    crc.update(body, 0, body.length);
    Frames.putHeader(buf, layout.key(), offset, length, (int) crc.getValue());
    buf.put(head).put(body);
    return offset;
  }

  /** Writes what is buffered to the segment (not forced). */
  void flush() throws IOException {
    int end = buf.position();
    int data = end - tailLength;
    if (data == 0) {
      return;
    }
    long from = segment.size() - tailLength;
    int limit = end;
    if (block > 1) {
      limit = (end + block - 1) & -block;
      ensure(limit - end);
      for (int i = end; i < limit; i++) {
        buf.put(i, (byte) 0); // the block's rest: zeros, so recovery knows it for padding
      }
    }
    ByteBuffer write = buf.duplicate().position(0).limit(limit);
    while (write.hasRemaining()) {
      out.write(write, from + write.position());
    }
    faults.afterWrite();
    segment.size(segment.size() + data);
    // Keep the new last partial block at the start of the buffer for the next write.
    int keep = block > 1 ? (int) (segment.size() % block) : 0;
    if (keep > 0) {
      ByteBuffer tail = buf.duplicate().position(end - keep).limit(end);
      buf.clear();
      buf.put(tail);
    } else {
      buf.clear();
    }
    tailLength = keep;
  }

  /** Forces what was written to disk. */
  void force() throws IOException {
    faults.beforeForce();
    segment.channel().force(false);
    durable = segment.size();
  }

  /**
   * After a failed write or force: forgets what is buffered and cuts the segment back to what
   * was on disk before, so that appends reported failed (and sent again by their runners)
   * cannot turn up after a restart as well. The next write starts the segment again.
   */
  void reset() throws IOException {
    Segment failed = segment;
    buf.clear();
    tailLength = 0;
    if (buf.capacity() > 4 * INITIAL_BUFFER) {
      buf = allocate(INITIAL_BUFFER); // a disk that stays full must not grow the buffer
    }
    segment = null;
    if (failed == null) {
      return;
    }
    failed.size(durable);
    uncut = failed;
    try {
      cutBack();
    } finally {
      if (block > 1 && out != null) {
        out.close();
      }
      out = null;
    }
  }

  /**
   * Cuts the failed segment back to its durable size, durably, before anything is written
   * again: until that succeeds every write fails, so no append can be acknowledged with the
   * failed frames still behind it.
   */
  private void cutBack() throws IOException {
    if (uncut != null) {
      uncut.channel().truncate(uncut.size());
      uncut.channel().force(true);
      uncut = null;
    }
  }

  /** Stops writing the current segment: cuts its block padding and closes the direct channel. */
  void leave() throws IOException {
    if (segment == null) {
      return;
    }
    if (block > 1) {
      try {
        segment.channel().truncate(segment.size());
      } finally {
        out.close();
      }
    }
    segment = null;
    out = null;
  }

  private void ensure(int more) {
    if (buf.remaining() >= more) {
      return;
    }
    int needed = buf.position() + more;
    ByteBuffer bigger = allocate(Math.max(needed, buf.capacity() * 2));
    bigger.put(buf.flip());
    buf = bigger;
  }

  private ByteBuffer allocate(int capacity) {
    // An aligned direct buffer: direct I/O needs the alignment, and a heap buffer would be
    // copied into a temporary direct one by every channel write anyway.
    int align = Math.max(block, 8);
    int size = (capacity + align - 1) / align * align;
    return ByteBuffer.allocateDirect(size + align).alignedSlice(align).limit(size);
  }
}
