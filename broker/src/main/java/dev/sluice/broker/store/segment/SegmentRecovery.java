package dev.sluice.broker.store.segment;

import dev.sluice.broker.store.segment.SegmentLog.Entry;
import dev.sluice.broker.store.segment.SegmentLog.Position;
import dev.sluice.broker.store.segment.SegmentLog.Recovery;
import dev.sluice.broker.store.segment.SegmentLog.Segment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link SegmentLog#open} does first: reads every segment's frames from the start, hands
 * each intact entry on, and repairs what a crash can leave at the end of the last segment (a
 * direct write's zero padding, a torn write) while damage anywhere else is reported and its
 * segment quarantined, never deleted.
 */
final class SegmentRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentRecovery.class);

  private SegmentRecovery() {}

  /**
   * Opens every segment in {@code dir} into {@code segments}, oldest first, handing each
   * intact entry to {@code visitor}; cuts torn tails and padding, quarantines damage.
   */
  static Recovery recover(Path dir, List<Segment> segments, Consumer<Entry> visitor)
      throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      // Quarantined segments stay in the scan: their entries before the damage stay readable.
      files = list.filter(p -> p.getFileName().toString().endsWith(SegmentLog.SUFFIX)
          || p.getFileName().toString().endsWith(SegmentLog.SUFFIX + SegmentLog.QUARANTINED)).sorted().toList();
    }
    long truncated = 0;
    List<String> damage = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      boolean last = i == files.size() - 1;
      String name = file.getFileName().toString();
      long id = Long.parseLong(name.substring(0, name.indexOf(SegmentLog.SUFFIX)));
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      Segment segment = new Segment(id, file, channel, channel.size());
      segments.add(segment);
      long good = scan(segment, visitor);
      if (name.endsWith(SegmentLog.QUARANTINED)) {
        segment.quarantined = true;
        damage.add("segment " + name + " was quarantined earlier; its " + good
            + " intact bytes before the damage are kept");
        continue;
      }
      if (good == segment.size) {
        continue;
      }
      long rest = segment.size - good;
      if (zerosFrom(channel, good, segment.size)) {
        // A direct write's padding up to its block boundary, left by a crash before the file
        // was cut back to its last frame: nothing was written there.
        channel.truncate(good);
        channel.force(true);
        segment.size = good;
        LOG.debug("recovery: cut {} bytes of block padding at the end of {}", rest, file);
        continue;
      }
      if (last && isTornTail(segment, good)) {
        channel.truncate(good);
        channel.force(true);
        segment.size = good;
        truncated += rest;
        LOG.warn("recovery: truncated a torn write of {} bytes at the end of {}", rest, file);
      } else {
        Path moved = file.resolveSibling(file.getFileName() + SegmentLog.QUARANTINED);
        Files.move(file, moved, StandardCopyOption.ATOMIC_MOVE);
        segment.path = moved;
        segment.quarantined = true;
        String what = "segment " + file.getFileName() + ": damaged frame at offset " + good
            + " with " + rest + " bytes after it; entries before it are kept, the segment is "
            + "quarantined as " + moved.getFileName();
        damage.add(what);
        LOG.error("recovery: {}", what);
      }
    }
    return new Recovery(truncated, List.copyOf(damage));
  }

  /** Reads every intact frame from the start; returns the offset of the first bad one. */
  private static long scan(Segment segment, Consumer<Entry> visitor) throws IOException {
    long offset = 0;
    ByteBuffer header = ByteBuffer.allocate(Frames.HEADER);
    while (offset + Frames.HEADER <= segment.size) {
      header.clear();
      SegmentLog.readFully(segment.channel, header, offset);
      int length = header.getInt(0);
      int crc = header.getInt(4);
      if (length <= 0 || length > Frames.MAX_BODY || offset + Frames.HEADER + length > segment.size) {
        return offset; // no body is empty: a zero length is a direct write's block padding
      }
      ByteBuffer body = ByteBuffer.allocate(length);
      SegmentLog.readFully(segment.channel, body, offset + Frames.HEADER);
      body.flip();
      if (Frames.crc(body) != crc) {
        return offset;
      }
      visitor.accept(new Entry(new Position(segment.id, offset), body.array()));
      offset += Frames.HEADER + length;
    }
    return offset;
  }

  /** True if every byte of {@code channel} from {@code from} to {@code end} is zero. */
  private static boolean zerosFrom(FileChannel channel, long from, long end) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    for (long at = from; at < end; ) {
      chunk.clear().limit((int) Math.min(chunk.capacity(), end - at));
      SegmentLog.readFully(channel, chunk, at);
      for (int i = 0; i < chunk.limit(); i++) {
        if (chunk.get(i) != 0) {
          return false;
        }
      }
      at += chunk.limit();
    }
    return true;
  }

  /**
   * A torn write leaves one partial frame at the very end: the header does not fit, the body
   * runs past the end, or the last frame's CRC fails and nothing but a direct write's zero
   * padding follows it (a write torn inside its last block). Anything else is damage: a frame
   * after the bad one may have been acknowledged, so it is not cut.
   */
  private static boolean isTornTail(Segment segment, long good) throws IOException {
    long rest = segment.size - good;
    if (rest < Frames.HEADER) {
      return true;
    }
    ByteBuffer header = ByteBuffer.allocate(Frames.HEADER);
    SegmentLog.readFully(segment.channel, header, good);
    int length = header.getInt(0);
    if (length < 0 || length > Frames.MAX_BODY) {
      return true;
    }
    long end = good + Frames.HEADER + length;
    return end >= segment.size || zerosFrom(segment.channel, end, segment.size);
  }
}
