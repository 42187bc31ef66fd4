package dev.sluice.client.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.store.segment.FsyncPolicy;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.client.testing.Tails;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.SluiceBroker;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A resuming tail against a real broker that is stopped and started again on its port. */
class ResumingTailTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  // The segment store keeps records and sequence numbers across the restart, so a cursor from
  // before it still means the same place (a memory store would start again at 1).
  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure(
      config -> config.withStore(BrokerConfig.StoreKind.SEGMENT, FsyncPolicy.always()));

  private final Events events = new Events();
  private int port;
  private SluiceSubscriber subscriber;

  @BeforeEach
  void fixPort() {
    port = SluiceBroker.freePort();
    broker.restartOn(port);
    subscriber = SluiceSubscriber.connect(broker.target(), null);
  }

  @AfterEach
  void close() {
    subscriber.close();
  }

  @Test
  void resumesAfterABrokerRestartWithoutGapOrDuplicate() throws Exception {
    try (TailSubscription tail = subscriber.resumingTail(request("app.>"), events);
        SluiceRunner runner = runner()) {
      awaitOpenTails(1);
      IntStream.rangeClosed(1, 100).forEach(i -> runner.info("line " + i));
      assertThat(messages(Tails.records(tail, 100, WAIT))).isEqualTo(lines(1, 100));

      broker.stop(); // graceful: the tail ends with UNAVAILABLE, "reconnect to resume"
      broker.restartOn(port);
      IntStream.rangeClosed(101, 200).forEach(i -> runner.info("line " + i));
      runner.info("end");

      // Read up to the marker: a duplicate of anything before it would show up right here.
      assertThat(messages(Tails.records(tail, 101, WAIT)))
          .containsExactlyElementsOf(concat(lines(101, 200), "end"));
      assertThat(events.reasons).isNotEmpty()
          .allMatch(s -> s.getCode() == Status.Code.UNAVAILABLE);
      assertThat(events.reasons.get(0).getDescription()).contains("shutting down");
      Awaitility.await().atMost(WAIT).until(() -> events.resumed.size() == 1);
    }
  }

  @Test
  void keepsRetryingWhileTheBrokerIsDown() throws Exception {
    try (TailSubscription tail = subscriber.resumingTail(request("app.>"), events);
        SluiceRunner runner = runner()) {
      awaitOpenTails(1);
      runner.info("before");
      assertThat(messages(Tails.records(tail, 1, WAIT))).containsExactly("before");

      broker.stop();
      runner.info("while down"); // held by the runner, sent when it reconnects
      // Reconnecting happens on the reading thread: read until a reopen has failed too.
      Awaitility.await().atMost(WAIT).until(() -> {
        assertThat(tail.poll(Duration.ofMillis(50))).isNull();
        return events.reasons.size() >= 2;
      });
      assertThat(events.resumed).isEmpty();
      broker.restartOn(port);

      assertThat(messages(Tails.records(tail, 1, WAIT))).containsExactly("while down");
      // At least once: a reopen issued while the broker came back may see the channel READY
      // (told as resumed) and still fail from the moment before, and then resume again (seen
      // once in CI on a loaded machine). The record above came exactly once either way.
      assertThat(events.resumed).isNotEmpty();
    }
  }

  @Test
  void beforeAnyRecordItResumesFromTheOriginalStartPosition() throws Exception {
    TailRequest lastTwo = request("app.>").toBuilder()
        .setStart(StartPosition.newBuilder().setLastN(2)).build();
    try (TailSubscription tail = subscriber.resumingTail(lastTwo, events)) {
      awaitOpenTails(1);
      broker.stop();
      broker.restartOn(port);
      try (SluiceRunner runner = runner()) {
        runner.info("a");
        runner.info("b");
        runner.info("c");
        assertThat(runner.flush(WAIT)).isTrue();
      }

      // Nothing was read since the stop, so the tail is reopened only now, and, with no
      // record received yet, asks for the last two again.
      assertThat(messages(Tails.records(tail, 2, WAIT))).containsExactly("b", "c");
      assertThat(events.resumed).hasSize(1);
    }
  }

  @Test
  void nonRetryableErrorEndsTheTailWithoutARetry() throws Exception {
    TailRequest badCursor = request("app.>").toBuilder().setStart(StartPosition.newBuilder()
        .setAfterCursor(com.google.protobuf.ByteString.copyFromUtf8("nope"))).build();
    try (TailSubscription tail = subscriber.resumingTail(badCursor, events)) {
      assertThatThrownBy(() -> tail.poll(WAIT)).isInstanceOfSatisfying(
          StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      assertThat(tail.isEnded()).isTrue();
      assertThatThrownBy(tail::hasNext).isInstanceOf(StatusRuntimeException.class);
      assertThat(events.reasons).isEmpty();
      assertThat(broker.broker().stats().value("tail.open")).isZero();
    }
  }

  @Test
  void unreachableBrokerOnTheFirstCallIsReportedNotRetried() throws Exception {
    try (SluiceSubscriber nowhere = SluiceSubscriber.connect(
            "127.0.0.1:" + SluiceBroker.freePort(), null);
        TailSubscription tail = nowhere.resumingTail(request(">"), events)) {
      assertThatThrownBy(() -> tail.poll(WAIT)).isInstanceOfSatisfying(
          StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(events.reasons).isEmpty();
    }
  }

  @Test
  void closingTheSubscriberEndsAResumingTail() throws Exception {
    try (TailSubscription tail = subscriber.resumingTail(request("app.>"), events)) {
      awaitOpenTails(1);

      subscriber.close(); // its calls end with UNAVAILABLE, which must not mean "retry"

      assertThatThrownBy(() -> tail.poll(WAIT)).isInstanceOfSatisfying(
          StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(events.reasons).isEmpty();
    }
  }

  @Test
  void closingWhileWaitingToReconnectEndsTheTail() throws Exception {
    TailSubscription tail = subscriber.resumingTail(request("app.>"), events);
    awaitOpenTails(1);
    broker.stop();
    Awaitility.await().atMost(WAIT).until(() -> {
      assertThat(tail.poll(Duration.ofMillis(50))).isNull();
      return events.reasons.size() >= 2; // a reopen failed too: it waits for the next one
    });

    tail.close();

    assertThat(tail.hasNext()).isFalse();
    assertThat(tail.isEnded()).isTrue();
  }

  private void awaitOpenTails(int n) {
    Awaitility.await().atMost(WAIT).until(() -> broker.broker().stats().value("tail.open") == n);
  }

  private SluiceRunner runner() {
    return SluiceRunner.builder().target(broker.target()).app("app").runner("runner-1").build();
  }

  private static TailRequest request(String filter) {
    return TailRequest.newBuilder().setFilter(filter).build();
  }

  private static List<String> messages(List<Record> records) {
    return records.stream().map(Record::getMessage).toList();
  }

  private static List<String> lines(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i).toList();
  }

  private static List<String> concat(List<String> list, String last) {
    return java.util.stream.Stream.concat(list.stream(), java.util.stream.Stream.of(last))
        .toList();
  }

  /** What the listener was told; it runs on the reading thread, the test reads elsewhere. */
  private static final class Events implements ReconnectListener {
    final List<Status> reasons = new CopyOnWriteArrayList<>();
    final List<Boolean> resumed = new CopyOnWriteArrayList<>();

    @Override
    public void reconnecting(Status reason, Duration delay) {
      assertThat(delay).isBetween(Duration.ofMillis(50), Duration.ofSeconds(5));
      reasons.add(reason);
    }

    @Override
    public void resumed() {
      resumed.add(true);
    }
  }
}
