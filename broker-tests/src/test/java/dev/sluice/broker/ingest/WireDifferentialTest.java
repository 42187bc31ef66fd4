package dev.sluice.broker.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.store.Cursor;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.Stream;
import dev.sluice.proto.wire.FieldWalk;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Ingest's hand codecs against protobuf, field by field ({@link FieldWalk}): {@link RawBatch}
 * reads every field of a LogBatch and its lines as protobuf wrote them, and a stored record
 * (the store's seq-and-cursor prefix, {@link RequestScope}'s subject and labels, and
 * {@link LineBytes}' line) is the bytes protobuf writes for it.
 */
class WireDifferentialTest {
  /** What a plain line's record always has: its seq, subject and labels. */
  private static final Record LINE = Record.newBuilder().setSeq(42).setSubject("app.r1.req-7")
      .setLabels(Labels.newBuilder().setAccount("acme").setAppName("app").setRunnerId("r1")
          .setRequestId("req-7"))
      .build();

  @Test
  void readsEveryFieldOfABatchAndItsLinesAsProtobufWroteThem() throws Exception {
    for (FieldWalk.Case c : FieldWalk.cases(LogBatch.getDefaultInstance())) {
      LogBatch batch = (LogBatch) c.message();
      byte[] bytes = batch.toByteArray();

      RawBatch raw = RawBatch.parse(bytes, 0, bytes.length);

      assertThat(raw.firstSeq()).as(c.name()).isEqualTo(batch.getFirstSeq());
      assertThat(raw.count()).as(c.name()).isEqualTo(batch.getLinesCount());
      for (int i = 0; i < raw.count(); i++) {
        LogLine line = batch.getLines(i);
        String what = c.name() + ", line " + i;
        assertThat(raw.line(i)).as(what).isEqualTo(line);
        assertThat(raw.lineLength(i)).as(what).isEqualTo(line.getSerializedSize());
        assertThat(raw.plain(i)).as(what).isEqualTo(plain(line));
        if (raw.plain(i)) {
          assertThat(raw.time(i)).as(what).isEqualTo(line.getTimeUnixNano());
          assertThat(raw.level(i)).as(what).isEqualTo(line.getLevelValue());
          assertThat(raw.stream(i)).as(what).isEqualTo(line.getStreamValue());
          assertThat(new String(raw.bytes(), raw.messageOffset(i), raw.messageLength(i),
              StandardCharsets.UTF_8)).as(what).isEqualTo(line.getMessage());
          assertThat(raw.requestId(i)).as(what).isEqualTo(line.getRequestId());
        }
      }
    }
  }

  @Test
  void writesEveryFieldOfALineRecordAsProtobufDoes() {
    // The cursor is the seq's (Cursor.of); a line with fields, trace ids, request details or
    // parts is no plain line, and protobuf encodes its record.
    for (FieldWalk.Case c : FieldWalk.cases(LINE,
        Set.of("seq", "subject", "kind", "time_unix_nano", "level", "stream", "message",
            "labels", "ingest_time_unix_nano"),
        Set.of("cursor", "fields", "trace_id", "span_id", "request", "part", "parts"))) {
      Record r = (Record) c.message();
      byte[] message = ("xx" + r.getMessage()).getBytes(StandardCharsets.UTF_8);
      RequestScope scope = RequestScope.of(r.getLabels().getRequestId(), r.getSubject(),
          r.getLabels());

      byte[] stored = LineBytes.encode(r.getSeq(), scope, r.getKindValue(), r.getTimeUnixNano(),
          r.getLevelValue(), r.getStreamValue(), message, 2, message.length - 2,
          r.getIngestTimeUnixNano());

      assertThat(stored).as(c.name())
          .isEqualTo(r.toBuilder().setCursor(Cursor.of(r.getSeq())).build().toByteArray());
    }
  }

  @Test
  void prefixesEveryRecordWithItsSeqAndCursorAsProtobufWrites() {
    Set<String> all = new java.util.TreeSet<>();
    Record.getDescriptor().getFields().forEach(f -> all.add(f.getName()));
    all.remove("cursor"); // the seq's
    for (FieldWalk.Case c : FieldWalk.cases(LINE, all, Set.of("cursor"))) {
      Record walked = (Record) c.message();
      Record r = walked.toBuilder().setCursor(Cursor.of(walked.getSeq())).build();

      StoredRecord stored = StoredRecord.of(r.getSeq(),
          r.toBuilder().clearSeq().clearCursor().build());

      assertThat(stored.encoded()).as(c.name()).isEqualTo(r.toByteArray());
    }
  }

  /** A line ingest reads without protobuf: nothing but these fields, and values it knows. */
  private static boolean plain(LogLine line) {
    return line.getFieldsCount() == 0 && line.getTraceId().isEmpty()
        && line.getSpanId().isEmpty() && line.getUnknownFields().asMap().isEmpty()
        && line.getLevelValue() >= 0 && line.getLevelValue() <= Level.FATAL_VALUE
        && line.getStreamValue() >= 0 && line.getStreamValue() <= Stream.STRUCTURED_VALUE;
  }
}
