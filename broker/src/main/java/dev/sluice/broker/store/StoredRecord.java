package dev.sluice.broker.store;

import dev.sluice.proto.v1.Record;
import dev.sluice.proto.wire.Tags;
import dev.sluice.proto.wire.WireWriter;
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

  /** The stored record of {@code draft}, encoded with {@code seq} and its cursor. */
  public static StoredRecord of(long seq, Draft draft) {
    return new StoredRecord(seq, draft.subject(), draft.record(), draft.encode(seq));
  }

  /** Bytes of a record's seq and cursor fields ({@link #prefix}) for {@code seq}. */
  public static int prefixSize(long seq) {
    return WireWriter.varintFieldSize(Tags.RECORD_SEQ, seq)
        + WireWriter.delimitedSize(Tags.RECORD_CURSOR, Cursor.LENGTH);
  }

  /**
   * Writes the seq and cursor fields of {@code seq} at {@code out[at]}, as protobuf writes
   * them (they come first in field order); returns where they end. A record's bytes are these
   * followed by the rest of its fields.
   */
  public static int prefix(long seq, byte[] out, int at) {
    at = WireWriter.varintField(Tags.RECORD_SEQ, seq, out, at);
    at = WireWriter.delimitedHead(Tags.RECORD_CURSOR, Cursor.LENGTH, out, at);
    return Cursor.write(seq, out, at);
  }

  /** {@code body} (a record's fields after seq and cursor) with {@code seq}'s prefix in front. */
  static byte[] withSeq(long seq, byte[] body) {
    byte[] bytes = new byte[prefixSize(seq) + body.length];
    int at = prefix(seq, bytes, 0);
    System.arraycopy(body, 0, bytes, at, body.length);
    return bytes;
  }
}
