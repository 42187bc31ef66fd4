package dev.sluice.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import dev.sluice.client.tail.TailMessage;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.RequestInfo;
import dev.sluice.proto.v1.TailResponse;
import dev.sluice.proto.wire.FieldWalk;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JSON written from a record's wire bytes is byte for byte the JSON written from the
 * parsed record (the reference), for records with every kind of field and awkward text, and
 * for every field alone at its edge values: the gateway's differential test of its hand codec.
 */
class WireJsonTest {
  private static final String[] TEXT = {"", "plain", "quote \" and back\\slash", "tab\tnew\nline",
      "ctrl \u0001\u001f", "ünïcødé ✓", "emoji 😀", "</script>", "a".repeat(3000)};

  @Test
  void writesWhatTheParsedRecordWrites() throws Exception {
    SplittableRandom random = new SplittableRandom(11);
    TailResponse.Builder message = TailResponse.newBuilder();
    for (int i = 0; i < 2_000; i++) {
      message.addRecords(record(random, i));
    }
    TailResponse response = message.build();
    TailMessage wire = TailMessage.parse(response.toByteArray());
    assertThat(wire.records()).isEqualTo(response.getRecordsCount());
    WireJson records = WireJson.local();
    for (int i = 0; i < wire.records(); i++) {
      Record r = response.getRecords(i);
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      try (JsonGenerator json = RecordJson.generator(expected)) {
        RecordJson.write(json, r);
      }
      ByteArrayOutputStream actual = new ByteArrayOutputStream();
      String cursor = records.read(wire.bytes(), wire.recordOffset(i), wire.recordLength(i));
      try (JsonGenerator json = RecordJson.generator(actual)) {
        records.write(json, cursor);
      }
      assertThat(cursor).isEqualTo(Cursors.encode(r.getCursor()));
      assertThat(actual.toString(StandardCharsets.UTF_8)).as("record %d: %s", i, r)
          .isEqualTo(expected.toString(StandardCharsets.UTF_8));
    }
  }

  /**
   * The differential walk ({@link FieldWalk}): every field of a Record at each of its edge
   * values, alone, reads and writes as the parsed record does.
   */
  @Test
  void writesEveryFieldOfARecordAsTheParsedRecordWrites() throws Exception {
    for (FieldWalk.Case c : FieldWalk.cases(Record.getDefaultInstance())) {
      Record r = (Record) c.message();
      byte[] bytes = r.toByteArray();
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      try (JsonGenerator json = RecordJson.generator(expected)) {
        RecordJson.write(json, r);
      }
      WireJson records = WireJson.local();
      String cursor = records.read(bytes, 0, bytes.length);
      ByteArrayOutputStream actual = new ByteArrayOutputStream();
      try (JsonGenerator json = RecordJson.generator(actual)) {
        records.write(json, cursor);
      }
      assertThat(cursor).as(c.name()).isEqualTo(Cursors.encode(r.getCursor()));
      assertThat(actual.toString(StandardCharsets.UTF_8)).as(c.name())
          .isEqualTo(expected.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void aRequestEndWithoutAMessageAfterOneWithAMessageInALongerBrokerMessage() throws Exception {
    // The page's screenshot scenario: a request fails with a message, the next one ends OK.
    Record failed = Record.newBuilder().setSeq(1).setSubject("app.r.req-1")
        .setMessage("x".repeat(800)).setKind(RecordKind.REQUEST_END)
        .setRequest(RequestInfo.newBuilder().setStatusValue(2).setStatusMessage("OOM")).build();
    Record ok = Record.newBuilder().setSeq(2).setSubject("app.r.req-2")
        .setKind(RecordKind.REQUEST_END).setRequest(RequestInfo.newBuilder().setStatusValue(1))
        .build();
    WireJson records = WireJson.local();
    for (Record r : new Record[] {failed, ok}) {
      TailMessage wire = TailMessage.parse(TailResponse.newBuilder().addRecords(r).build()
          .toByteArray());
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      try (JsonGenerator json = RecordJson.generator(expected)) {
        RecordJson.write(json, r);
      }
      ByteArrayOutputStream actual = new ByteArrayOutputStream();
      String cursor = records.read(wire.bytes(), wire.recordOffset(0), wire.recordLength(0));
      try (JsonGenerator json = RecordJson.generator(actual)) {
        records.write(json, cursor);
      }
      assertThat(actual.toString(StandardCharsets.UTF_8))
          .isEqualTo(expected.toString(StandardCharsets.UTF_8));
    }
  }

  private static Record record(SplittableRandom random, int i) {
    Record.Builder r = Record.newBuilder().setSeq(random.nextLong(1, Long.MAX_VALUE))
        .setTimeUnixNano(random.nextLong(0, 7_000_000_000_000_000_000L))
        .setSubject("app.runner-" + i % 7 + "." + (i % 3 == 0 ? "_" : "req-" + i))
        .setKindValue(random.nextInt(0, 5)) // 4: a kind this gateway does not know
        .setLevelValue(random.nextInt(0, 8))
        .setStreamValue(random.nextInt(0, 5))
        .setMessage(text(random));
    if (random.nextBoolean()) {
      r.setCursor(ByteString.copyFrom(new byte[] {1, (byte) i, (byte) (i >> 8), -1}));
    }
    if (random.nextInt(4) > 0) {
      Labels.Builder l = Labels.newBuilder().setAccount("acct").setAppName("app")
          .setRunnerId("runner-" + i % 7).setRequestId(i % 3 == 0 ? "_" : "req-" + i);
      if (random.nextBoolean()) {
        l.setAppId(text(random)).setJobId("job").setEndpoint("/predict").setNodeId("n")
            .setWorkerId("w").setVersion("v1").setSource("run").setIsolateSource("user")
            .setCaller("carol");
      }
      r.setLabels(l);
    }
    if (random.nextBoolean()) {
      r.setTraceId("0123456789abcdef0123456789abcdef").setSpanId("0123456789abcdef");
    }
    int fields = random.nextInt(0, 4);
    for (int f = 0; f < fields; f++) {
      r.putFields(text(random) + f, text(random));
    }
    if (random.nextInt(5) == 0) {
      r.setPart(2).setParts(3);
    }
    if (random.nextInt(3) == 0) {
      r.setRequest(RequestInfo.newBuilder().setCaller(random.nextBoolean() ? "carol" : "")
          .setStatusValue(random.nextInt(0, 6)).setStatusMessage(text(random)));
      if (random.nextBoolean()) {
        r.setKind(RecordKind.REQUEST_END);
      }
    }
    return r.build();
  }

  private static String text(SplittableRandom random) {
    return TEXT[random.nextInt(TEXT.length)];
  }
}
