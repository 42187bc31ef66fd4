package dev.sluice.client.tail;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.Record;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * What a tail delivers: a stored {@link Record}, or a {@link Notice} such as "dropped 1532
 * records" that applies at that point of the stream. A notice arrives before the records it
 * precedes.
 *
 * <pre>{@code
 * for (TailEvent event : (Iterable<TailEvent>) () -> subscription) {
 *   if (event instanceof TailEvent.RecordEvent r) {
 *     System.out.println(r.record().getMessage());
 *   } else if (event instanceof TailEvent.NoticeEvent n) {
 *     System.out.println("--- " + n.notice().getDetail());
 *   }
 * }
 * }</pre>
 */
public sealed interface TailEvent permits TailEvent.RecordEvent, TailEvent.NoticeEvent {

  /**
   * A record that matched the tail's filter and predicates. It arrives as its wire bytes and
   * is parsed when {@link #record()} is first called; {@link #bytes()}, {@link #message()} and
   * {@link #cursor()} read it without parsing the rest (labels, fields), for consumers that
   * forward or count records. A record whose bytes do not parse fails there, with an
   * {@link IllegalStateException}.
   */
  final class RecordEvent implements TailEvent {
    private static final int MESSAGE_TAG = Record.MESSAGE_FIELD_NUMBER << 3
        | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    private static final int CURSOR_TAG = Record.CURSOR_FIELD_NUMBER << 3
        | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    private static final VarHandle LONGS =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] bytes;
    private final int offset;
    private final int length;
    private Record record;

    /** An event of a record already parsed. */
    public RecordEvent(Record record) {
      this.record = Objects.requireNonNull(record, "record");
      this.bytes = null;
      this.offset = 0;
      this.length = 0;
    }

    RecordEvent(byte[] bytes, int offset, int length) {
      this.bytes = bytes;
      this.offset = offset;
      this.length = length;
    }

    /** The record, parsed on the first call; IllegalStateException if it does not parse. */
    public Record record() {
      if (record == null) {
        try {
          record = Record.parseFrom(CodedInputStream.newInstance(bytes, offset, length));
        } catch (IOException e) {
          throw new IllegalStateException("a tailed record does not parse: " + e.getMessage(), e);
        }
      }
      return record;
    }

    /**
     * The record's wire encoding (a view, not a copy). Views share the array of the message
     * the record came in (up to about 1 MiB, a couple of thousand records): a consumer that
     * keeps a few records for long should keep copies ({@code ByteString.copyFrom}) or
     * {@link #record()}, so the rest of the message can be collected.
     */
    public ByteString bytes() {
      return bytes == null ? record.toByteString()
          : UnsafeByteOperations.unsafeWrap(bytes, offset, length);
    }

    /** The message's UTF-8 bytes (a view, not a copy), without parsing the record. */
    public ByteString message() {
      return bytes == null ? record.getMessageBytes() : field(MESSAGE_TAG);
    }

    /** The record's cursor, without parsing the record. */
    public ByteString cursor() {
      return bytes == null ? record.getCursor() : field(CURSOR_TAG);
    }

    /**
     * The last occurrence of a length-delimited top-level field (protobuf's rule), or empty.
     * Walks the tags by hand: no decoder object per call, as a subscriber that reads each
     * record's message calls this for every record (a third of such a subscriber's time went
     * to CodedInputStream here).
     */
    private ByteString field(int wanted) {
      int at = offset;
      int end = offset + length;
      int found = -1;
      int size = 0;
      while (at < end) {
        long tag = uint32(bytes, at, end);
        at += (int) (tag >>> 32);
        int type = (int) tag & 7;
        if ((int) tag >>> 3 == 0) {
          throw malformed("a field numbered 0");
        }
        if (type == WireFormat.WIRETYPE_VARINT) {
          at = skipVarint(bytes, at, end);
        } else if (type == WireFormat.WIRETYPE_FIXED64) {
          at = skip(at, 8, end);
        } else if (type == WireFormat.WIRETYPE_FIXED32) {
          at = skip(at, 4, end);
        } else if (type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          long n = uint32(bytes, at, end);
          at += (int) (n >>> 32);
          int len = (int) n;
          if (len < 0 || len > end - at) {
            throw malformed("a field runs past the record's end");
          }
          if ((int) tag == wanted) {
            found = at;
            size = len;
          }
          at += len;
        } else {
          return fieldByDecoder(wanted); // groups (unknown fields from old writers): protobuf's way
        }
      }
      return found < 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(bytes, found, size);
    }

    private ByteString fieldByDecoder(int wanted) {
      CodedInputStream in = CodedInputStream.newInstance(bytes, offset, length);
      int found = -1;
      int size = 0;
      try {
        while (!in.isAtEnd()) {
          int tag = in.readTag();
          if (tag == wanted) {
            size = in.readRawVarint32();
            found = offset + in.getTotalBytesRead();
            in.skipRawBytes(size);
          } else if (!in.skipField(tag)) {
            throw malformed("an end-group tag outside a group");
          }
        }
      } catch (IOException e) {
        throw malformed(e.getMessage());
      }
      return found < 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(bytes, found, size);
    }

    /** A varint of at most 32 bits at {@code at}: its value, and in the high half its length. */
    private static long uint32(byte[] bytes, int at, int end) {
      int value = 0;
      for (int i = 0; i < 5; i++) {
        if (at + i >= end) {
          throw malformed("a varint runs past the record's end");
        }
        byte b = bytes[at + i];
        value |= (b & 0x7f) << (7 * i);
        if (b >= 0) {
          return (long) (i + 1) << 32 | (value & 0xffffffffL);
        }
      }
      throw malformed("a tag or length is longer than 32 bits");
    }

    private static int skipVarint(byte[] bytes, int from, int end) {
      int at = from;
      if (end - at >= 8) {
        // Eight bytes at once: the first byte without its high bit ends the varint. A record
        // carries two nine-byte timestamps and a few one-byte enums before its message, and
        // the byte loop was most of the walk.
        long stops = ~(long) LONGS.get(bytes, at) & 0x8080808080808080L;
        if (stops != 0) {
          return at + (Long.numberOfTrailingZeros(stops) >>> 3) + 1;
        }
        at += 8;
      }
      for (int i = at; i < end && i < from + 10; i++) {
        if (bytes[i] >= 0) {
          return i + 1;
        }
      }
      throw malformed("a varint runs past the record's end or is longer than ten bytes");
    }

    private static int skip(int at, int n, int end) {
      if (n > end - at) {
        throw malformed("a field runs past the record's end");
      }
      return at + n;
    }

    private static IllegalStateException malformed(String why) {
      return new IllegalStateException("a tailed record does not parse: " + why);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RecordEvent other && record().equals(other.record());
    }

    @Override
    public int hashCode() {
      return record().hashCode();
    }

    @Override
    public String toString() {
      return "RecordEvent[record=" + record() + "]";
    }
  }

  /** Something the subscriber must know that is not a record (dropped, shed, gap). */
  record NoticeEvent(Notice notice) implements TailEvent {}
}
