package dev.sluice.broker.store.segment;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads and damages segment files by hand, as a test of recovery needs. */
public final class SegmentFiles {
  private SegmentFiles() {}

  /** An intact frame found by walking a segment from its first frame. */
  public record Frame(long offset, int header, int length) {
    public long end() {
      return offset + header + length;
    }
  }

  /** The segment files of a log directory, oldest first. */
  public static List<Path> segments(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
    }
  }

  /** The layout of a segment written by this version, from its file header. */
  static Frames.Layout layout(Path segment) throws IOException {
    byte[] head = new byte[Frames.FILE_HEADER];
    try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "r")) {
      file.readFully(head);
    }
    Long salt = Frames.salt(ByteBuffer.wrap(head));
    if (salt == null) {
      throw new IllegalStateException(segment + " has no intact file header");
    }
    String name = segment.getFileName().toString();
    return Frames.Layout.v2(salt, Long.parseLong(name.substring(0, name.indexOf('.'))));
  }

  /** Every frame of an undamaged segment of this version, in order. */
  public static List<Frame> frames(Path segment) throws IOException {
    byte[] bytes = Files.readAllBytes(segment);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    List<Frame> out = new ArrayList<>();
    for (int at = Frames.FILE_HEADER; at + 12 <= bytes.length; ) {
      int length = buf.getInt(at);
      if (length <= 0) {
        break; // block padding
      }
      out.add(new Frame(at, 12, length));
      at += 12 + length;
    }
    return out;
  }

  /** The body of {@code frame}. */
  public static byte[] body(Path segment, Frame frame) throws IOException {
    byte[] out = new byte[frame.length()];
    try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "r")) {
      file.seek(frame.offset() + frame.header());
      file.readFully(out);
    }
    return out;
  }

  /** Flips the low bit of the byte at {@code offset}. */
  public static void flip(Path segment, long offset) throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
      file.seek(offset);
      int b = file.read();
      file.seek(offset);
      file.write(b ^ 0x01);
    }
  }

  /** Writes {@code bytes} at {@code offset}, over whatever is there. */
  public static void write(Path segment, long offset, byte[] bytes) throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
      file.seek(offset);
      file.write(bytes);
    }
  }
}
