package dev.sluice.broker.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.wire.Tags;
import dev.sluice.proto.wire.WireReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A {@link LogBatch} left in the bytes it arrived in: what ingest needs of each line (time,
 * level, stream, where its message and request id lie) is read straight off the wire, and a
 * plain line's message bytes go into its record without ever becoming a String. Lines with
 * anything more (fields, trace or span ids, values this broker does not know) are parsed as
 * {@link LogLine}s when asked for, so they behave exactly as protobuf reads them.
 *
 * <p>Reading validates what protobuf validates for these fields (framing, UTF-8 of strings)
 * and fails the same way, with an {@link InvalidProtocolBufferException}.
 */
public final class RawBatch {
  private static final int MAX_LEVEL = 6;
  private static final int MAX_STREAM = 3;

  private final byte[] buf;
  private long firstSeq;
  private int count;
  private final int maxLines;
  // Per line; msgOffset/msgLength are where the message lies, lineOffset/lineLength the line.
  private long[] time = new long[16];
  private int[] attrs = new int[16]; // level | stream << 8 | PLAIN << 16
  private int[] lineOffset = new int[16];
  private int[] lineLength = new int[16];
  private int[] msgOffset = new int[16];
  private int[] msgLength = new int[16];
  private int[] reqOffset = new int[16];
  private int[] reqLength = new int[16];

  private static final int PLAIN = 1 << 16;

  private RawBatch(byte[] buf, int expectedLines, int maxLines) {
    this.buf = buf;
    this.maxLines = maxLines;
    if (expectedLines > time.length) {
      time = new long[expectedLines];
      attrs = new int[expectedLines];
      lineOffset = new int[expectedLines];
      lineLength = new int[expectedLines];
      msgOffset = new int[expectedLines];
      msgLength = new int[expectedLines];
      reqOffset = new int[expectedLines];
      reqLength = new int[expectedLines];
    }
  }

  /** Reads the LogBatch encoded in {@code buf[offset, offset + length)}. */
  public static RawBatch parse(byte[] buf, int offset, int length)
      throws InvalidProtocolBufferException {
    return parse(buf, offset, length, Integer.MAX_VALUE);
  }

  /**
   * Reads the LogBatch encoded in {@code buf[offset, offset + length)}, keeping at most
   * {@code maxLines} lines: the lines beyond are counted ({@link #count}), not read, so a frame
   * of millions of empty lines costs no more memory than a batch the broker accepts.
   */
  public static RawBatch parse(byte[] buf, int offset, int length, int maxLines)
      throws InvalidProtocolBufferException {
    // Sized for lines of about 200 bytes, so a typical batch never grows its arrays.
    RawBatch batch = new RawBatch(buf, Math.min(Math.min(length / 160, 65_536), maxLines),
        maxLines);
    try {
      batch.read(offset, offset + length);
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new InvalidProtocolBufferException("log batch: " + e.getMessage());
    }
    return batch;
  }

  /** The same batch from a parsed message (tests and callers that already have one). */
  public static RawBatch of(LogBatch batch) {
    byte[] bytes = batch.toByteArray();
    try {
      return parse(bytes, 0, bytes.length);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a LogBatch that protobuf wrote does not read back", e);
    }
  }

  private void read(int from, int to) throws IOException {
    WireReader in = new WireReader().reset(buf, from, to);
    while (!in.atEnd()) {
      int tag = in.readTag();
      if (tag == Tags.BATCH_FIRST_SEQ) {
        firstSeq = in.readVarint();
      } else if (tag == Tags.BATCH_LINES) {
        int outer = in.enter(in.readLength());
        line(in);
        in.exit(outer);
      } else {
        in.skipField(tag);
      }
    }
  }

