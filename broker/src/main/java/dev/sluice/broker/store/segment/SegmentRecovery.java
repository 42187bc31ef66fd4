package dev.sluice.broker.store.segment;

import dev.sluice.broker.store.segment.Frames.Layout;
import dev.sluice.broker.store.segment.SegmentLog.Damage;
import dev.sluice.broker.store.segment.SegmentLog.Entry;
import dev.sluice.broker.store.segment.SegmentLog.Position;
import dev.sluice.broker.store.segment.SegmentLog.Recovery;
import dev.sluice.broker.store.segment.SegmentLog.RecoveryListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link SegmentLog#open} does first: reads every segment's frames from the start and
 * hands each intact entry on, in log order.
 *
 * <p>Damage costs only the frames it hits. Where a frame's header is intact (its check word
 * holds) and its body is not, recovery skips exactly that frame; where the header itself is
 * damaged, it searches byte by byte for the next frame whose check word and body CRC hold
 * ({@link Frames}). The damaged bytes stay where they are and are listed in a side file
 * ({@code <segment>.damaged}), and every intact frame before and after them is kept; the
 * listener hears of each damaged range, in log order, so it can tell which records were lost.
 *
 * <p>Only the end of the last segment is ever cut: block padding a direct write left there,
 * and a write a crash tore (a frame cut short, or one whose last sectors were never written).
 */
