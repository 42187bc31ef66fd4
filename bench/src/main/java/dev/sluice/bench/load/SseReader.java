package dev.sluice.bench.load;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.LongConsumer;

/**
 * Reads the gateway's {@code text/event-stream} as it arrives, in chunks cut anywhere, as
 * little as a client can and still check what it got: lines are split at {@code \n}, a
 * {@code data:} line of an unnamed event is a record (the gateway writes one JSON object per
 * line), and of each record only two fields are read, {@code "message"} (its first 19
 * characters are the harness's stamp, for a {@link Tap}) and {@code "seq"} (each must be
 * higher than the one before: the order is checked; a step of more than one is counted as a
 * gap). Every record must have come with an {@code id:} line (its cursor). Named events
 * ({@code dropped}, {@code gap}, {@code error}) and comments are counted.
 *
 * <p>One thread feeds it (the HTTP client's event loop); the figures are read by another.
 */
final class SseReader {
  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RETRY = "retry: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MESSAGE = "\"message\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  /** A line longer than this is not one the gateway writes for a 200-byte line. */
  private static final int MAX_LINE = 1 << 20;

  private final LongConsumer tap;
  private byte[] line = new byte[512]; // the part of a line cut by a chunk's end
  private int lineLength;
  private boolean eventHasId;
  private boolean eventNamed;
  private boolean errorEvent;
  private String lastError;
  private long records;
  private long lines; // records that carried a harness stamp
  private long withoutId;
  private long malformed;
  private long outOfOrder;
  private long gaps;
  private long notices;
  private long comments;
  private long retries;
  private long chunks;
  private long lastSeq = -1;
  private volatile long visibleRecords;

  /**
   * {@code tap} receives every record's stamp (-1 for one that is not a harness line), e.g.
   * {@link Tap#line}.
   */
  SseReader(LongConsumer tap) {
    this.tap = tap;
  }

  /** The figures so far. */
  record Stats(long records, long lines, long withoutId, long malformed, long outOfOrder,
      long gaps, long notices, long comments, long retries, long chunks, String lastError) {
    /** Null when every record came in order with its id; else what was wrong. */
    String problem() {
      if (withoutId == 0 && malformed == 0 && outOfOrder == 0 && lastError == null) {
        return null;
      }
      return String.format("%d records without an id, %d malformed, %d out of order%s",
          withoutId, malformed, outOfOrder, lastError == null ? "" : "; error event: "
              + lastError);
    }
  }

  synchronized Stats stats() {
    return new Stats(records, lines, withoutId, malformed, outOfOrder, gaps, notices, comments,
        retries, chunks, lastError);
  }

  /** Records so far (cheap, any thread). */
  long records() {
    return visibleRecords;
  }

  /** The next bytes of the body. */
  synchronized void feed(byte[] chunk, int offset, int length) {
    chunks++;
    int end = offset + length;
    int i = offset;
    while (i < end) {
      int newline = indexOfNewline(chunk, i, end);
      if (newline < 0) {
        append(chunk, i, end - i);
        return;
      }
      if (lineLength == 0) {
        line(chunk, i, newline - i);
      } else {
        append(chunk, i, newline - i);
        line(line, 0, lineLength);
        lineLength = 0;
      }
      i = newline + 1;
    }
    visibleRecords = records;
  }

  private void append(byte[] bytes, int offset, int length) {
    if (lineLength + length > line.length) {
      if (lineLength + length > MAX_LINE) {
        throw new IllegalStateException("an SSE line longer than " + MAX_LINE + " bytes");
      }
      line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, lineLength + length));
    }
    System.arraycopy(bytes, offset, line, lineLength, length);
    lineLength += length;
  }

  private void line(byte[] b, int offset, int length) {
    if (length > 0 && b[offset + length - 1] == '\r') {
      length--;
    }
    if (length == 0) { // the end of an event
      eventHasId = false;
      eventNamed = false;
      errorEvent = false;
      return;
    }
    if (b[offset] == ':') {
      comments++;
    } else if (startsWith(b, offset, length, DATA)) {
      data(b, offset + DATA.length, length - DATA.length);
    } else if (startsWith(b, offset, length, ID)) {
      eventHasId = true;
    } else if (startsWith(b, offset, length, EVENT)) {
      eventNamed = true;
      errorEvent = length == EVENT.length + 5 && b[offset + EVENT.length] == 'e'
          && new String(b, offset + EVENT.length, 5, StandardCharsets.US_ASCII).equals("error");
      if (!errorEvent) {
        notices++;
      }
    } else if (startsWith(b, offset, length, RETRY)) {
      retries++;
    } else {
      malformed++;
    }
  }

  private void data(byte[] b, int offset, int length) {
    if (eventNamed) { // a notice (dropped, gap), or the error that ended the stream
      if (errorEvent) {
        lastError = new String(b, offset, length, StandardCharsets.UTF_8);
      }
      return;
    }
    records++;
    if (!eventHasId) {
      withoutId++;
    }
    int end = offset + length;
    int message = indexOf(b, MESSAGE, offset, end);
    // "seq" is near the end of the object; a message cannot hold it unescaped.
    int seqAt = message < 0 ? -1 : lastIndexOf(b, SEQ, message + MESSAGE.length, end);
    if (seqAt < 0) {
      malformed++;
      tap.accept(-1);
      return;
    }
    long seq = 0;
    int digits = 0;
    for (int i = seqAt + SEQ.length; i < end && b[i] >= '0' && b[i] <= '9'; i++, digits++) {
      seq = seq * 10 + (b[i] - '0');
    }
    if (digits == 0) {
      malformed++;
    } else {
      if (seq <= lastSeq) {
        outOfOrder++;
      } else if (lastSeq >= 0 && seq != lastSeq + 1) {
        gaps++;
      }
      lastSeq = seq;
    }
    int from = message + MESSAGE.length;
    long stamp = Workload.stamp(b, from, end - from);
    if (stamp >= 0) {
      lines++;
    }
    tap.accept(stamp);
  }

  private static boolean startsWith(byte[] b, int offset, int length, byte[] prefix) {
    return length >= prefix.length && matchesAt(b, offset, prefix);
  }

  /** True if {@code b} holds {@code what} at {@code at}; the caller checked that it fits. */
  private static boolean matchesAt(byte[] b, int at, byte[] what) {
    for (int i = 0; i < what.length; i++) {
      if (b[at + i] != what[i]) {
        return false;
      }
    }
    return true;
  }

  /** The first '\n' in {@code b[from, to)}, eight bytes at a time; -1 if none. */
  static int indexOfNewline(byte[] b, int from, int to) {
    int i = from;
    for (; i + Long.BYTES <= to; i += Long.BYTES) {
      long x = (long) LONGS.get(b, i) ^ NEWLINES; // a zero byte where b has '\n'
      long zeros = (x - ONES) & ~x & HIGHS; // the lowest flag marks the first zero byte
      if (zeros != 0) {
        return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** The last {@code what} that starts in {@code b[from, to)} and ends by {@code to}; -1 if none. */
  private static int lastIndexOf(byte[] b, byte[] what, int from, int to) {
    for (int i = to - what.length; i >= from; i--) {
      if (matchesAt(b, i, what)) {
        return i;
      }
    }
    return -1;
  }

  /** The first {@code what} in {@code b[from, to)}; -1 if none. */
  private static int indexOf(byte[] b, byte[] what, int from, int to) {
    for (int i = from, last = to - what.length; i <= last; i++) {
      if (matchesAt(b, i, what)) {
        return i;
      }
    }
    return -1;
  }
}