  /** Reads the line {@code in} has {@link WireReader#enter}ed. */
  private void line(WireReader in) throws IOException {
    if (count >= maxLines) {
      count++; // too many: the batch is refused by its count
      return;
    }
    if (count == time.length) {
      grow();
    }
    int i = count++;
    int from = in.position();
    lineOffset[i] = from;
    time[i] = 0;
    msgOffset[i] = from;
    msgLength[i] = 0;
    reqOffset[i] = from;
    reqLength[i] = 0;
    int level = 0;
    int stream = 0;
    boolean plain = true;
    while (!in.atEnd()) {
      int tag = in.readTag();
      switch (tag) {
        case Tags.LINE_TIME -> time[i] = in.readVarint();
        case Tags.LINE_LEVEL -> level = (int) in.readVarint();
        case Tags.LINE_STREAM -> stream = (int) in.readVarint();
        case Tags.LINE_MESSAGE, Tags.LINE_REQUEST_ID -> {
          int length = in.readLength();
          int at = in.position();
          if (!ascii(buf, at, length)
              && !UnsafeByteOperations.unsafeWrap(buf, at, length).isValidUtf8()) {
            throw new InvalidProtocolBufferException("Protocol message had invalid UTF-8.");
          }
          if (tag == Tags.LINE_MESSAGE) {
            msgOffset[i] = at;
            msgLength[i] = length;
          } else {
            reqOffset[i] = at;
            reqLength[i] = length;
          }
          in.skip(length);
        }
        default -> {
          // Fields, trace and span ids, unknown fields, known ones with another wire type:
          // the protobuf parser's business.
          plain = false;
          in.skipField(tag);
        }
      }
    }
    lineLength[i] = in.position() - from;
    if (level < 0 || level > MAX_LEVEL || stream < 0 || stream > MAX_STREAM) {
      plain = false; // a value this broker does not know: read as protobuf reads it
    }
    attrs[i] = (level & 0xff) | (stream & 0xff) << 8 | (plain ? PLAIN : 0);
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class,
          java.nio.ByteOrder.LITTLE_ENDIAN);

  /**
   * True if every byte is ASCII (so the text is valid UTF-8), eight at a time: most log lines
   * are, and this is several times quicker than a general UTF-8 check.
   */
  static boolean ascii(byte[] bytes, int offset, int length) {
    int i = offset;
    int end = offset + length;
    long bits = 0;
    for (; i + 8 <= end; i += 8) {
      bits |= (long) LONGS.get(bytes, i);
    }
    for (; i < end; i++) {
      bits |= bytes[i];
    }
    return (bits & 0x8080808080808080L) == 0;
  }

  private void grow() {
    int n = time.length * 2;
    time = Arrays.copyOf(time, n);
    attrs = Arrays.copyOf(attrs, n);
    lineOffset = Arrays.copyOf(lineOffset, n);
    lineLength = Arrays.copyOf(lineLength, n);
    msgOffset = Arrays.copyOf(msgOffset, n);
    msgLength = Arrays.copyOf(msgLength, n);
    reqOffset = Arrays.copyOf(reqOffset, n);
    reqLength = Arrays.copyOf(reqLength, n);
  }

  // ---- what ingest reads ---------------------------------------------------------------------

  public long firstSeq() {
    return firstSeq;
  }

  public int count() {
    return count;
  }

  /** True if line {@code i} is only time, level, stream, message and request id. */
  boolean plain(int i) {
    return (attrs[i] & PLAIN) != 0;
  }

  long time(int i) {
    return time[i];
  }

  /** The level number as sent (0 when unset); only meaningful for a plain line. */
  int level(int i) {
    return attrs[i] & 0xff;
  }

  /** The stream number as sent (0 when unset); only meaningful for a plain line. */
  int stream(int i) {
    return (attrs[i] >> 8) & 0xff;
  }

  byte[] bytes() {
    return buf;
  }

  int messageOffset(int i) {
    return msgOffset[i];
  }

  int messageLength(int i) {
    return msgLength[i];
  }

  /** The line's encoded size, as {@code LogLine.getSerializedSize()} would give it. */
  int lineLength(int i) {
    return lineLength[i];
  }

  /** The request id, or "" when the line names none. */
  int requestIdOffset(int i) {
    return reqOffset[i];
  }

  int requestIdLength(int i) {
    return reqLength[i];
  }

  String requestId(int i) {
    return reqLength[i] == 0 ? ""
        : new String(buf, reqOffset[i], reqLength[i], StandardCharsets.UTF_8);
  }

  /** Line {@code i} parsed by protobuf. */
  LogLine line(int i) {
    try {
      return LogLine.parseFrom(CodedInputStream.newInstance(buf, lineOffset[i], lineLength[i]));
    } catch (IOException e) {
      // The framing was checked when the batch was read; what protobuf refuses beyond that
      // (a field's own content) is a bad frame all the same.
      throw SluiceException.invalid("batch.lines[" + i + "]: does not parse as a LogLine ("
          + e.getMessage() + ")");
    }
  }
}
