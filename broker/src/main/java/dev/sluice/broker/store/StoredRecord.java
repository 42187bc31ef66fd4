package dev.sluice.broker.store;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.sluice.proto.v1.Record;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * A record as stored: its broker sequence number, subject and wire bytes, encoded once at
 * append and reused for every subscriber and the store itself.
 *
 * <p>{@link #record()} is the record as ingest built it (the wire bytes also carry seq and
 * cursor). Protobuf reads fields in any order, so the store writes seq and cursor in front of
 * the draft's bytes instead of building the message a second time. The store's in-memory
 * window keeps the {@link #compact()} form, without the parsed record: thousands of long-lived
 * object graphs are what the young collector copies, so each kept record is two objects, and
 * a reader that needs the fields parses them from the bytes.
 */
public final class StoredRecord {
  private final long seq;
  private final String subject;
  private final Record record; // null in the compact form
  private final byte[] encoded;

  public StoredRecord(long seq, Record record, byte[] encoded) {
    this(seq, Objects.requireNonNull(record, "record").getSubject(), record, encoded);
  }

  private StoredRecord(long seq, String subject, Record record, byte[] encoded) {
    this.seq = seq;
    this.subject = subject;
    this.record = record;
    this.encoded = Objects.requireNonNull(encoded, "encoded");
  }

  public long seq() {
    return seq;
  }

  public String subject() {
    return subject;
  }

  /** The wire bytes (shared: never modify them). */
  public byte[] encoded() {
    return encoded;
  }

  /** The record's fields; parsed from the bytes (each call) in the compact form. */
  public Record record() {
    if (record != null) {
      return record;
    }
    try {
      return Record.parseFrom(encoded);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored record " + seq + " does not parse", e);
    }
  }

  /** The same record without its parsed fields, for keeping in memory. */
  StoredRecord compact() {
    return record == null ? this : new StoredRecord(seq, subject, null, encoded);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoredRecord other && seq == other.seq
        && java.util.Arrays.equals(encoded, other.encoded);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(seq) * 31 + java.util.Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return "StoredRecord[seq=" + seq + ", subject=" + subject + ", " + encoded.length + " bytes]";
  }

  /** Encodes {@code draft} once, with {@code seq} and its cursor in front. */
  public static StoredRecord of(long seq, Record draft) {
    return of(seq, draft, draft.toByteArray());
  }

  /**
   * The stored record of {@code draft}, whose own encoding (without seq and cursor) is
   * {@code body}: ingest encodes a line's body off the store's locks, the store only puts the
   * sequence number and cursor in front.
   */
  public static StoredRecord of(long seq, Record draft, byte[] body) {
    return new StoredRecord(seq, draft.getSubject(), draft, withSeq(seq, body));
  }

  /** The stored record of {@code draft}: its body with {@code seq} and its cursor in front. */
  public static StoredRecord of(long seq, Draft draft) {
    return new StoredRecord(seq, draft.subject(), draft.record(), withSeq(seq, draft.body()));
  }

  private static byte[] withSeq(long seq, byte[] body) {
    int size = CodedOutputStream.computeUInt64Size(Record.SEQ_FIELD_NUMBER, seq)
        + CodedOutputStream.computeTagSize(Record.CURSOR_FIELD_NUMBER) + 1 + Cursor.LENGTH
        + body.length;
    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeUInt64(Record.SEQ_FIELD_NUMBER, seq);
      out.writeTag(Record.CURSOR_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(Cursor.LENGTH);
      Cursor.write(seq, out);
      out.writeRawBytes(body);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes;
  }
}
