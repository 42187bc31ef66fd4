package dev.sluice.broker.store;

import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A record before the store numbers it: its encoding without seq and cursor ({@code body}),
 * and what the store's indexes need of it, so a plain line never has to exist as a
 * {@link Record} object on the way in.
 *
 * @param subject the record's subject
 * @param labels its labels (shared by every line of a request)
 * @param timeUnixNano its time
 * @param body its encoding without seq and cursor, exactly as protobuf would write it
 * @param record the record itself when ingest built one (request events, markers, lines with
 *     fields), or null
 */
public record Draft(String subject, Labels labels, long timeUnixNano, byte[] body,
    Record record) {
  public Draft {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(body, "body");
  }

  /** The draft of a built record. */
  public static Draft of(Record record) {
    return new Draft(record.getSubject(), record.getLabels(), record.getTimeUnixNano(),
        record.toByteArray(), record);
  }

  /** The drafts of built records. */
  public static List<Draft> of(List<Record> records) {
    List<Draft> out = new ArrayList<>(records.size());
    for (Record r : records) {
      out.add(of(r));
    }
    return out;
  }
}
