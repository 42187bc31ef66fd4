package dev.sluice.broker.store.segment;

import dev.sluice.broker.store.segment.Frames.Layout;
import dev.sluice.broker.store.segment.GroupCommit.Pending;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 *
 * <p>This class keeps the segment files (the list, guarded by this object's lock) and the
 * public API; {@link GroupCommit} is the writer thread, {@link SegmentFile} one file and the
 * reads of its frames.
 */
public final class SegmentLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentLog.class);
  static final String SUFFIX = ".seg";

  private final Path dir;
  private final List<SegmentFile> segments = new ArrayList<>(); // guarded by this
  private final Recovery recovery;
  private final long salt;
  private final GroupCommit writer;

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

  private SegmentLog(Path dir, long segmentBytes, FsyncPolicy fsync, RecoveryListener listener,
      SegmentWriter.Faults faults) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
    SegmentRecovery.Outcome outcome = SegmentRecovery.recover(dir, segments, listener);
    this.recovery = outcome.recovery();
    this.salt = outcome.salt();
    SegmentFile tail = segments.isEmpty() ? null : segments.get(segments.size() - 1);
    // Segments of an earlier layout, or whose file header is lost, are read and never written
    // again: new entries go to a new segment.
    SegmentFile active = tail == null || tail.layout.version() != Frames.VERSION
        || !tail.layout.checked() ? newSegment(tail == null ? 1 : tail.id + 1) : tail;
    this.writer = new GroupCommit(this, active, SegmentWriter.open(dir, faults), fsync,
        segmentBytes);
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
    writer.enqueue(pending);
    return pending.done;
  }

  /** Reads the entry at {@code position}. Blocking. */
  public byte[] read(Position position) throws IOException {
    return segment(position.segment()).read(position.offset());
  }

  /**
   * Reads entries from {@code from} onwards in its segment, in large chunks, until the visitor
   * says stop or the segment's written end. Blocking: call it off the event loop. Fails if the
   * segment is gone (retention) or a frame is damaged.
   */
  public void scan(Position from, Visitor visitor) throws IOException {
    segment(from.segment()).scan(from.offset(), visitor);
  }

  /**
   * Cuts the log at {@code from} before anything was appended: for a caller whose recovery
   * found entries at the end that must not count (a batch a crash cut short). {@code from}
   * must be in the last segment that holds entries; segments after it (a new active one) are
   * empty. Fails otherwise.
   */
  public synchronized void truncateTail(Position from) throws IOException {
    SegmentFile segment = segment(from.segment());
    boolean emptyAfter = true;
    for (SegmentFile s : segments) {
      emptyAfter &= s.id <= segment.id || s.size <= s.layout.firstFrame();
    }
    if (writer.written() || !emptyAfter || from.offset() < segment.layout.firstFrame()
        || from.offset() > segment.size) {
      throw new IOException("truncateTail: " + from + " is not at the end of the log");
    }
    segment.channel.truncate(from.offset());
    segment.channel.force(true);
    segment.size = from.offset();
    writer.restart(); // the writer re-reads the segment's last block before it writes
  }

  /** The segments, oldest first. */
  public synchronized List<SegmentInfo> segments() {
    List<SegmentInfo> out = new ArrayList<>(segments.size());
    SegmentFile current = writer.active();
    for (SegmentFile s : segments) {
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
    SegmentFile segment = segment(id);
    if (segment == writer.active()) {
      throw new IllegalStateException("segment " + id + " is the active segment");
    }
    segments.remove(segment);
    segment.channel.close();
    Files.deleteIfExists(segment.path);
    Files.deleteIfExists(DamageFiles.side(segment.path));
    LOG.info("retention: deleted segment {} ({} bytes)", segment.path.getFileName(), segment.size);
  }

  private synchronized SegmentFile segment(long id) throws IOException {
    for (SegmentFile s : segments) {
      if (s.id == id) {
        return s;
      }
    }
    throw new IOException("segment " + id + " is gone (retention)");
  }

  /** Creates segment {@code id} and adds it to the list; the writer thread's, when it rolls. */
  synchronized SegmentFile newSegment(long id) throws IOException {
    Path file = dir.resolve(String.format("%020d%s", id, SUFFIX));
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      // Not forced here (the writer thread would wait for it): the force that makes the first
      // frames durable makes the header durable with them, and recovery starts a segment
      // whose header a crash left unfinished again.
      SegmentFile.writeFully(channel, Frames.fileHeader(salt), 0);
    } catch (IOException e) {
      channel.close();
      Files.deleteIfExists(file);
      throw e;
    }
    SegmentFile segment = new SegmentFile(id, file, channel, Frames.FILE_HEADER,
        Layout.v2(salt, id));
    segments.add(segment);
    return segment;
  }

  /** Forces and completes every pending append, then closes the files. */
  @Override
  public void close() {
    writer.close();
    synchronized (this) {
      for (SegmentFile segment : segments) {
        try {
          segment.channel.close();
        } catch (IOException e) {
          LOG.warn("closing {} failed: {}", segment.path, e.toString());
        }
      }
    }
  }
}
