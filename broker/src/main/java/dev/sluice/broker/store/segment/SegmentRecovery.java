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
 *
 * <p>This class opens the files, decides each segment's layout and walks its frames; what the
 * bytes at a place are is {@link ScanWindow}'s to tell, the side files are {@link DamageFiles}.
 */
final class SegmentRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentRecovery.class);
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
    DamageFiles.restoreQuarantined(dir);
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

  /** How a segment's frames are laid out: by its file header, or by what its bytes show. */
  private static Layout layout(long id, FileChannel channel, ByteBuffer head, long salt,
      boolean saltKnown, boolean last) throws IOException {
    Long own = Frames.salt(head);
    if (own != null) {
      return Layout.v2(own, id);
    }
    long size = channel.size();
    ScanWindow window = new ScanWindow(channel, size);
    if (window.frame(Layout.V1, 0) > 0) {
      return Layout.V1;
    }
    if (size < Frames.FILE_HEADER && Frames.unfinishedHeader(head)
        || last && window.trailingZeros(0, size) == 0) {
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
      long at = window.frame(candidate, candidate.firstFrame()) > 0 ? candidate.firstFrame()
          : window.next(candidate, candidate.firstFrame(),
              candidate.firstFrame() + ScanWindow.CHUNK);
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
    ScanWindow window = new ScanWindow(segment.channel, segment.size);
    Layout layout = segment.layout;
    List<Damage> found = new ArrayList<>();
    Path side = DamageFiles.side(segment.path);
    String listed = DamageFiles.listed(side);
    long size = segment.size;
    long offset = Math.min(layout.firstFrame(), size);
    while (offset < size) {
      int length = window.frame(layout, offset);
      if (length > 0) {
        byte[] body = new byte[length];
        window.buf.get(window.load(offset + layout.header(), length), body);
        listener.entry(new Entry(new Position(segment.id, offset), body));
        entries++;
        offset += layout.header() + length;
        progress(offset, index, count);
        continue;
      }
      if (window.trailingZeros(offset, size) == offset
          && (window.padding(offset) || last)) {
        if (window.padding(offset)) {
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
      long next = window.next(layout, offset);
      if (next < 0 && last && window.torn(layout, offset)) {
        truncated += size - offset;
        cut(segment, offset);
        LOG.warn("recovery: cut a write a crash tore, {} bytes at the end of {}",
            size - offset, segment.path.getFileName());
        break;
      }
      // Nothing intact follows: the damage is the frame whose header holds, if one does, and
      // whatever comes after it is looked at again (block padding, say).
      long end = next >= 0 ? next : window.frameEnd(layout, offset);
      int frames = window.oneFrame(layout, offset, end) ? 1 : -1;
      Damage d = new Damage(segment.id, segment.path.getFileName().toString(), offset, end,
          frames, DamageFiles.known(listed, offset, end, frames), last);
      found.add(d);
      listener.damage(d);
      offset = end;
    }
    scanned += segment.size;
    if (!found.isEmpty()) {
      damage.addAll(found);
      DamageFiles.record(side, listed, found);
    }
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

  private static void cut(SegmentFile segment, long offset) throws IOException {
    segment.channel.truncate(offset);
    segment.channel.force(true);
    segment.size = offset;
  }
}
