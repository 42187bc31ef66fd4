package dev.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The load harness's SSE reader: records, stamps and order, whatever the chunks' cuts. */
class SseReaderTest {
  private static final String STREAM = "retry: 2000\n\n"
      + record(7, "request-start msg") + ": keep-alive\n\n"
      + record(8, Workload.payload(123_456_789L))
      + "event: dropped\ndata: {\"kind\":\"dropped\",\"count\":3,\"detail\":\"\"}\n\n"
      + record(12, Workload.payload(5L));

  private static String record(long seq, String message) {
    return "id: AAAA" + seq + "\ndata: {\"timestamp\":\"2026-12-03T00:00:00.000Z\",\"message\":\""
        + message + "\",\"level\":\"info\",\"app_name\":\"a0\",\"subject\":\"a0.r00.q0042\","
        + "\"seq\":" + seq + ",\"cursor\":\"AAAA" + seq + "\",\"kind\":\"line\","
        + "\"stream\":\"stdout\"}\n\n";
  }

  @Test
  void readsRecordsAndStampsWhereverTheChunksAreCut() {
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    for (int cut = 1; cut < bytes.length; cut++) {
      List<Long> stamps = new ArrayList<>();
      SseReader reader = new SseReader(stamps::add);
      reader.feed(bytes, 0, cut);
      reader.feed(bytes, cut, bytes.length - cut);

      assertThat(stamps).as("cut at " + cut).containsExactly(-1L, 123_456_789L, 5L);
      SseReader.Stats s = reader.stats();
      assertThat(s.records()).isEqualTo(3);
      assertThat(s.lines()).isEqualTo(2);
      assertThat(s.gaps()).isEqualTo(1); // 12 after 8
      assertThat(s.notices()).isEqualTo(1);
      assertThat(s.comments()).isEqualTo(1);
      assertThat(s.retries()).isEqualTo(1);
      assertThat(s.problem()).isNull();
      assertThat(reader.records()).isEqualTo(3);
    }
  }

  @Test
  void aRecordOutOfOrderOrWithoutItsIdOrAnErrorIsAProblem() {
    SseReader reader = new SseReader(stamp -> { });
    byte[] bytes = (record(9, "x") + record(9, "y")
        + "data: {\"message\":\"z\",\"seq\":10}\n\n"
        + "event: error\ndata: {\"title\":\"Unavailable\",\"status\":503}\n\n")
        .getBytes(StandardCharsets.UTF_8);
    for (byte b : bytes) {
      reader.feed(new byte[] {b}, 0, 1);
    }

    SseReader.Stats s = reader.stats();
    assertThat(s.outOfOrder()).isEqualTo(1);
    assertThat(s.withoutId()).isEqualTo(1);
    assertThat(s.lastError()).contains("Unavailable");
    assertThat(s.problem()).contains("1 records without an id", "1 out of order", "Unavailable");
  }

  @Test
  void findsTheFirstNewlineAtEveryPositionAndRange() {
    java.util.Random random = new java.util.Random(42);
    for (int round = 0; round < 2_000; round++) {
      byte[] b = new byte[1 + random.nextInt(40)];
      for (int i = 0; i < b.length; i++) {
        // Bytes next to '\n' (0x0A) in value, and 0x8A, which share bits with it.
        byte[] near = {'\n', 0x0B, 0x09, (byte) 0x8A, 0, 'x', (byte) 0xFF};
        b[i] = random.nextInt(4) == 0 ? near[random.nextInt(near.length)] : (byte) 'x';
      }
      int from = random.nextInt(b.length);
      int to = from + random.nextInt(b.length - from + 1);
      int expected = -1;
      for (int i = from; i < to; i++) {
        if (b[i] == '\n') {
          expected = i;
          break;
        }
      }
      assertThat(SseReader.indexOfNewline(b, from, to)).as("round " + round).isEqualTo(expected);
    }
  }
}