final class SegmentRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentRecovery.class);
  static final String DAMAGED = ".damaged";
  private static final String QUARANTINED = ".quarantined"; // what earlier versions renamed to
  private static final int CHUNK = 1 << 20;
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
  private static final long PROGRESS_NANOS = 10_000_000_000L;

  /** What recovery found, and the salt new segments are written with. */
  record Outcome(Recovery recovery, long salt) {}

  private final RecoveryListener listener;
  private long truncated;
  private long entries;
  private long scanned;
  private long total;
  private final List<Damage> damage = new ArrayList<>();
  private long lastProgress = System.nanoTime();

  private SegmentRecovery(RecoveryListener listener) {
    this.listener = listener;
  }

  /** Opens every segment in {@code dir} into {@code segments}, oldest first, and scans it. */
  static Outcome recover(Path dir, List<SegmentFile> segments, RecoveryListener listener)
      throws IOException {
    long started = System.nanoTime();
    restoreQuarantined(dir);
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(SegmentLog.SUFFIX))
          .sorted().toList();
    }
    List<FileChannel> channels = new ArrayList<>(files.size());
    List<ByteBuffer> heads = new ArrayList<>(files.size());
    Long found = null;
    for (Path file : files) {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      ByteBuffer head = ByteBuffer.allocate((int) Math.min(channel.size(), Frames.FILE_HEADER));
      SegmentFile.readFully(channel, head, 0);
      head.flip();
      channels.add(channel);
      heads.add(head);
      if (found == null) {
        found = Frames.salt(head); // every segment of a log has the log's salt
      }
    }
    long salt = found != null ? found : new SecureRandom().nextLong();
    SegmentRecovery recovery = new SegmentRecovery(listener);
    for (FileChannel channel : channels) {
      recovery.total += channel.size();
    }
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      String name = file.getFileName().toString();
      long id = Long.parseLong(name.substring(0, name.indexOf(SegmentLog.SUFFIX)));
      FileChannel channel = channels.get(i);
      boolean last = i == files.size() - 1;
      Layout layout = layout(id, channel, heads.get(i), salt, found != null, last);
      SegmentFile segment = new SegmentFile(id, file, channel, channel.size(), layout);
      segments.add(segment);
      recovery.scan(segment, last, i + 1, files.size());
    }
    Recovery done = new Recovery(recovery.truncated, List.copyOf(recovery.damage),
        recovery.entries, recovery.total, System.nanoTime() - started);
    return new Outcome(done, salt);
  }

  /** Earlier versions renamed a damaged segment aside; it is read past its damage now. */
  private static void restoreQuarantined(Path dir) throws IOException {
    List<Path> quarantined;
    try (Stream<Path> list = Files.list(dir)) {
      quarantined = list.filter(p -> p.getFileName().toString()
          .endsWith(SegmentLog.SUFFIX + QUARANTINED)).toList();
    }
    for (Path file : quarantined) {
      String name = file.getFileName().toString();
      Path back = file.resolveSibling(name.substring(0, name.length() - QUARANTINED.length()));
      if (!Files.exists(back)) {
        Files.move(file, back, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("recovery: {} is read past its damage now; renamed back to {}", name,
            back.getFileName());
      }
    }
  }

  /** How a segment's frames are laid out: by its file header, or by what its bytes show. */
  private static Layout layout(long id, FileChannel channel, ByteBuffer head, long salt,
      boolean saltKnown, boolean last) throws IOException {
    Long own = Frames.salt(head);
    if (own != null) {
      return Layout.v2(own, id);
    }
    long size = channel.size();
    Window window = new Window(channel, size);
    if (frame(window, Layout.V1, 0) > 0) {
      return Layout.V1;
    }
    if (size < Frames.FILE_HEADER && Frames.unfinishedHeader(head)
        || last && trailingZeros(window, 0, size) == 0) {
      // A crash while the segment was being created: nothing was ever written to it (or
      // nothing but blocks the file system allocated and never wrote).
      channel.truncate(0);
      SegmentFile.writeFully(channel, Frames.fileHeader(salt), 0);
      channel.force(true);
      return Layout.v2(salt, id);
    }
    // Both header copies are damaged: the layout is the one under which a frame comes first
    // (the first frame is near the start, so only the start is searched), the log's salt
    // before none (a segment written before the salt was lost has another one).
    List<Layout> candidates = new ArrayList<>(3);
    if (saltKnown) {
      candidates.add(Layout.v2(salt, id));
    }
    candidates.add(Layout.v2Unchecked());
    if (!Frames.hasMagic(head)) {
      candidates.add(Layout.V1);
    }
    Layout best = candidates.get(0);
    long first = Long.MAX_VALUE;
    for (Layout candidate : candidates) {
      long at = frame(window, candidate, candidate.firstFrame()) > 0 ? candidate.firstFrame()
          : next(window, candidate, candidate.firstFrame(), candidate.firstFrame() + CHUNK);
      if (at >= 0 && at < first) {
        best = candidate;
        first = at;
      }
    }
    LOG.error("recovery: segment {} has a damaged file header (both copies); its frames are "
        + "read {}", id, best.checked() ? "with the salt of the other segments"
        : best.version() == 1 ? "as an earlier version's" : "by their length and CRC alone");
    return best;
  }

  private void scan(SegmentFile segment, boolean last, int index, int count) throws IOException {
    Window window = new Window(segment.channel, segment.size);
    Layout layout = segment.layout;
    List<Damage> found = new ArrayList<>();
    Path side = segment.path.resolveSibling(segment.path.getFileName() + DAMAGED);
    String listed = Files.exists(side) ? Files.readString(side) : "";
    long size = segment.size;
    long offset = Math.min(layout.firstFrame(), size);
    while (offset < size) {
      int length = frame(window, layout, offset);
      if (length > 0) {
        byte[] body = new byte[length];
        window.buf.get(window.at(offset + layout.header(), length), body);
        listener.entry(new Entry(new Position(segment.id, offset), body));
        entries++;
        offset += layout.header() + length;
        progress(offset, index, count);
        continue;
      }
      if (trailingZeros(window, offset, size) == offset
          && (padding(offset, size) || last)) {
        if (padding(offset, size)) {
          // A direct write's padding up to its block boundary, left by a crash before the
          // file was cut back to its last frame: nothing was written there.
          LOG.debug("recovery: cut {} bytes of block padding at the end of {}", size - offset,
              segment.path.getFileName());
        } else {
          // Blocks a crash left allocated and never written, at the end of the log.
          truncated += size - offset;
          LOG.warn("recovery: cut a write a crash tore, {} bytes of zeros at the end of {}",
              size - offset, segment.path.getFileName());
        }
        cut(segment, offset);
        break;
      }
      long next = next(window, layout, offset);
      if (next < 0 && last && torn(window, layout, offset, size)) {
        truncated += size - offset;
        cut(segment, offset);
        LOG.warn("recovery: cut a write a crash tore, {} bytes at the end of {}",
            size - offset, segment.path.getFileName());
        break;
      }
      // Nothing intact follows: the damage is the frame whose header holds, if one does, and
      // whatever comes after it is looked at again (block padding, say).
      long end = next >= 0 ? next : frameEnd(window, layout, offset, size);
      int frames = oneFrame(window, layout, offset, end) ? 1 : -1;
      Damage d = new Damage(segment.id, segment.path.getFileName().toString(), offset, end,
          frames, listed.contains("\n" + line(offset, end, frames)), last);
      found.add(d);
      listener.damage(d);
      offset = end;
    }
    scanned += segment.size;
    if (!found.isEmpty()) {
      damage.addAll(found);
      record(side, listed, found);
    }
  }

  private static String line(long from, long to, int frames) {
    return from + " " + to + " " + (to - from) + " " + frames + "\n";
  }

  /** Where the frame at {@code offset} ends if its header holds and it fits, else the end. */
  private static long frameEnd(Window window, Layout layout, long offset, long size)
      throws IOException {
    if (!layout.checked() || offset + layout.header() > size) {
      return size;
    }
    int at = window.at(offset, layout.header());
    long end = offset + layout.header() + window.buf.getInt(at);
    return layout.plausible(window.buf, at, offset) && end <= size ? end : size;
  }

  private void progress(long offset, int index, int count) {
    if ((entries & 0xfff) != 0) {
      return; // the clock is read every 4,096 entries: it costs as much as a small frame
    }
    long now = System.nanoTime();
    if (now - lastProgress >= PROGRESS_NANOS) {
      lastProgress = now;
      LOG.info("recovery: segment {} of {}, {} of {} MB read, {} entries so far", index, count,
          (scanned + offset) >> 20, total >> 20, entries);
    }
  }

  /**
   * Says what was found and writes the side file naming the damaged ranges of a segment,
   * unless it lists exactly these already (an earlier start found them).
   */
  private static void record(Path side, String listed, List<Damage> found) throws IOException {
    StringBuilder text = new StringBuilder("# Damaged byte ranges of ")
        .append(found.get(0).file()).append(", found by recovery and left in place.\n")
        .append("# from (inclusive), to (exclusive), bytes, frames (-1: unknown)\n");
    for (Damage d : found) {
      text.append(line(d.from(), d.to(), d.frames()));
      if (d.known()) {
        LOG.warn("recovery: {} (known: listed in {})", d, side.getFileName());
      } else {
        LOG.error("recovery: {}; read past it: every intact frame before and after it is kept, "
            + "the bytes stay in place (listed in {})", d, side.getFileName());
      }
    }
    if (!text.toString().equals(listed)) {
      Path temp = side.resolveSibling(side.getFileName() + ".tmp");
      Files.writeString(temp, text);
      Files.move(temp, side, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** True if zeros from {@code offset} to the end can be a direct write's block padding. */
  private static boolean padding(long offset, long size) {
    return size - offset < MAX_PADDING && size % SECTOR == 0;
  }

  private static void cut(SegmentFile segment, long offset) throws IOException {
    segment.channel.truncate(offset);
    segment.channel.force(true);
    segment.size = offset;
  }

  /** The body length of an intact frame at {@code offset}, or -1. */
  static int frame(Window window, Layout layout, long offset) throws IOException {
    if (offset + layout.header() > window.size) {
      return -1;
    }
    int at = window.at(offset, layout.header());
    ByteBuffer buf = window.buf;
    int length = buf.getInt(at);
    int crc = buf.getInt(at + 4);
    if (!layout.plausible(buf, at, offset)
        || offset + layout.header() + length > window.size) {
      return -1;
    }
    int body = window.at(offset + layout.header(), length);
    return Frames.crc(window.buf.duplicate().limit(body + length).position(body)) == crc
        ? length : -1;
  }

  /**
   * Where the first intact frame after the damage at {@code offset} starts, or -1 if none.
   * A header whose check word holds has its length intact: the next frame is right after it.
   * Otherwise every later offset is tried.
   */
  static long next(Window window, Layout layout, long offset) throws IOException {
    return next(window, layout, offset, Long.MAX_VALUE);
  }

  /** {@link #next(Window, Layout, long)} trying offsets before {@code limit} only. */
  private static long next(Window window, Layout layout, long offset, long limit)
      throws IOException {
    long size = window.size;
    if (layout.checked() && offset + layout.header() <= size
        && layout.plausible(window.buf, window.at(offset, layout.header()), offset)) {
      long after = offset + layout.header() + window.buf.getInt(window.at(offset, 4));
      if (after < size && frame(window, layout, after) > 0) {
        return after;
      }
    }
    for (long at = offset + 1; at + layout.header() <= size && at < limit; at++) {
      int i = window.at(at, layout.header());
      int length = window.buf.getInt(i);
      if (layout.plausible(window.buf, i, at) && at + layout.header() + length <= size
          && (layout.checked() || length <= MAX_UNCHECKED_BODY)
          && frame(window, layout, at) > 0
          && (layout.checked() || followed(window, layout, at + layout.header() + length))) {
        return at;
      }
    }
    return -1;
  }

  /**
   * Without check words a CRC alone says a frame is real (1 in 2^32 by chance): what follows
   * it must be real too, another intact frame or the end.
   */
  private static boolean followed(Window window, Layout layout, long at) throws IOException {
    return at == window.size || frame(window, layout, at) > 0
        || trailingZeros(window, at, window.size) == at;
  }

  /** True if [from, to) is exactly one frame whose header is intact (only its body is not). */
  private static boolean oneFrame(Window window, Layout layout, long from, long to)
      throws IOException {
    if (!layout.checked() || from + layout.header() > to) {
      return false;
    }
    int at = window.at(from, layout.header());
    return layout.plausible(window.buf, at, from)
        && from + layout.header() + window.buf.getInt(at) == to;
  }

  /**
   * True if the damage at {@code offset}, with no intact frame after it, is a write a crash
   * tore rather than bytes that changed: its frame (whose header checks) is cut short by the
   * end of the file, or ends in sectors that were never written (at least
   * {@value #MIN_UNWRITTEN} zeros from a sector boundary on). A frame that is whole and was
   * written whole, but fails its CRC, was acknowledged: it is damage. Without check words a
   * header's length is not to be trusted, so a frame "cut short" there is damage too.
   */
  private static boolean torn(Window window, Layout layout, long offset, long size)
      throws IOException {
    if (size - offset < layout.header()) {
      return true;
    }
    long zeros = trailingZeros(window, offset, size);
    long unwritten = (zeros + SECTOR - 1) / SECTOR * SECTOR; // the first whole zero sector
    int at = window.at(offset, layout.header());
    if (layout.plausible(window.buf, at, offset)) {
      long end = offset + layout.header() + window.buf.getInt(at);
      if (end > size) {
        return layout.checked();
      }
      return end > zeros && end - unwritten >= MIN_UNWRITTEN;
    }
    return size - unwritten >= MIN_UNWRITTEN;
  }

  /** Where the run of zeros that ends the range [from, to) starts ({@code to} if none). */
  private static long trailingZeros(Window window, long from, long to) throws IOException {
    long at = to;
    while (at > from) {
      int n = (int) Math.min(CHUNK, at - from);
      int i = window.at(at - n, n);
      for (int k = n - 1; k >= 0; k--) {
        if (window.buf.get(i + k) != 0) {
          return at - n + k + 1;
        }
      }
      at -= n;
    }
    return from;
  }

  /** A segment read through a buffer of a megabyte or so, refilled where it is needed. */
  static final class Window {
    final FileChannel channel;
    final long size;
    ByteBuffer buf = ByteBuffer.allocate(CHUNK);
    private long start = -1;

    Window(FileChannel channel, long size) {
      this.channel = channel;
      this.size = size;
    }

    /** Makes [offset, offset + n) readable in {@link #buf}; returns the index of offset. */
    int at(long offset, int n) throws IOException {
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
  }
}
