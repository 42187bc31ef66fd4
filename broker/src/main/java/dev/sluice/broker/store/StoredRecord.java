package dev.sluice.broker.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.sluice.proto.v1.Record;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * A record as stored: its broker sequence number, the message for predicates, and its wire
 * bytes, encoded once at append and reused for every subscriber and the store itself.
 *
 * <p>{@link #record()} is the record as ingest built it, without seq and cursor; the wire bytes
 * carry both. Protobuf reads fields in any order, so the store writes seq and cursor in front
 * of the draft's bytes instead of building the message a second time.
 */
public record StoredRecord(long seq, Record record, byte[] encoded) {
  public StoredRecord {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(encoded, "encoded");
  }

  /** Encodes {@code draft} once, with {@code seq} and its cursor in front. */
  public static StoredRecord of(long seq, Record draft) {
    ByteString cursor = Cursor.of(seq);
    int size = CodedOutputStream.computeUInt64Size(Record.SEQ_FIELD_NUMBER, seq)
        + CodedOutputStream.computeBytesSize(Record.CURSOR_FIELD_NUMBER, cursor)
        + draft.getSerializedSize();
    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeUInt64(Record.SEQ_FIELD_NUMBER, seq);
      out.writeBytes(Record.CURSOR_FIELD_NUMBER, cursor);
      draft.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new StoredRecord(seq, draft, bytes);
  }

  public String subject() {
    return record.getSubject();
  }
}
