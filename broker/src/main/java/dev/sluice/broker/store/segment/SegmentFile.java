package dev.sluice.broker.store.segment;

import dev.sluice.broker.store.segment.Frames.Layout;
import dev.sluice.broker.store.segment.SegmentLog.Position;
import dev.sluice.broker.store.segment.SegmentLog.Visitor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * One open segment file: its id, path, channel, written size and frame layout, and the
 * positional reads of its frames. The log keeps the list of them (under its lock) and hands one
 * out for each read; reads then take no lock: they read up to the size the writer thread last
 * published, which only grows while the segment is written.
 */
final class SegmentFile implements SegmentWriter.Segment {
  private static final int SCAN_CHUNK = 256 * 1024;

  final long id;
  Path path;
  final FileChannel channel;
  volatile long size; // grown by the writer, read by scans
  final Layout layout;

  SegmentFile(long id, Path path, FileChannel channel, long size, Layout layout) {
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

  /** Reads the entry whose frame starts at {@code offset}. Blocking. */
  byte[] read(long offset) throws IOException {
    int headerBytes = layout.header();
    ByteBuffer header = ByteBuffer.allocate(headerBytes);
    readFully(channel, header, offset);
    int length = header.getInt(0);
    if (!layout.plausible(header, 0, offset)) {
      throw new IOException("segment " + path.getFileName() + ": bad frame at " + offset);
    }
    ByteBuffer body = ByteBuffer.allocate(length);
    readFully(channel, body, offset + headerBytes);
    return body.array();
  }

  /** {@link SegmentLog#scan} within this segment, from the frame at {@code from}. */
  void scan(long from, Visitor visitor) throws IOException {
    int headerBytes = layout.header();
    long offset = from;
    long end = size;
    ByteBuffer chunk = ByteBuffer.allocate(SCAN_CHUNK);
    while (offset + headerBytes <= end) {
      chunk.clear();
      chunk.limit((int) Math.min(chunk.capacity(), end - offset));
      readFully(channel, chunk, offset);
      chunk.flip();
      int consumed = 0;
      while (chunk.remaining() - consumed >= headerBytes) {
        int length = chunk.getInt(consumed);
        int crc = chunk.getInt(consumed + 4);
        if (!layout.plausible(chunk, consumed, offset + consumed)
            || offset + consumed + headerBytes + length > end) {
          throw new IOException("segment " + path.getFileName() + ": bad frame at "
              + (offset + consumed));
        }
        if (chunk.remaining() - consumed - headerBytes < length) {
          break; // the frame continues past this chunk
        }
        ByteBuffer body = chunk.slice(consumed + headerBytes, length);
        if (Frames.crc(body) != crc) {
          throw new IOException("segment " + path.getFileName() + ": CRC mismatch at "
              + (offset + consumed));
        }
        if (!visitor.visit(new Position(id, offset + consumed), body)) {
          return;
        }
        consumed += headerBytes + length;
      }
      if (consumed == 0) {
        // One frame larger than the chunk (its header was checked above): read it alone.
        int length = chunk.getInt(0);
        ByteBuffer big = ByteBuffer.allocate(headerBytes + length);
        readFully(channel, big, offset);
        big.flip();
        ByteBuffer body = big.slice(headerBytes, length);
        if (Frames.crc(body) != big.getInt(4)) {
          throw new IOException("segment " + path.getFileName() + ": CRC mismatch at "
              + offset);
        }
        if (!visitor.visit(new Position(id, offset), body)) {
          return;
        }
        consumed = headerBytes + length;
      }
      offset += consumed;
    }
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
}
