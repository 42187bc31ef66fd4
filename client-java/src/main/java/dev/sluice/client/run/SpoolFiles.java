package dev.sluice.client.run;

import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Stream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The spool on disk: segment files of length-delimited {@link IngestFrame}s (a line as a
 * one-line batch, a request start or end as itself), oldest first, at most {@code bound} bytes
 * in all. Past the bound, the oldest segment loses its TRACE/DEBUG/INFO lines; once every
 * segment is down to WARN and above, the oldest loses its lines outright. The segment being
 * written is left whole (it is the newest, at most an eighth of the bound), so its INFO lines
 * can outlast older WARN lines. Request events stay
 * while any segment holds them, so a request's scope survives. What a segment lost is told by
 * a WARN line at its head when it is taken ({@link #takeOldest}), with the count by level.
 *
 * <p>Not thread-safe: {@link Spool} holds its lock around every call.
 */
final class SpoolFiles implements AutoCloseable {
  /** The smallest bound: a few segments of a few lines each still fit. */
  static final long MIN_BOUND = 64 * 1024;
  private static final long MAX_SEGMENT = 4 * 1024 * 1024;
  private static final int SEGMENTS_PER_BOUND = 8;

  /** One file, its captured lines, and what was dropped from it. */
  private static final class Segment {
    final Path path;
    long bytes;
    long lines;
    long lost; // lines a damaged file lost when it was rewritten
    boolean lowLevelsGone;
    final long[] dropped = new long[Level.FATAL_VALUE + 1];
    long firstDroppedTime;

    Segment(Path path) {
      this.path = path;
    }

    long droppedTotal() {
      long total = 0;
      for (long n : dropped) {
        total += n;
      }
      return total;
    }

    void drop(LogLine line) {
      int level = line.getLevelValue();
      dropped[level < Level.TRACE_VALUE || level > Level.FATAL_VALUE ? Level.INFO_VALUE
          : level]++;
      if (firstDroppedTime == 0 || line.getTimeUnixNano() < firstDroppedTime) {
        firstDroppedTime = line.getTimeUnixNano();
      }
    }
  }

  private final Path dir;
  private final long bound;
  private final long segmentBytes;
  private final ArrayDeque<Segment> segments = new ArrayDeque<>(); // oldest first; last is active
  private OutputStream out; // the last segment's, while it is being written
  private long bytes;
  private long lines;
  private long droppedLines;
  private long lostLines;
  private long nextId;
  private boolean shrinkFailed;
  private IOException rolloverFailed;

  /**
   * @param dir where the segments go; created on the first append, deleted by {@link #close}
   * @param bound most bytes the segments hold together, at least {@link #MIN_BOUND}
   *     ({@link ProcessCapture.Spooling} checks)
   */
  SpoolFiles(Path dir, long bound) {
    this.dir = dir;
    this.bound = bound;
    this.segmentBytes = Math.min(MAX_SEGMENT, bound / SEGMENTS_PER_BOUND);
  }

  /** Appends {@code frame}; past the bound, drops the oldest low-level lines first. */
  void append(IngestFrame frame) {
    if (rolloverFailed != null) {
      throw new UncheckedIOException("spool: cannot write " + dir + ": "
          + rolloverFailed.getMessage(), rolloverFailed);
    }
    Segment active;
    try {
      if (out == null) {
        open();
      }
      active = segments.peekLast();
      int size = frame.getSerializedSize();
      frame.writeDelimitedTo(out);
      long written = size + com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag(size);
      active.bytes += written;
      bytes += written;
      if (frame.hasBatch()) {
        lines++;
        active.lines++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("spool: cannot write " + dir + ": " + e.getMessage(), e);
    }
    if (active.bytes >= segmentBytes) {
      try {
        closeActive();
      } catch (IOException e) {
        // This frame is counted: if it did not reach the disk, it is told as lost when the
        // segment is read back. The next append says the spool cannot write.
        rolloverFailed = e;
      }
    }
    // The frame is on disk now: a failure to shrink must not make the caller hand it on again.
    try {
      while (bytes > bound && shrink()) {
        // each round frees one segment's lines of the lowest levels left
      }
    } catch (IOException e) {
      if (!shrinkFailed) {
        shrinkFailed = true;
        System.err.println("sluice run: the spool cannot shrink to its bound: "
            + e.getMessage());
      }
    }
  }

  /** What {@link #takeOldest} took: the frames, and how many are lines the child printed. */
  record Taken(List<IngestFrame> frames, long lines) {}

  /**
   * The oldest segment's frames, removed from disk, headed by a line telling what was dropped
   * from it, if anything was; empty when the spool is. A segment that cannot be read to its end
   * (a damaged file) gives what could be read and a line saying how many were lost.
   */
  Taken takeOldest() {
    if (segments.isEmpty()) {
      return new Taken(List.of(), 0);
    }
    try {
      if (segments.size() == 1 && out != null) {
        closeActive();
      }
    } catch (IOException e) {
      // What the stream could not write is missing from the file: counted below as lost.
    }
    Segment oldest = segments.pollFirst();
    List<IngestFrame> frames = new ArrayList<>();
    if (oldest.droppedTotal() > 0) {
      frames.add(gapLine(oldest));
    }
    List<IngestFrame> read = new ArrayList<>();
    String damage = readAll(oldest.path, read);
    frames.addAll(read);
    long readLines = read.stream().filter(IngestFrame::hasBatch).count();
    long unread = Math.max(0, oldest.lines - readLines);
    lostLines += unread;
    long lost = oldest.lost + unread;
    if (lost > 0) {
      frames.add(warning("sluice run: " + lost + " spooled lines could not be read back ("
          + (damage != null ? damage : "the file was damaged") + ")", read.isEmpty() ? 0
          : lastTime(read), "lost_lines", lost));
    }
    try {
      Files.deleteIfExists(oldest.path);
    } catch (IOException e) {
      // Left behind; close() tries again.
    }
    bytes -= oldest.bytes;
    lines -= oldest.lines;
    return new Taken(frames, readLines);
  }

  /** Lines written to the spool that could not be read back. */
  long lostLines() {
    return lostLines;
  }

  boolean isEmpty() {
    return segments.isEmpty();
  }

  /** Lines on disk now. */
  long lines() {
    return lines;
  }

  /** Lines dropped to keep within the bound, since the start. */
  long droppedLines() {
    return droppedLines;
  }

  long bytes() {
    return bytes;
  }

  /** Deletes every segment and the directory. */
  @Override
  public void close() {
    try {
      if (out != null) {
        out.close();
        out = null;
      }
      if (Files.isDirectory(dir)) {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
          for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(file);
          }
        }
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("spool: cannot remove " + dir + ": " + e.getMessage(), e);
    }
    segments.clear();
  }

  private void open() throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir.getParent());
      // Only this user: the lines may hold what the child should not show others.
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    }
    Path path = dir.resolve(String.format(Locale.ROOT, "%012d.spool", nextId++));
    out = new BufferedOutputStream(Files.newOutputStream(path), 64 * 1024);
    segments.addLast(new Segment(path));
  }

  private void closeActive() throws IOException {
    OutputStream closing = out;
    out = null; // closed or not, never written again
    closing.close();
  }

  /**
   * Frees room: the oldest segment still holding TRACE/DEBUG/INFO lines loses them; when
   * none does, the oldest segment loses its lines (its request events stay). False when
   * nothing is left to free but the segment being written.
   */
  private boolean shrink() throws IOException {
    if (out != null && segments.size() == 1) {
      closeActive(); // everything is in the active segment: close it so it can shrink
    }
    List<Segment> closed = new ArrayList<>(segments);
    if (out != null) {
      closed.remove(closed.size() - 1); // the one being written stays as it is
    }
    for (Segment s : closed) {
      if (!s.lowLevelsGone) {
        s.lowLevelsGone = true;
        if (rewrite(s, f -> !f.hasBatch() || f.getBatch().getLines(0).getLevelValue()
            >= Level.WARN_VALUE)) {
          return true;
        }
      }
    }
    // Only WARN and above left (or request events): the oldest segment's lines go.
    for (Segment s : closed) {
      if (rewrite(s, f -> !f.hasBatch())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Keeps only the frames {@code keep} accepts; true if that freed any bytes. A segment that
   * cannot be read to its end keeps what could be read, and the rest counts as lost. The
   * counts change only once the new file has replaced the old.
   */
  private boolean rewrite(Segment s, Predicate<IngestFrame> keep) throws IOException {
    List<IngestFrame> frames = new ArrayList<>();
    boolean damaged = readAll(s.path, frames) != null;
    Path next = s.path.resolveSibling(s.path.getFileName() + ".tmp");
    long kept = 0;
    long keptLines = 0;
    List<LogLine> dropped = new ArrayList<>();
    try {
      try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(next), 64 * 1024)) {
        for (IngestFrame f : frames) {
          if (keep.test(f)) {
            int size = f.getSerializedSize();
            f.writeDelimitedTo(o);
            kept += size + com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag(size);
            keptLines += f.hasBatch() ? 1 : 0;
          } else {
            dropped.add(f.getBatch().getLines(0));
          }
        }
      }
      if (dropped.isEmpty() && !damaged) {
        Files.delete(next);
        return false;
      }
      Files.move(next, s.path, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      Files.deleteIfExists(next);
      throw e;
    }
    dropped.forEach(s::drop);
    long lost = Math.max(0, s.lines - keptLines - dropped.size());
    s.lost += lost;
    lostLines += lost;
    bytes -= s.bytes - kept;
    s.bytes = kept;
    lines -= s.lines - keptLines;
    s.lines = keptLines;
    droppedLines += dropped.size();
    return !dropped.isEmpty() || lost > 0;
  }

  /** Reads {@code path}'s frames into {@code frames}; what went wrong, or null. */
  private static String readAll(Path path, List<IngestFrame> frames) {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 64 * 1024)) {
      IngestFrame f;
      while ((f = IngestFrame.parseDelimitedFrom(in)) != null) {
        frames.add(f);
      }
      return null;
    } catch (IOException e) {
      return path.getFileName() + ": " + e.getMessage();
    }
  }

  private static long lastTime(List<IngestFrame> frames) {
    for (int i = frames.size() - 1; i >= 0; i--) {
      if (frames.get(i).hasBatch()) {
        return frames.get(i).getBatch().getLines(0).getTimeUnixNano();
      }
    }
    return 0;
  }

  private static IngestFrame warning(String message, long time, String field, long count) {
    return IngestFrame.newBuilder().setBatch(LogBatch.newBuilder().addLines(LogLine.newBuilder()
        .setLevel(Level.WARN).setStream(Stream.STRUCTURED).setTimeUnixNano(time)
        .setMessage(message).putFields(field, Long.toString(count)))).build();
  }

  /** The line that tells readers what this segment lost, at the time of its first loss. */
  private static IngestFrame gapLine(Segment s) {
    StringBuilder text = new StringBuilder("sluice run: ").append(s.droppedTotal())
        .append(" lines dropped from the spool while the broker was unreachable (");
    LogLine.Builder line = LogLine.newBuilder().setLevel(Level.WARN)
        .setStream(Stream.STRUCTURED).setTimeUnixNano(s.firstDroppedTime);
    String sep = "";
    for (int level = Level.TRACE_VALUE; level < s.dropped.length; level++) {
      if (s.dropped[level] > 0) {
        String name = Level.forNumber(level).name();
        text.append(sep).append(name).append(": ").append(s.dropped[level]);
        line.putFields("dropped_" + name.toLowerCase(Locale.ROOT),
            Long.toString(s.dropped[level]));
        sep = ", ";
      }
    }
    text.append("): the spool was full");
    line.putFields("dropped_lines", Long.toString(s.droppedTotal()));
    return IngestFrame.newBuilder().setBatch(LogBatch.newBuilder()
        .addLines(line.setMessage(text.toString()))).build();
  }
}
