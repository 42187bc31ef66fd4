package dev.sluice.broker.store;

import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A record before the store numbers it: how to encode it once its sequence number is known,
 * and what the store's indexes need of it, so a plain line never has to exist as a
 * {@link Record} object on the way in, and its bytes are made once, by the store, in their
 * final form.
 *
 * <p>Open for extension so that whoever appends can keep what it needs beside the record (ingest
 * keeps its route memo in its own drafts): the store hands the drafts back with what it stored
 * ({@link LogStore.Listener}) and looks at nothing but what this class defines.
 */
public class Draft {
  /** Encodes a record with {@code seq} and its cursor (see {@link StoredRecord#prefix}). */
  @FunctionalInterface
  public interface Encoding {
    byte[] encode(long seq);
  }

  private final String subject;
  private final long indexKeys;
  private final long timeUnixNano;
  private final Encoding encoding;
  private final Record record;

  /**
   * @param subject the record's subject
   * @param indexKeys {@link #indexKeys(Labels)} of its labels (the same for every line of a
   *     request, so computed once per request)
   * @param timeUnixNano its time
   * @param encoding its bytes for a given sequence number, exactly as protobuf would write the
   *     record with that seq and cursor; called once, under the store's lock, so it must not
   *     wait for anything
   * @param record the record itself when ingest built one (request events, markers, lines with
   *     fields), or null
   */
  public Draft(String subject, long indexKeys, long timeUnixNano, Encoding encoding,
      Record record) {
    this.subject = Objects.requireNonNull(subject, "subject");
    this.indexKeys = indexKeys;
    this.timeUnixNano = timeUnixNano;
    this.encoding = Objects.requireNonNull(encoding, "encoding");
    this.record = record;
  }

  /** The draft of a built record. */
  public static Draft of(Record record) {
    byte[] body = record.toByteArray();
    return new Draft(record.getSubject(), indexKeys(record.getLabels()), record.getTimeUnixNano(),
        seq -> StoredRecord.withSeq(seq, body), record);
  }

  /** The drafts of built records. */
  public static List<Draft> of(List<Record> records) {
    List<Draft> out = new ArrayList<>(records.size());
    for (Record r : records) {
      out.add(of(r));
    }
    return out;
  }

  public final String subject() {
    return subject;
  }

  /** What the store's index keeps of a record with {@code labels}: its runner and request. */
  public static long indexKeys(Labels labels) {
    return BlockIndex.keys(labels);
  }

  final long indexKeys() {
    return indexKeys;
  }

  public final long timeUnixNano() {
    return timeUnixNano;
  }

  public final Record record() {
    return record;
  }

  final byte[] encode(long seq) {
    return encoding.encode(seq);
  }
}
