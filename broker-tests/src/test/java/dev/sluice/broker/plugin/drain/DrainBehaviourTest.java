package dev.sluice.broker.plugin.drain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proto.v1.CreateDrainRequest;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainsGrpc;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import io.grpc.ManagedChannel;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a receiver gets: signed NDJSON, batches by size and interval, the 30 s backfill. */
class DrainBehaviourTest {
  private static final String SECRET = DrainDeliveryTest.SECRET;
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.insecure(c -> c.withDrains(Receiver.settings()));
  private Receiver receiver;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    receiver = Receiver.start();
    channel = sluice.channel();
  }

  @AfterEach
  void stop() throws Exception {
    receiver.close();
  }

  private void create(int batchLines, int flushMs) {
    DrainsGrpc.newBlockingStub(channel).createDrain(CreateDrainRequest.newBuilder()
        .setSpec(DrainSpec.newBuilder().setName("d").setUrl(receiver.url()).setSecret(SECRET)
            .setFilter("app.>").setMaxBatchLines(batchLines).setFlushIntervalMs(flushMs))
        .build());
  }

  private static List<JsonObject> lines(Receiver.Request r) {
    List<JsonObject> out = new ArrayList<>();
    for (String line : new String(r.body(), StandardCharsets.UTF_8).split("\n")) {
      out.add(new JsonObject(line));
    }
    return out;
  }

  private static String hmac(String timestamp, String batchId, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    mac.update((timestamp + "." + batchId + ".").getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(mac.doFinal(body));
  }

  @Test
  void deliveriesAreSignedNdjsonWithTheLabelsThatHaveAValue() throws Exception {
    create(1000, 100);
    RawRunner runner = RawRunner.connect(channel, "app", "r1");
    runner.start("req-1").send(IngestFrame.newBuilder().setBatch(LogBatch.newBuilder()
        .setFirstSeq(runner.reserve(1)).addLines(LogLine.newBuilder().setMessage("hello \"world\"")
            .setLevel(Level.WARN).setRequestId("req-1").setTraceId("t-1")
            .putFields("gpu", "a100"))).build()).awaitAcked();

    Awaitility.await().atMost(WAIT).until(() -> receiver.requests().stream()
        .anyMatch(r -> new String(r.body(), StandardCharsets.UTF_8).contains("hello")));
    Receiver.Request r = receiver.requests().stream()
        .filter(x -> new String(x.body(), StandardCharsets.UTF_8).contains("hello"))
        .findFirst().orElseThrow();
    assertThat(r.header("Content-Type")).isEqualTo("application/x-ndjson");
    String timestamp = r.header("X-Sluice-Timestamp");
    assertThat(Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp)))
        .isLessThan(60);
    assertThat(r.header("X-Sluice-Batch-Id")).matches("[0-9a-f]{32}");
    assertThat(r.header("X-Sluice-Signature"))
        .isEqualTo("v1=" + hmac(timestamp, r.header("X-Sluice-Batch-Id"), r.body()));
    JsonObject line = lines(r).stream().filter(j -> j.getString("message").startsWith("hello"))
        .findFirst().orElseThrow();
    assertThat(line.getString("message")).isEqualTo("hello \"world\"");
    assertThat(line.getString("level")).isEqualTo("warn");
    assertThat(line.getString("timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(line.getString("app_name")).isEqualTo("app");
    assertThat(line.getString("runner_id")).isEqualTo("r1");
    assertThat(line.getString("request_id")).isEqualTo("req-1");
    assertThat(line.getString("trace_id")).isEqualTo("t-1");
    assertThat(line.getJsonObject("fields").getString("gpu")).isEqualTo("a100");
    assertThat(line.containsKey("job_id")).as("labels without a value are left out").isFalse();
    assertThat(line.containsKey("span_id")).isFalse();
  }

  @Test
  void batchesHoldAtMostTheSamplingRateAndPartialOnesWaitForTheInterval() {
    create(10, 1000);
    RawRunner runner = RawRunner.connect(channel, "app", "r1");
    String[] many = new String[25];
    for (int i = 0; i < many.length; i++) {
      many[i] = "line " + i;
    }
    runner.lines("", many).awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> receiver.requests().stream()
        .mapToInt(r -> lines(r).size()).sum() >= 25);
    assertThat(receiver.requests()).extracting(r -> lines(r).size()).containsExactly(10, 10, 5);

    // A lone line waits for the interval: consecutive partial batches are >= 1 s apart.
    runner.lines("", "lone 1").awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> receiver.requests().size() >= 4);
    runner.lines("", "lone 2").awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> receiver.requests().size() >= 5);
    List<Receiver.Request> all = receiver.requests();
    long apart = all.get(4).receivedNanos() - all.get(3).receivedNanos();
    assertThat(Duration.ofNanos(apart)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
  }

  @Test
  void aNewDrainStartsWithTheLastThirtySeconds() {
    RawRunner runner = RawRunner.connect(channel, "app", "r1");
    long now = System.currentTimeMillis() * 1_000_000L;
    runner.send(IngestFrame.newBuilder().setBatch(LogBatch.newBuilder()
        .setFirstSeq(runner.reserve(2))
        .addLines(LogLine.newBuilder().setMessage("a minute ago")
            .setTimeUnixNano(now - 60_000_000_000L))
        .addLines(LogLine.newBuilder().setMessage("ten seconds ago")
            .setTimeUnixNano(now - 10_000_000_000L))).build()).awaitAcked();
    create(1000, 100);
    runner.lines("", "after").awaitAcked();

    Awaitility.await().atMost(WAIT).until(() -> receiver.requests().stream()
        .flatMap(r -> lines(r).stream()).anyMatch(j -> j.getString("message").equals("after")));
    assertThat(receiver.requests().stream().flatMap(r -> lines(r).stream())
        .map(j -> j.getString("message"))).containsExactly("ten seconds ago", "after");
  }

  @Test
  void afterASecretUpdateBothSecretsSign() throws Exception {
    create(1000, 100);
    String newSecret = "n".repeat(70);
    DrainsGrpc.newBlockingStub(channel).updateDrain(dev.sluice.proto.v1.UpdateDrainRequest
        .newBuilder().setSpec(DrainSpec.newBuilder().setName("d").setSecret(newSecret))
        .addUpdateMask("secret").build());
    RawRunner.connect(channel, "app", "r1").lines("", "rotated").awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> !receiver.requests().isEmpty());
    Receiver.Request r = receiver.requests().get(0);
    String ts = r.header("X-Sluice-Timestamp");
    String id = r.header("X-Sluice-Batch-Id");
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(newSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    mac.update((ts + "." + id + ".").getBytes(StandardCharsets.UTF_8));
    String byNew = HexFormat.of().formatHex(mac.doFinal(r.body()));
    assertThat(r.header("X-Sluice-Signature"))
        .isEqualTo("v1=" + byNew + ",v1=" + hmac(ts, id, r.body()));
  }

  @Test
  void retryAfterIsHonoured() {
    receiver.retryAfter("1");
    receiver.script(429);
    create(1000, 100);
    RawRunner.connect(channel, "app", "r1").lines("", "later").awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> receiver.requests().size() >= 2);
    List<Receiver.Request> all = receiver.requests();
    // The retry base here is 20 ms; only the endpoint's "1 second" explains a wait this long.
    assertThat(Duration.ofNanos(all.get(1).receivedNanos() - all.get(0).receivedNanos()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    assertThat(all.get(1).status()).isEqualTo(200);
  }
}
