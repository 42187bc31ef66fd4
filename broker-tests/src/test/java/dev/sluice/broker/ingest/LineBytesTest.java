package dev.sluice.broker.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.store.StoredRecord;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.Stream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LineBytesTest {
  private static final RequestScope SCOPE = RequestScope.of("req-7", "app.r1.req-7",
      Labels.newBuilder().setAccount("acme").setAppName("app").setRunnerId("r1")
          .setRequestId("req-7").setCaller("user-42").setEndpoint("/predict").build());

  @ParameterizedTest
  @ValueSource(strings = {"hello", "", "héllo wörld ✓ 𝄞", "x"})
  void encodesExactlyWhatProtobufWrites(String message) {
    long time = 1_700_000_000_123_456_789L;
    long ingest = 1_700_000_000_200_000_000L;
    Record draft = Record.newBuilder().setSubject(SCOPE.subject()).setKind(RecordKind.LINE)
        .setTimeUnixNano(time).setLevel(Level.WARN).setStream(Stream.STDERR)
        .setMessage(message).setLabels(SCOPE.labels()).setIngestTimeUnixNano(ingest).build();

    byte[] utf8 = ("xx" + message).getBytes(StandardCharsets.UTF_8);
    for (long seq : new long[] {1, 42, 300, 1L << 40}) {
      byte[] stored = LineBytes.encode(seq, SCOPE, RecordKind.LINE_VALUE, time, Level.WARN_VALUE,
          Stream.STDERR_VALUE, utf8, 2, utf8.length - 2, ingest);
      assertThat(stored).isEqualTo(draft.toBuilder().setSeq(seq)
          .setCursor(dev.sluice.broker.store.Cursor.of(seq)).build().toByteArray());
      assertThat(StoredRecord.of(seq, draft).encoded()).isEqualTo(stored);
    }
  }
}
