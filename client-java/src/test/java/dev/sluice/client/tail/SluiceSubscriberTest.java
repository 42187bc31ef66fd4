package dev.sluice.client.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.broker.plugin.tail.TailSettings;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.client.testing.Tails;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.SluiceBroker;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The subscriber client against a real broker. */
class SluiceSubscriberTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int TAIL_QUEUE = 1_000;
  private static final int TAIL_BATCH = 100;

  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure(config -> config.withTail(
      TailSettings.DEFAULTS.withRecords(TAIL_QUEUE, TAIL_BATCH,
          TailSettings.OverflowPolicy.DROP_OLDEST)));

  private SluiceSubscriber subscriber;
  private SluiceRunner runner;

  @BeforeEach
  void connect() {
    subscriber = SluiceSubscriber.connect(broker.target(), null);
    runner = SluiceRunner.builder().target(broker.target()).app("app").runner("runner-1").build();
  }

  @AfterEach
  void close() {
    runner.close();
    subscriber.close();
  }

  private void awaitOpenTails(int n) {
    Awaitility.await().atMost(WAIT).until(() -> broker.broker().stats().value("tail.open") == n);
  }

  @Test
  void slowIteratorConsumerPushesBackInsteadOfBuffering() throws Exception {
    try (TailSubscription tail = subscriber.tail("app.>")) {
      awaitOpenTails(1);
      IntStream.range(0, 20_000).forEach(i -> runner.info("line " + i));
      assertThat(runner.flush(WAIT)).isTrue();

      // Nobody reads: the broker, not this client, must be the one holding (and dropping).
      Awaitility.await().atMost(WAIT).until(() -> broker.broker().stats().value("tail.dropped") > 0);
      assertThat(tail.maxBufferedMessages()).isLessThanOrEqualTo(1);

      // Now read everything: every one of the 20,000 lines is either delivered or counted in a
      // DROPPED notice, and the client never holds more than one message while we read.
      int records = 0;
      long droppedNotices = 0;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (records + droppedNotices < 20_000) {
        TailEvent event = tail.poll(Duration.ofNanos(deadline - System.nanoTime()));
        assertThat(event).as("event after %d records, %d dropped", records, droppedNotices)
            .isNotNull();
        if (event instanceof TailEvent.NoticeEvent n) {
          assertThat(n.notice().getKind()).isEqualTo(NoticeKind.DROPPED);
          droppedNotices += n.notice().getCount();
        } else {
          records++;
        }
        assertThat(tail.bufferedMessages()).isLessThanOrEqualTo(1);
      }
      assertThat(droppedNotices).isPositive();
      assertThat(records + droppedNotices).isEqualTo(20_000);
      assertThat(tail.maxBufferedMessages()).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void brokerErrorSurfacesFromTheIteratorWithItsStatus() {
    try (TailSubscription tail = subscriber.tail("app..x")) {
      assertThatThrownBy(tail::hasNext).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).contains("token 2");
      });
    }
  }

  @Test
  void closingCancelsTheCall() throws Exception {
    TailSubscription tail = subscriber.tail("app.>");
    awaitOpenTails(1);

    tail.close();

    awaitOpenTails(0);
    assertThat(tail.hasNext()).isFalse();
    assertThat(tail.isEnded()).isTrue();
  }

  @Test
  void streamFormReadsRecordsInOrder() throws Exception {
    try (TailSubscription tail = subscriber.tail("app.>")) {
      awaitOpenTails(1);
      IntStream.range(0, 300).forEach(i -> runner.info("line " + i));

      List<Record> records = Tails.records(tail, 300, WAIT);
      assertThat(records).extracting(Record::getMessage).containsExactlyElementsOf(
          IntStream.range(0, 300).mapToObj(i -> "line " + i).toList());
    }
  }

  @Test
  void callbackFormDeliversEventsAndEndsWhenClosed() throws Exception {
    List<TailEvent> seen = new CopyOnWriteArrayList<>();
    TailHandle handle = subscriber.tail(TailRequest.newBuilder().setFilter("app.*._").build(),
        seen::add);
    awaitOpenTails(1);
    runner.info("one");
    runner.info("two");

    Awaitility.await().atMost(WAIT).until(() -> seen.size() == 2);
    assertThat(seen).extracting(e -> ((TailEvent.RecordEvent) e).record().getMessage())
        .containsExactly("one", "two");
    handle.close();
    awaitOpenTails(0);
    assertThat(handle.done().toCompletableFuture().get(5, TimeUnit.SECONDS)).isNull();
  }

  @Test
  void callbackFormCompletesExceptionallyWithTheStatus() {
    TailHandle handle = subscriber.tail(TailRequest.newBuilder().setFilter("").build(), e -> {});
    CompletableFuture<Void> done = handle.done().toCompletableFuture();

    assertThatThrownBy(() -> done.get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(
        StatusRuntimeException.class).hasMessageContaining("INVALID_ARGUMENT");
  }

  @Test
  void brokerShutdownEndsTheTailWithUnavailable() throws Exception {
    try (TailSubscription tail = subscriber.tail("app.>")) {
      awaitOpenTails(1);
      runner.info("before shutdown");
      assertThat(Tails.records(tail, 1, WAIT)).hasSize(1);

      runner.close();
      broker.stop();

      assertThatThrownBy(tail::hasNext).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }
}
