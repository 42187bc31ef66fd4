package dev.sluice.client.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailResponse;
import org.junit.jupiter.api.Test;

class TailMessageTest {
  private static Record record(int i) {
    return Record.newBuilder().setSeq(i).setCursor(ByteString.copyFromUtf8("c" + i))
        .setSubject("app.r1.q" + i).setMessage("line " + i + " ✓")
        .setLabels(Labels.newBuilder().setAppName("app").setRunnerId("r1")).build();
  }

  @Test
  void noticesComeFirstAndRecordsReadLazilyAsProtobufReadsThem() throws Exception {
    Notice dropped = Notice.newBuilder().setKind(NoticeKind.DROPPED).setCount(3).build();
    TailResponse response = TailResponse.newBuilder().addRecords(record(1)).addRecords(record(2))
        .addNotices(dropped).build();

    TailMessage message = TailMessage.parse(response.toByteArray());

    assertThat(message.events()).isEqualTo(3);
    assertThat(message.records()).isEqualTo(2);
    assertThat(message.event(0)).isEqualTo(new TailEvent.NoticeEvent(dropped));
    for (int i = 1; i <= 2; i++) {
      TailEvent.RecordEvent event = (TailEvent.RecordEvent) message.event(i);
      assertThat(event.message().toStringUtf8()).isEqualTo("line " + i + " ✓");
      assertThat(event.cursor().toStringUtf8()).isEqualTo("c" + i);
      assertThat(event.bytes()).isEqualTo(record(i).toByteString());
      assertThat(event.record()).isEqualTo(record(i));
      assertThat(event).isEqualTo(new TailEvent.RecordEvent(record(i)));
    }
  }

  @Test
  void aFieldSentTwiceReadsAsItsLastValueAndAMissingOneAsEmpty() throws Exception {
    // On the wire a singular field may appear twice; protobuf keeps the last value.
    ByteString twice = Record.newBuilder().setMessage("first").build().toByteString()
        .concat(Record.newBuilder().setMessage("second").build().toByteString());
    ByteString response = ByteString.copyFrom(new byte[] {
        (byte) (TailResponse.RECORDS_FIELD_NUMBER << 3 | 2), (byte) twice.size()})
        .concat(twice)
        .concat(TailResponse.newBuilder().addRecords(Record.getDefaultInstance()).build()
            .toByteString());

    TailMessage message = TailMessage.parse(response.toByteArray());

    assertThat(message.record(0).message().toStringUtf8()).isEqualTo("second");
    assertThat(message.record(0).record().getMessage()).isEqualTo("second");
    assertThat(message.record(1).message()).isEqualTo(ByteString.EMPTY);
    assertThat(message.record(1).cursor()).isEqualTo(ByteString.EMPTY);
  }

  @Test
  void aRecordThatDoesNotParseFailsWhenRead() throws Exception {
    ByteString broken = ByteString.copyFrom(new byte[] {(byte) (TailResponse.RECORDS_FIELD_NUMBER
        << 3 | 2), 2, (byte) (Record.MESSAGE_FIELD_NUMBER << 3 | 2), 9});

    TailEvent.RecordEvent event = TailMessage.parse(broken.toByteArray()).record(0);

    assertThatThrownBy(event::record).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("does not parse");
  }

  @Test
  void aRecordsMessageIsFoundPastFieldsOfEveryWireTypeAsProtobufFindsIt() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    com.google.protobuf.CodedOutputStream coded = com.google.protobuf.CodedOutputStream
        .newInstance(out);
    coded.writeFixed64(1000, -1L); // fields this client does not know, of each wire type
    coded.writeFixed32(1001, 7);
    coded.writeUInt64(1002, -1L); // a ten-byte varint
    coded.writeBytes(1003, ByteString.copyFromUtf8("x".repeat(300))); // a two-byte length
    coded.flush();
    ByteString record = ByteString.copyFrom(out.toByteArray()).concat(record(5).toByteString());
    ByteString response = TailResponse.newBuilder().build().toByteString().concat(ByteString
        .copyFrom(new byte[] {(byte) (TailResponse.RECORDS_FIELD_NUMBER << 3 | 2),
            (byte) (record.size() & 0x7f | 0x80), (byte) (record.size() >>> 7)}))
        .concat(record);

    TailEvent.RecordEvent event = TailMessage.parse(response.toByteArray()).record(0);

