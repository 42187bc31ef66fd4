package dev.sluice.broker.plugin.drain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.proto.v1.CreateDrainRequest;
import dev.sluice.proto.v1.Drain;
import dev.sluice.proto.v1.DrainRef;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainsGrpc;
import dev.sluice.testing.RawRunner;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drains end to end over real gRPC and a real HTTP receiver: retries that recover deliver
 * every line once, a drain disabled after five failures catches up when enabled again, and a
 * broker restart in the middle of retries loses nothing.
 */
class DrainDeliveryTest {
  static final String SECRET = "s".repeat(64);
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dataDir;
  private final List<AutoCloseable> open = new ArrayList<>();
  private Receiver receiver;

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Broker broker() {
    return broker(BrokerConfig.StoreKind.SEGMENT);
  }

  private Broker broker(BrokerConfig.StoreKind store) {
    return broker(store, d -> d);
  }

  private Broker broker(BrokerConfig.StoreKind store,
      java.util.function.UnaryOperator<DrainSettings> drains) {
    BrokerConfig config = BrokerConfig.defaults()
        .withStore(store, BrokerConfig.DEFAULT_FSYNC).withGrpcPort(0).withDataDir(dataDir)
        .withInsecure(true).withDrains(drains.apply(Receiver.settings()
            .withTimeout(Duration.ofSeconds(2))));
    Broker broker = Broker.start(config);
    open.add(broker);
    return broker;
  }

