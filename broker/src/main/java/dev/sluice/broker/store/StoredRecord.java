package dev.sluice.broker.store;

import dev.sluice.proto.v1.Record;
import java.util.Objects;

/**
 * A record as stored: its broker sequence number, the message (for predicates), and its wire
 * bytes, encoded once at append and reused for every subscriber and the store itself.
 */
public record StoredRecord(long seq, Record record, byte[] encoded) {
  public StoredRecord {
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(encoded, "encoded");
  }

  /** Encodes {@code record} once; {@code record} must already carry its seq and cursor. */
  public static StoredRecord of(Record record) {
    return new StoredRecord(record.getSeq(), record, record.toByteArray());
  }

  public String subject() {
    return record.getSubject();
  }
}