    assertThat(event.message()).isEqualTo(event.record().getMessageBytes())
        .isEqualTo(ByteString.copyFromUtf8("line 5 ✓"));
    assertThat(event.cursor().toStringUtf8()).isEqualTo("c5");
  }

  @Test
  void varintsOfEveryLengthAreSkippedWhereverTheyEnd() throws Exception {
    for (int bytes = 1; bytes <= 10; bytes++) {
      long value = bytes == 10 ? -1L : (1L << (7 * bytes)) - 1; // exactly `bytes` long
      for (boolean last : new boolean[] {false, true}) { // before the message, or at the end
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream coded = com.google.protobuf.CodedOutputStream
            .newInstance(out);
        if (!last) {
          coded.writeUInt64(1002, value);
        }
        coded.writeBytes(Record.MESSAGE_FIELD_NUMBER, ByteString.copyFromUtf8("m" + bytes));
        if (last) {
          coded.writeUInt64(1002, value);
        }
        coded.flush();
        byte[] record = out.toByteArray();
        byte[] response = new byte[record.length + 2];
        response[0] = (byte) (TailResponse.RECORDS_FIELD_NUMBER << 3 | 2);
        response[1] = (byte) record.length;
        System.arraycopy(record, 0, response, 2, record.length);

        TailEvent.RecordEvent event = TailMessage.parse(response).record(0);

        assertThat(event.message()).as(bytes + " bytes, last " + last)
            .isEqualTo(ByteString.copyFromUtf8("m" + bytes))
            .isEqualTo(event.record().getMessageBytes());
      }
    }
  }

  @Test
  void aVarintLongerThanTenBytesFailsWhenTheMessageIsRead() throws Exception {
    byte[] record = new byte[15];
    record[0] = (byte) (Record.SEQ_FIELD_NUMBER << 3);
    java.util.Arrays.fill(record, 1, 12, (byte) 0x80); // eleven bytes with the high bit set
    record[12] = 1;
    record[13] = (byte) (Record.MESSAGE_FIELD_NUMBER << 3 | 2);
    record[14] = 0;
    byte[] response = new byte[record.length + 2];
    response[0] = (byte) (TailResponse.RECORDS_FIELD_NUMBER << 3 | 2);
    response[1] = (byte) record.length;
    System.arraycopy(record, 0, response, 2, record.length);

    TailEvent.RecordEvent event = TailMessage.parse(response).record(0);

    assertThatThrownBy(event::message).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("malformed varint");
  }

  @Test
  void anUnknownGroupIsSkippedAsProtobufSkipsIt() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    com.google.protobuf.CodedOutputStream coded = com.google.protobuf.CodedOutputStream
        .newInstance(out);
    coded.writeTag(1000, com.google.protobuf.WireFormat.WIRETYPE_START_GROUP);
    coded.writeUInt32(1, 42); // inside the group
    coded.writeTag(1000, com.google.protobuf.WireFormat.WIRETYPE_END_GROUP);
    coded.flush();
    byte[] group = out.toByteArray();
    ByteString record = ByteString.copyFrom(group).concat(record(6).toByteString());
    byte[] response = ByteString.copyFrom(new byte[] {
        (byte) (TailResponse.RECORDS_FIELD_NUMBER << 3 | 2), (byte) (record.size() & 0x7f | 0x80),
        (byte) (record.size() >>> 7)}).concat(record).toByteArray();

    TailEvent.RecordEvent event = TailMessage.parse(response).record(0);

    assertThat(event.message()).isEqualTo(event.record().getMessageBytes())
        .isEqualTo(ByteString.copyFromUtf8("line 6 ✓"));
  }

  @Test
  void aTruncatedRecordFailsWhenItsMessageIsRead() throws Exception {
    for (byte[] record : new byte[][] {
        {(byte) (Record.MESSAGE_FIELD_NUMBER << 3 | 2), 9, 'a'}, // shorter than its length
        {(byte) (Record.SEQ_FIELD_NUMBER << 3), (byte) 0x80}, // a varint cut short
        {(byte) (Record.MESSAGE_FIELD_NUMBER << 3 | 3)}, // a group that never ends
        {0, 1}}) { // a field numbered 0
      byte[] response = new byte[record.length + 2];
      response[0] = (byte) (TailResponse.RECORDS_FIELD_NUMBER << 3 | 2);
      response[1] = (byte) record.length;
      System.arraycopy(record, 0, response, 2, record.length);

      TailEvent.RecordEvent event = TailMessage.parse(response).record(0);

      assertThatThrownBy(event::message).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("does not parse");
    }
  }
}
