package dev.sluice.client.tail;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.wire.Tags;
import dev.sluice.proto.wire.WireReader;
import java.io.IOException;
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
      return bytes == null ? record.getMessageBytes() : field(Tags.RECORD_MESSAGE);
    }

    /** The record's cursor, without parsing the record. */
    public ByteString cursor() {
      return bytes == null ? record.getCursor() : field(Tags.RECORD_CURSOR);
    }

    /**
     * The last occurrence of a length-delimited top-level field (protobuf's rule), or empty.
     * Walks the tags by hand: no decoder object per call, as a subscriber that reads each
     * record's message calls this for every record (a third of such a subscriber's time went
     * to CodedInputStream here).
     */
    private ByteString field(int tag) {
      long found;
      try {
        found = WireReader.lastDelimited(bytes, offset, offset + length, tag);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("a tailed record does not parse: " + e.getMessage(), e);
      }
      return found < 0 ? ByteString.EMPTY
          : UnsafeByteOperations.unsafeWrap(bytes, (int) (found >>> 32), (int) found);
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
