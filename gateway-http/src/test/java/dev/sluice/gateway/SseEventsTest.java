package dev.sluice.gateway;

import com.google.protobuf.ByteString;
import dev.sluice.client.tail.TailMessage;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailResponse;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/** How one broker message becomes SSE events: notices first, as named events; then records. */
class SseEventsTest {
  @Test
  void noticesAreNamedEventsBeforeTheRecordsAndRecordsCarryTheirCursor() throws Exception {
    TailResponse message = TailResponse.newBuilder()
        .addNotices(Notice.newBuilder().setKind(NoticeKind.DROPPED).setCount(1532)
            .setDetail("dropped 1532 records: subscriber too slow"))
        .addNotices(Notice.newBuilder().setKind(NoticeKind.GAP).setCount(2).setFirstSeq(7)
            .setLastSeq(8).setDetail("records 7..8 were damaged on disk"))
        .addRecords(Record.newBuilder().setSeq(9).setCursor(ByteString.copyFrom(new byte[] {1,
            2, 3})).setSubject("demo.r1._").setLevel(Level.ERROR)
            .setMessage("two\nlines \"quoted\""))
        .build();
    String text = SseTail.events(TailMessage.parse(message.toByteArray()))
        .toString(StandardCharsets.UTF_8);
    String[] events = text.split("\n\n");
    assertThat(events).hasSize(3);
    assertThat(events[0]).startsWith("event: dropped\ndata: ");
    assertThat(new JsonObject(events[0].substring(events[0].indexOf("data: ") + 6))
        .getLong("count")).isEqualTo(1532);
    assertThat(events[1]).startsWith("event: gap\ndata: ");
    JsonObject gap = new JsonObject(events[1].substring(events[1].indexOf("data: ") + 6));
    assertThat(gap.getLong("first_seq")).isEqualTo(7);
    assertThat(gap.getLong("last_seq")).isEqualTo(8);
    assertThat(events[2]).startsWith("id: AQID\ndata: ");
    // A line break inside a message stays escaped: one data line per event.
    assertThat(events[2].split("\n")).hasSize(2);
    JsonObject record = new JsonObject(events[2].substring(events[2].indexOf("data: ") + 6));
    assertThat(record.getString("message")).isEqualTo("two\nlines \"quoted\"");
    assertThat(record.getString("level")).isEqualTo("error");
    assertThat(record.getString("cursor")).isEqualTo("AQID");
  }
}
