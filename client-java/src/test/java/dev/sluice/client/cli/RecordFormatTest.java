package dev.sluice.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.tail.TailEvent;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.RequestInfo;
import dev.sluice.proto.v1.RequestStatus;
import dev.sluice.proto.v1.Stream;
import org.junit.jupiter.api.Test;

/** How events are printed, without a broker. */
class RecordFormatTest {
  private static final long NOV_21_2026 = 1_795_256_130_123_000_000L; // 2026-11-21T10:15:30.123Z

  @Test
  void droppedNoticeIsAMarkerLine() {
    TailEvent dropped = new TailEvent.NoticeEvent(Notice.newBuilder()
        .setKind(NoticeKind.DROPPED).setCount(1532).setDetail("ignored").build());

    assertThat(RecordFormat.HUMAN.format(dropped))
        .isEqualTo("--- dropped 1532 records (subscriber too slow) ---");
    assertThat(RecordFormat.JSON.format(dropped))
        .isEqualTo("{\"notice\":\"DROPPED\",\"count\":1532,\"detail\":\"ignored\"}");
  }

  @Test
  void aGapNoticeSaysWhichRecordsAreMissingAndWhy() {
    TailEvent lost = new TailEvent.NoticeEvent(Notice.newBuilder().setKind(NoticeKind.GAP)
        .setCount(2).setFirstSeq(41).setLastSeq(42)
        .setDetail("records 41-42 were lost to damage in the store").build());
    TailEvent old = new TailEvent.NoticeEvent(Notice.newBuilder().setKind(NoticeKind.GAP)
        .setCount(7).build()); // from a broker that named no range

    assertThat(RecordFormat.HUMAN.format(lost))
        .isEqualTo("--- records 41-42 were lost to damage in the store ---");
    assertThat(RecordFormat.JSON.format(lost)).isEqualTo("{\"notice\":\"GAP\",\"count\":2,"
        + "\"detail\":\"records 41-42 were lost to damage in the store\",\"first_seq\":41,"
        + "\"last_seq\":42}");
    assertThat(RecordFormat.HUMAN.format(old))
        .isEqualTo("--- 7 earlier records are no longer stored ---");
  }

  @Test
  void humanLineHasTheDocumentedShape() {
    Record record = Record.newBuilder().setTimeUnixNano(NOV_21_2026).setLevel(Level.INFO)
        .setSubject("demo-model.runner-1.req-7").setMessage("message").putFields("k", "v")
        .build();

    assertThat(RecordFormat.HUMAN.format(new TailEvent.RecordEvent(record)))
        .isEqualTo("2026-11-21T10:15:30.123Z INFO  demo-model.runner-1.req-7  message  k=v");
  }

  @Test
  void requestEndInJsonCarriesItsStatus() {
    Record end = Record.newBuilder().setSeq(9).setTimeUnixNano(NOV_21_2026).setLevel(Level.INFO)
        .setSubject("a.b.c").setKind(RecordKind.REQUEST_END).setMessage("request c ended")
        .setRequest(RequestInfo.newBuilder().setStatus(RequestStatus.REQUEST_ERROR)
            .setStatusMessage("OOM"))
        .build();

    assertThat(RecordFormat.JSON.format(new TailEvent.RecordEvent(end))).isEqualTo("{\"seq\":9,"
        + "\"time\":\"2026-11-21T10:15:30.123Z\",\"time_unix_nano\":" + NOV_21_2026 + ","
        + "\"level\":\"INFO\",\"subject\":\"a.b.c\",\"kind\":\"REQUEST_END\","
        + "\"stream\":\"STREAM_UNSPECIFIED\",\"message\":\"request c ended\",\"fields\":{},"
        + "\"labels\":{},\"request\":{\"status\":\"REQUEST_ERROR\",\"status_message\":\"OOM\"}}");
  }

  @Test
  void jsonCarriesPartsTraceFieldsLabelsAndTheCaller() {
    Record start = Record.newBuilder().setSeq(3).setTimeUnixNano(NOV_21_2026)
        .setLevel(Level.WARN).setSubject("a.b.c").setKind(RecordKind.REQUEST_START)
        .setStream(Stream.STDERR).setMessage("tab\there \"q\" \u2029 \uD83D\uDE00")
        .setPart(2).setParts(3).setTraceId("t1").setSpanId("s1")
        .putFields("z", "last").putFields("a", "first\u001f")
        .setLabels(Labels.newBuilder().setAccount("acme").setAppName("a").setRunnerId("b")
            .setRequestId("c").setSource("run"))
        .setRequest(RequestInfo.newBuilder().setCaller("user-42")
            .setStatus(RequestStatus.REQUEST_ERROR).setStatusMessage("ignored: not the end"))
        .build();

    assertThat(RecordFormat.JSON.format(new TailEvent.RecordEvent(start))).isEqualTo("{"
        + "\"seq\":3,\"time\":\"2026-11-21T10:15:30.123Z\",\"time_unix_nano\":" + NOV_21_2026
        + ",\"level\":\"WARN\",\"subject\":\"a.b.c\",\"kind\":\"REQUEST_START\","
        + "\"stream\":\"STDERR\",\"message\":\"tab\\there \\\"q\\\" \\u2029 \uD83D\uDE00\","
        + "\"part\":2,\"parts\":3,\"trace_id\":\"t1\",\"span_id\":\"s1\","
        + "\"fields\":{\"a\":\"first\\u001f\",\"z\":\"last\"},"
        + "\"labels\":{\"account\":\"acme\",\"app_name\":\"a\",\"request_id\":\"c\","
        + "\"runner_id\":\"b\",\"source\":\"run\"},\"request\":{\"caller\":\"user-42\"}}");
  }

  @Test
  void humanLineQuotesFieldValuesWithSpacesOrControlCharacters() {
    Record record = Record.newBuilder().setTimeUnixNano(NOV_21_2026).setLevel(Level.ERROR)
        .setSubject("a.b.c").setMessage("m").putFields("plain", "v").putFields("spaced", "a b")
        .putFields("empty", "").putFields("ctl", "x\u007fy\u2028").build();

    assertThat(RecordFormat.HUMAN.format(new TailEvent.RecordEvent(record)))
        .isEqualTo("2026-11-21T10:15:30.123Z ERROR a.b.c  m  ctl=\"x\u007fy\\u2028\" "
            + "empty=\"\" plain=v spaced=\"a b\"");
  }

  @Test
  void jsonEscapesQuotesBackslashesAndControlCharacters() {
    String escaped = JsonOutput.string("a\"b\\c\n\u0001\u2028é");

    assertThat(escaped).isEqualTo("\"a\\\"b\\\\c\\n\\u0001\\u2028é\"");
  }
}
