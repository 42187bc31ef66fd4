package dev.sluice.client.tail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.proto.wire.FieldWalk;
import org.junit.jupiter.api.Test;

/**
 * The subscriber's hand codec against protobuf, field by field ({@link FieldWalk}):
 * {@link TailMessage} finds every record and notice of every TailResponse protobuf wrote, and
 * a record's message and cursor ({@link TailEvent.RecordEvent}) read from its bytes are what
 * protobuf reads, whatever other fields the record carries.
 */
class WireDifferentialTest {
  @Test
  void readsEveryFieldOfATailResponseAsProtobufWroteIt() throws Exception {
    for (FieldWalk.Case c : FieldWalk.cases(TailResponse.getDefaultInstance())) {
      TailResponse response = (TailResponse) c.message();

      TailMessage message = TailMessage.parse(response.toByteArray());

      assertThat(message.notices()).as(c.name()).isEqualTo(response.getNoticesList());
      assertThat(message.records()).as(c.name()).isEqualTo(response.getRecordsCount());
      for (int i = 0; i < message.records(); i++) {
        Record record = response.getRecords(i);
        TailEvent.RecordEvent event = message.record(i);
        String what = c.name() + ", record " + i;
        assertThat(event.message()).as(what).isEqualTo(record.getMessageBytes());
        assertThat(event.cursor()).as(what).isEqualTo(record.getCursor());
        assertThat(event.bytes()).as(what).isEqualTo(record.toByteString());
        assertThat(event.record()).as(what).isEqualTo(record);
      }
    }
  }
}