  private ManagedChannel channel(Broker broker) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.grpcPort())
        .usePlaintext().build();
    open.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  private Drain create(ManagedChannel channel, int batchLines) {
    return DrainsGrpc.newBlockingStub(channel).createDrain(CreateDrainRequest.newBuilder()
        .setSpec(DrainSpec.newBuilder().setName("d1").setUrl(receiver.url()).setSecret(SECRET)
            .setFilter("app.>").setMaxBatchLines(batchLines).setFlushIntervalMs(100)).build());
  }

  private static Drain get(ManagedChannel channel) {
    return DrainsGrpc.newBlockingStub(channel).getDrain(DrainRef.newBuilder().setName("d1")
        .build());
  }

  private static String[] lines(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i).toArray(String[]::new);
  }

  private static List<String> expected(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i).collect(Collectors.toList());
  }

  /** The lines the receiver accepted (2xx), each accepted batch id once, in arrival order. */
  private List<String> accepted() {
    List<String> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (Receiver.Request r : receiver.requests()) {
      if (r.status() / 100 == 2 && ids.add(r.header("X-Sluice-Batch-Id"))) {
        for (String line : new String(r.body(), StandardCharsets.UTF_8).split("\n")) {
          out.add(new JsonObject(line).getString("message"));
        }
      }
    }
    return out;
  }

  private long acceptedRepeats() {
    Set<String> ids = new HashSet<>();
    return receiver.requests().stream().filter(r -> r.status() / 100 == 2)
        .filter(r -> !ids.add(r.header("X-Sluice-Batch-Id"))).count();
  }

  @Test
  void fourFailuresThenRecoveryDeliverEveryLineOnceInOrder() throws Exception {
    receiver = Receiver.start();
    open.add(receiver);
    receiver.script(503, 503, 500, 429);
    Broker broker = broker();
    ManagedChannel channel = channel(broker);
    create(channel, 100);
    RawRunner runner = RawRunner.connect(channel, "app", "r1");
    runner.lines("", lines(1, 250)).awaitAcked();

    Awaitility.await().atMost(WAIT).until(() -> accepted().size() >= 250);
    assertThat(accepted()).isEqualTo(expected(1, 250));
    assertThat(acceptedRepeats()).isZero();
    // The four failures were the same first batch, retried under the same id.
    List<Receiver.Request> all = receiver.requests();
    assertThat(all.subList(0, 5)).extracting(r -> r.header("X-Sluice-Batch-Id")).containsOnly(
        all.get(0).header("X-Sluice-Batch-Id"));
    assertThat(all).allSatisfy(r -> assertThat(new String(r.body(), StandardCharsets.UTF_8)
        .split("\n")).hasSizeLessThanOrEqualTo(100));
    Drain drain = get(channel);
    assertThat(drain.getStatus().getEnabled()).isTrue();
    assertThat(drain.getStatus().getConsecutiveFailures()).isZero();
    assertThat(drain.getStatus().getTotalFailures()).isEqualTo(4);
    assertThat(drain.getStatus().getDeliveredLines()).isEqualTo(250);
    assertThat(drain.getStatus().getLastError()).startsWith("HTTP 429");
    // The same figures in the broker's one registry, for a metrics endpoint.
    assertThat(broker.stats().value("drain.delivered_lines")).isEqualTo(250);
    assertThat(broker.stats().value("drain.failed_posts")).isEqualTo(4);
    assertThat(drain.getSpec().getSecret()).isEmpty();
  }

  @Test
  void fiveFailuresDisableTheDrainAndEnablingItDeliversWhatItMissedOnce() throws Exception {
    receiver = Receiver.start();
    open.add(receiver);
    receiver.script(500, 500, 500, 500, 500);
    Broker broker = broker();
    ManagedChannel channel = channel(broker);
    create(channel, 100);
    RawRunner runner = RawRunner.connect(channel, "app", "r1");
    runner.lines("", lines(1, 50)).awaitAcked();

    Awaitility.await().atMost(WAIT).until(() -> !get(channel).getStatus().getEnabled());
    assertThat(get(channel).getStatus().getConsecutiveFailures()).isEqualTo(5);
    assertThat(receiver.requests()).hasSize(5);
    runner.lines("", lines(51, 120)).awaitAcked(); // while disabled: kept by the store

    DrainsGrpc.newBlockingStub(channel).enableDrain(DrainRef.newBuilder().setName("d1").build());
    Awaitility.await().atMost(WAIT).until(() -> accepted().size() >= 120);
    assertThat(accepted()).isEqualTo(expected(1, 120));
    assertThat(acceptedRepeats()).isZero();
  }

  @Test
  void aBrokerRestartInTheMiddleOfRetriesLosesNothing() throws Exception {
    receiver = Receiver.start();
    open.add(receiver);
    receiver.setDefault(503);
    Broker first = broker();
    ManagedChannel channel = channel(first);
    create(channel, 1000);
    RawRunner.connect(channel, "app", "r1").lines("", lines(1, 30)).awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> receiver.requests().size() >= 2);
    String retriedId = receiver.requests().get(0).header("X-Sluice-Batch-Id");
    first.close();

    receiver.setDefault(200);
    Broker second = broker();
    ManagedChannel again = channel(second);
    RawRunner.connect(again, "app", "r1").lines("", lines(31, 40)).awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> accepted().size() >= 40);
    assertThat(accepted()).isEqualTo(expected(1, 40));
    // The batch in retry when the broker stopped kept its id after the restart.
    assertThat(receiver.requests().stream().filter(r -> r.status() == 200).findFirst()
        .orElseThrow().header("X-Sluice-Batch-Id")).isEqualTo(retriedId);
    assertThat(acceptedRepeats()).isZero();
  }

  @Test
  void aBatchInRetryKeepsItsLinesWhenTheFilterChanges() throws Exception {
    receiver = Receiver.start();
    open.add(receiver);
    receiver.setDefault(503);
    Broker broker = broker();
    ManagedChannel channel = channel(broker);
    create(channel, 100);
    RawRunner runner = RawRunner.connect(channel, "app", "r1");
    runner.lines("", lines(1, 5)).awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> receiver.requests().size() >= 2);

    // The level changes while the first batch is being retried under its id.
    DrainsGrpc.newBlockingStub(channel).updateDrain(dev.sluice.proto.v1.UpdateDrainRequest
        .newBuilder().setSpec(DrainSpec.newBuilder().setName("d1")
            .setMinLevel(dev.sluice.proto.v1.Level.ERROR)).addUpdateMask("min_level").build());
    receiver.setDefault(200);
    Awaitility.await().atMost(WAIT).until(() -> accepted().size() >= 5);
    // Same id, same lines: a receiver that saw a failed attempt loses nothing by dropping
    // repeats, and the new level applies from the next batch on.
    assertThat(accepted()).isEqualTo(expected(1, 5));
    assertThat(get(channel).getSpec().getMinLevelValue())
        .isEqualTo(dev.sluice.proto.v1.Level.ERROR_VALUE);
  }

  @Test
  void anEndpointThatStallsItsAnswerDoesNotHoldTheDrain() throws Exception {
    receiver = Receiver.start();
    open.add(receiver);
    receiver.stallBody(true);
    Broker broker = broker();
    ManagedChannel channel = channel(broker);
    create(channel, 100);
    RawRunner.connect(channel, "app", "r1").lines("", lines(1, 3)).awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> get(channel).getStatus().getTotalFailures() >= 1);
    assertThat(get(channel).getStatus().getLastError()).startsWith("network: ");

    receiver.stallBody(false);
    Awaitility.await().atMost(WAIT).until(() -> accepted().size() >= 3);
    assertThat(accepted()).isEqualTo(expected(1, 3));
  }

  @Test
  void aRetryKeepsItsBatchIdWhileOtherAppsKeepLogging() throws Exception {
    receiver = Receiver.start();
    open.add(receiver);
    receiver.setDefault(503);
    // Not disabled while the test holds it failing.
    Broker broker = broker(BrokerConfig.StoreKind.SEGMENT, d -> d.withDisableAfter(1_000));
    ManagedChannel channel = channel(broker);
    create(channel, 100); // filter app.>
    RawRunner.connect(channel, "app", "r1").lines("", lines(1, 5)).awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> receiver.requests().size() >= 1);
    // Records the drain's filter hides arrive while its first batch is being retried.
    RawRunner noise = RawRunner.connect(channel, "search", "s1");
    for (int i = 0; i < 5; i++) {
      noise.lines("", "noise " + i).awaitAcked();
    }
    int before = receiver.requests().size();
    Awaitility.await().atMost(WAIT).until(() -> receiver.requests().size() >= before + 2);
    receiver.setDefault(200);
    Awaitility.await().atMost(WAIT).until(() -> accepted().size() >= 5);
    assertThat(receiver.requests()).extracting(r -> r.header("X-Sluice-Batch-Id")).containsOnly(
        receiver.requests().get(0).header("X-Sluice-Batch-Id"));
    assertThat(accepted()).isEqualTo(expected(1, 5));
  }

  @Test
  void aDrainWhoseStoreWasResetStartsAgainInsteadOfWaiting() throws Exception {
    receiver = Receiver.start();
    open.add(receiver);
    Broker first = broker(BrokerConfig.StoreKind.MEMORY);
    ManagedChannel channel = channel(first);
    create(channel, 100);
    RawRunner.connect(channel, "app", "r1").lines("", lines(1, 30)).awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> accepted().size() >= 30);
    first.close();

    // The memory store starts again at sequence 1; the drain (kept in its file) is at 30.
    Broker second = broker(BrokerConfig.StoreKind.MEMORY);
    ManagedChannel again = channel(second);
    RawRunner.connect(again, "app", "r1").lines("", "after the reset").awaitAcked();
    Awaitility.await().atMost(WAIT).until(() -> accepted().contains("after the reset"));
    assertThat(get(again).getStatus().getLastError()).contains("store was reset");
  }
}
