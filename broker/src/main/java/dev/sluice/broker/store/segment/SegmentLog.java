package dev.sluice.broker.store.segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import dev.sluice.broker.store.segment.Frames.Layout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of CRC32C-framed entries in segment files, with group commit: one writer
 * thread (never an event loop) writes every waiting append with one write per segment and
 * acknowledges them only after the {@link FsyncPolicy}'s force has put them on disk.
 *
 * <p>{@link #open} recovers ({@link SegmentRecovery}): a write a crash tore at the end of the
 * last segment is cut; damage anywhere else costs only the frames it hits: recovery reads past
 * it, keeps every intact entry before and after, leaves the damaged bytes in place and tells
 * its listener where they are. Reads are positional and blocking: call them off the event
 * loop.
 */
public final class SegmentLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentLog.class);
  static final String SUFFIX = ".seg";
  private static final int SCAN_CHUNK = 256 * 1024;
  private static final byte[] NO_HEAD = new byte[0];

  private final Path dir;
  private final long segmentBytes;
  private final FsyncPolicy fsync;
  private final List<Segment> segments = new ArrayList<>(); // guarded by this
  private final Recovery recovery;
  private final long salt;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final SegmentWriter appender; // the writer thread's
  private volatile boolean closed;
  private volatile Segment active; // written by the writer thread, read by delete()
  private volatile boolean restartWriter;
  private volatile boolean written; // set once the writer wrote anything: no more tail cuts

  /** Where an entry is: its segment's id and the frame's offset in it. */
  public record Position(long segment, long offset) {}

  /** An entry found by recovery. */
  public record Entry(Position position, byte[] body) {}

  /**
   * What recovery found and how long it took.
   *
   * @param truncatedBytes bytes cut from a write a crash tore at the end of the log
   * @param damage damaged byte ranges read past (left in place), in log order
   * @param entries intact entries read
   * @param bytes bytes of all segments
   * @param nanos time the scan took
   */
  public record Recovery(long truncatedBytes, List<Damage> damage, long entries, long bytes,
      long nanos) {
    /** Entries read per second. */
    public long entriesPerSecond() {
      return nanos <= 0 ? entries : (long) (entries * 1e9 / nanos);
    }
  }

  /**
   * Bytes recovery could not read as frames, read past and left where they are.
   *
   * @param segment the segment's id
   * @param file the segment's file name
   * @param from first damaged byte
   * @param to where the next intact frame (or the file's end) starts
   * @param frames how many frames the range held: 1 when only a frame's body is damaged (its
   *     header still checks), -1 when the header was damaged too and the count is unknown
   * @param known an earlier recovery found and listed it already
   * @param lastSegment it lies in the last segment, the one being written: it may be a write a
   *     crash tore out of order (a later block written, an earlier one not) rather than changed
   *     bytes, so what follows it may not have been acknowledged
   */
  public record Damage(long segment, String file, long from, long to, int frames,
      boolean known, boolean lastSegment) {
    public long bytes() {
      return to - from;
    }

    @Override
    public String toString() {
      return "segment " + file + ": " + bytes() + " damaged bytes at offsets [" + from + ", "
          + to + ") (" + (frames == 1 ? "one frame" : "an unknown number of frames") + ")";
    }
  }

  /** Hears what recovery finds, in log order. */
  @FunctionalInterface
  public interface RecoveryListener {
    /** An intact entry. */
    void entry(Entry entry);

    /** Damaged bytes between the entries before and after this call. */
    default void damage(Damage damage) {
    }
  }

  /** A segment file as retention sees it. */
  public record SegmentInfo(long id, long bytes, long lastModifiedMillis, boolean active) {}

  /** Receives entries of a {@link #scan}; returns false to stop. The body is only valid
   * during the call. */
  @FunctionalInterface
  public interface Visitor {
    boolean visit(Position position, ByteBuffer body);
  }

  static final class Segment implements SegmentWriter.Segment {
    final long id;
    Path path;
    final FileChannel channel;
    volatile long size; // grown by the writer, read by scans
    final Layout layout;

    Segment(long id, Path path, FileChannel channel, long size, Layout layout) {
      this.id = id;
      this.path = path;
      this.channel = channel;
      this.size = size;
      this.layout = layout;
    }

    @Override
    public Layout layout() {
      return layout;
    }

    @Override
    public long id() {
      return id;
    }

    @Override
    public Path path() {
      return path;
    }

    @Override
    public FileChannel channel() {
      return channel;
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public void size(long size) {
      this.size = size;
    }
  }

  /** An append waiting to be written, then to be forced; it carries its positions between. */
  private static final class Pending {
    final List<byte[]> heads; // null: entries are their bodies alone
    final List<byte[]> bodies;
    final Durable then;
    final CompletableFuture<List<Position>> done = new CompletableFuture<>();
    List<Position> positions;
    private boolean settled; // the writer thread's: each append completes exactly once

    Pending(List<byte[]> heads, List<byte[]> bodies, Durable then) {
      this.heads = heads;
      this.bodies = bodies;
      this.then = then;
    }

    byte[] head(int i) {
      return heads == null ? NO_HEAD : heads.get(i);
    }

    void succeed() {
      if (settled) {
        return;
      }
      settled = true;
      runThen(positions, null);
      done.complete(positions);
    }

    void fail(Throwable failure) {
      if (settled) {
        return;
      }
      settled = true;
      runThen(null, failure);
      done.completeExceptionally(failure);
    }

    private void runThen(List<Position> at, Throwable failure) {
      if (then == null) {
        return;
      }
      try {
        then.done(at, failure);
      } catch (RuntimeException e) {
        LOG.error("segment log: a completion callback failed", e);
      }
    }
  }

  private SegmentLog(Path dir, long segmentBytes, FsyncPolicy fsync, RecoveryListener listener,
      SegmentWriter.Faults faults) throws IOException {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.fsync = fsync;
    Files.createDirectories(dir);
    SegmentRecovery.Outcome outcome = SegmentRecovery.recover(dir, segments, listener);
    this.recovery = outcome.recovery();
    this.salt = outcome.salt();
    Segment tail = segments.isEmpty() ? null : segments.get(segments.size() - 1);
    // Segments of an earlier layout, or whose file header is lost, are read and never written
    // again: new entries go to a new segment.
    this.active = tail == null || tail.layout.version() != Frames.VERSION
        || !tail.layout.checked() ? newSegment(tail == null ? 1 : tail.id + 1) : tail;
    this.appender = SegmentWriter.open(dir, faults);
    this.writer = new Thread(this::writeLoop, "sluice-segment-writer");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /**
   * Opens (and recovers) the log in {@code dir}, telling {@code listener} of every intact entry
   * and every damaged range, in log order, so the caller rebuilds its indexes without the log
   * holding them all in memory.
   */
  public static SegmentLog open(Path dir, long segmentBytes, FsyncPolicy fsync,
      RecoveryListener listener) throws IOException {
    return open(dir, segmentBytes, fsync, listener, SegmentWriter.Faults.NONE);
  }

  static SegmentLog open(Path dir, long segmentBytes, FsyncPolicy fsync,
      RecoveryListener listener, SegmentWriter.Faults faults) throws IOException {
    if (segmentBytes < 1024) {
      throw new IllegalArgumentException("segmentBytes: " + segmentBytes + " (expected: >= 1024)");
    }
    return new SegmentLog(dir, segmentBytes, fsync, listener, faults);
  }

  public Recovery recovery() {
    return recovery;
  }

  /**
   * What runs on the writer thread when an append is on disk (positions set, failure null) or
   * failed: appends complete in log order, so callbacks run in log order, on one thread.
   */
  @FunctionalInterface
  public interface Durable {
    void done(List<Position> positions, Throwable failure);
  }

  /** Appends entries in order; completes with their positions once they are on disk. */
  public CompletableFuture<List<Position>> append(List<byte[]> bodies) {
    return append(bodies, null);
  }

  /**
   * Appends entries in order and runs {@code then} on the writer thread once they are on disk
   * (or failed), before the returned future completes. Unlike a callback added to the future,
   * it never runs on the appending thread, whatever locks that thread holds.
   */
  public CompletableFuture<List<Position>> append(List<byte[]> bodies, Durable then) {
    return append(null, bodies, then);
  }

  /**
   * {@link #append(List, Durable)} of entries whose bytes are {@code heads.get(i)} followed by
   * {@code bodies.get(i)}: a prefix many entries share (their type and owner) is written into
   * each frame without first making a copy of every body with it.
   */
  public CompletableFuture<List<Position>> append(List<byte[]> heads, List<byte[]> bodies,
      Durable then) {
    if (heads != null && heads.size() != bodies.size()) {
      throw new IllegalArgumentException("heads: " + heads.size() + " (expected: one per body, "
          + bodies.size() + ")");
    }
    for (int i = 0; i < bodies.size(); i++) {
      if (bodies.get(i).length == 0 && (heads == null || heads.get(i).length == 0)) {
        // A zero length is how recovery knows a direct write's block padding.
        throw new IllegalArgumentException("entry " + i + ": empty (expected: at least 1 byte)");
      }
    }
    Pending pending = new Pending(heads, bodies, then);
    // Checked and queued under the lock close() takes, so no append slips in after the writer
    // has drained the queue and left.
    synchronized (queue) {
      if (closed) {
        pending.fail(new IOException("segment log closed"));
      } else {
        queue.add(pending);
      }
    }
    return pending.done;
  }

  /** Reads the entry at {@code position}. Blocking. */
  public byte[] read(Position position) throws IOException {
    Segment segment = segment(position.segment());
    int headerBytes = segment.layout.header();
    ByteBuffer header = ByteBuffer.allocate(headerBytes);
    readFully(segment.channel, header, position.offset());
    int length = header.getInt(0);
    if (!segment.layout.plausible(header, 0, position.offset())) {
      throw new IOException("segment " + segment.path.getFileName() + ": bad frame at "
          + position.offset());
    }
    ByteBuffer body = ByteBuffer.allocate(length);
    readFully(segment.channel, body, position.offset() + headerBytes);
    return body.array();
  }

  /**
   * Reads entries from {@code from} onwards in its segment, in large chunks, until the visitor
   * says stop or the segment's written end. Blocking: call it off the event loop. Fails if the
   * segment is gone (retention) or a frame is damaged.
   */
  public void scan(Position from, Visitor visitor) throws IOException {
    Segment segment = segment(from.segment());
    Layout layout = segment.layout;
    int headerBytes = layout.header();
    long offset = from.offset();
    long end = segment.size;
    ByteBuffer chunk = ByteBuffer.allocate(SCAN_CHUNK);
    while (offset + headerBytes <= end) {
      chunk.clear();
      chunk.limit((int) Math.min(chunk.capacity(), end - offset));
      readFully(segment.channel, chunk, offset);
      chunk.flip();
      int consumed = 0;
      while (chunk.remaining() - consumed >= headerBytes) {
        int length = chunk.getInt(consumed);
        int crc = chunk.getInt(consumed + 4);
        if (!layout.plausible(chunk, consumed, offset + consumed)
            || offset + consumed + headerBytes + length > end) {
          throw new IOException("segment " + segment.path.getFileName() + ": bad frame at "
              + (offset + consumed));
        }
        if (chunk.remaining() - consumed - headerBytes < length) {
          break; // the frame continues past this chunk
        }
        ByteBuffer body = chunk.slice(consumed + headerBytes, length);
        if (Frames.crc(body) != crc) {
          throw new IOException("segment " + segment.path.getFileName() + ": CRC mismatch at "
              + (offset + consumed));
        }
        if (!visitor.visit(new Position(segment.id, offset + consumed), body)) {
          return;
        }
        consumed += headerBytes + length;
      }
      if (consumed == 0) {
        // One frame larger than the chunk (its header was checked above): read it alone.
        int length = chunk.getInt(0);
        ByteBuffer big = ByteBuffer.allocate(headerBytes + length);
        readFully(segment.channel, big, offset);
        big.flip();
        ByteBuffer body = big.slice(headerBytes, length);
        if (Frames.crc(body) != big.getInt(4)) {
          throw new IOException("segment " + segment.path.getFileName() + ": CRC mismatch at "
              + offset);
        }
        if (!visitor.visit(new Position(segment.id, offset), body)) {
          return;
        }
        consumed = headerBytes + length;
      }
      offset += consumed;
    }
  }

  /**
   * Cuts the log at {@code from} before anything was appended: for a caller whose recovery
   * found entries at the end that must not count (a batch a crash cut short). {@code from}
   * must be in the last segment that holds entries; segments after it (a new active one) are
   * empty. Fails otherwise.
   */
  public synchronized void truncateTail(Position from) throws IOException {
    Segment segment = segment(from.segment());
    boolean emptyAfter = true;
    for (Segment s : segments) {
      emptyAfter &= s.id <= segment.id || s.size <= s.layout.firstFrame();
    }
    if (written || !emptyAfter || from.offset() < segment.layout.firstFrame()
        || from.offset() > segment.size) {
      throw new IOException("truncateTail: " + from + " is not at the end of the log");
    }
    segment.channel.truncate(from.offset());
    segment.channel.force(true);
    segment.size = from.offset();
    restartWriter = true; // the writer re-reads the segment's last block before it writes
  }

  /** The segments, oldest first. */
  public synchronized List<SegmentInfo> segments() {
    List<SegmentInfo> out = new ArrayList<>(segments.size());
    Segment current = active;
    for (Segment s : segments) {
      long modified;
      try {
        modified = Files.getLastModifiedTime(s.path).toMillis();
      } catch (IOException e) {
        modified = System.currentTimeMillis(); // unknown: never old enough to delete
      }
      out.add(new SegmentInfo(s.id, s.size, modified, s == current));
    }
    return out;
  }

  /**
   * Deletes a whole segment (retention). The active segment, being written, is never deleted;
   * readers of a deleted segment fail with an IOException and re-read their index.
   */
  public synchronized void delete(long id) throws IOException {
    Segment segment = segment(id);
    if (segment == active) {
      throw new IllegalStateException("segment " + id + " is the active segment");
    }
    segments.remove(segment);
    segment.channel.close();
    Files.deleteIfExists(segment.path);
    Files.deleteIfExists(segment.path.resolveSibling(segment.path.getFileName()
        + SegmentRecovery.DAMAGED));
    LOG.info("retention: deleted segment {} ({} bytes)", segment.path.getFileName(), segment.size);
  }

  private synchronized Segment segment(long id) throws IOException {
    for (Segment s : segments) {
      if (s.id == id) {
        return s;
      }
    }
    throw new IOException("segment " + id + " is gone (retention)");
  }

  private synchronized Segment newSegment(long id) throws IOException {
    Path file = dir.resolve(String.format("%020d%s", id, SUFFIX));
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      // Not forced here (the writer thread would wait for it): the force that makes the first
      // frames durable makes the header durable with them, and recovery starts a segment
      // whose header a crash left unfinished again.
      writeFully(channel, Frames.fileHeader(salt), 0);
    } catch (IOException e) {
      channel.close();
      Files.deleteIfExists(file);
      throw e;
    }
    Segment segment = new Segment(id, file, channel, Frames.FILE_HEADER, Layout.v2(salt, id));
    segments.add(segment);
    return segment;
  }

  // ---- writing --------------------------------------------------------------------------

  private void writeLoop() {
    List<Pending> group = new ArrayList<>();
    List<Pending> unforced = new ArrayList<>();
    long lastForce = System.nanoTime();
    while (!closed || !queue.isEmpty() || !unforced.isEmpty()) {
      try {
        long wait = unforced.isEmpty() ? 100_000_000L
            : Math.max(0, lastForce + fsync.interval().toNanos() - System.nanoTime());
        Pending first = queue.poll(wait, TimeUnit.NANOSECONDS);
        if (first != null) {
          group.add(first);
          queue.drainTo(group, 4_095);
          write(group, unforced);
          group.clear();
        }
        boolean due = System.nanoTime() - lastForce >= fsync.interval().toNanos();
        if (!unforced.isEmpty() && (due || closed)) {
          appender.force();
          lastForce = System.nanoTime();
          for (Pending p : unforced) {
            p.succeed();
          }
          unforced.clear();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (IOException | RuntimeException e) {
        LOG.error("segment log: write failed", e);
        try {
          // Cut back first: a runner told of the failure sends the lines again at once.
          appender.reset();
        } catch (IOException cut) {
          LOG.error("segment log: cutting the failed write back failed; writes fail until it "
              + "succeeds", cut);
        }
        unforced.forEach(p -> p.fail(e)); // in log order; each append completes once
        group.forEach(p -> p.fail(e));
        group.clear();
        unforced.clear();
      }
    }
    try {
      appender.leave(); // cuts the active segment back to its last frame
    } catch (IOException e) {
      LOG.warn("segment log: closing the active segment failed: {}", e.toString());
    }
  }

  /** Writes the group with one write per segment it touches. */
  private void write(List<Pending> group, List<Pending> unforced) throws IOException {
    written = true;
    if (appender.segment() != active || restartWriter) {
      restartWriter = false;
      appender.start(active); // the first write, or the segment was cut under us
    }
    for (Pending pending : group) {
      int bytes = 0;
      for (int i = 0; i < pending.bodies.size(); i++) {
        bytes += active.layout.header() + pending.head(i).length + pending.bodies.get(i).length;
      }
      if (appender.nextOffset() > active.layout.firstFrame()
          && appender.nextOffset() + bytes > segmentBytes) {
        // The old segment is complete and durable before we move on, and so is everything
        // in it: its appends complete now, whatever happens in the next segment.
        appender.flush();
        appender.force();
        unforced.forEach(Pending::succeed);
        unforced.clear();
        active = newSegment(active.id + 1);
        appender.start(active);
      }
      List<Position> positions = new ArrayList<>(pending.bodies.size());
      for (int i = 0; i < pending.bodies.size(); i++) {
        positions.add(new Position(active.id, appender.add(pending.head(i),
            pending.bodies.get(i))));
      }
      pending.positions = positions;
      unforced.add(pending);
    }
    appender.flush();
  }

  static void writeFully(FileChannel channel, ByteBuffer from, long position)
      throws IOException {
    long start = position - from.position();
    while (from.hasRemaining()) {
      channel.write(from, start + from.position());
    }
  }

  static void readFully(FileChannel channel, ByteBuffer into, long position)
      throws IOException {
    while (into.hasRemaining()) {
      int n = channel.read(into, position + into.position());
      if (n < 0) {
        throw new IOException("unexpected end of segment");
      }
    }
  }

  /** Forces and completes every pending append, then closes the files. */
  @Override
  public void close() {
    synchronized (queue) {
      closed = true;
    }
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      for (Segment segment : segments) {
        try {
          segment.channel.close();
        } catch (IOException e) {
          LOG.warn("closing {} failed: {}", segment.path, e.toString());
        }
      }
    }
  }
}
