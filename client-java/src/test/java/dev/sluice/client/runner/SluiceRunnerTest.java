package dev.sluice.client.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.client.tail.SluiceSubscriber;
import dev.sluice.client.tail.TailSubscription;
import dev.sluice.client.testing.Tails;
import dev.sluice.proto.v1.Level;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.RequestStatus;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.SluiceBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The runner SDK against a real broker over gRPC on 127.0.0.1. */
class SluiceRunnerTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure();

  private SluiceSubscriber subscriber;

  @AfterEach
  void closeSubscriber() {
    if (subscriber != null) {
      subscriber.close();
    }
  }

  /** A live tail of {@code filter} that also replays anything stored before it registered. */
  private TailSubscription tail(String filter) {
    subscriber = SluiceSubscriber.connect(broker.target(), null);
    TailSubscription tail = subscriber.tail(TailRequest.newBuilder().setFilter(filter)
        .setStart(StartPosition.newBuilder().setLastN(100_000)).build());
    Awaitility.await().atMost(WAIT).until(() -> broker.broker().stats().value("tail.open") == 1);
    return tail;
  }

  private SluiceRunner.Builder runner(String app, String runner) {
    return SluiceRunner.builder().target(broker.target()).app(app).runner(runner);
  }

  @Test
  void linesArriveInOrderScopedToTheirRequest() throws Exception {
    try (TailSubscription tail = tail("app.>");
        SluiceRunner runner = runner("app", "runner-1").build()) {
      runner.info("setup 1");
      try (RequestScope req = runner.request("req-1", "/predict", "caller-1")) {
        req.info("in request", Map.of("step", "1"));
        runner.warn("unscoped while one request is open");
      }
      runner.info("after");

      List<Record> records = Tails.records(tail, 6, WAIT);
      assertThat(records).extracting(Record::getSubject).containsExactly(
          "app.runner-1._", "app.runner-1.req-1", "app.runner-1.req-1", "app.runner-1.req-1",
          "app.runner-1.req-1", "app.runner-1._");
      assertThat(records).extracting(Record::getMessage).containsExactly("setup 1",
          "request req-1 started", "in request", "unscoped while one request is open",
          "request req-1 ended: REQUEST_OK", "after");
      assertThat(records.get(2).getFieldsMap()).containsEntry("step", "1");
      assertThat(records.get(3).getLevel()).isEqualTo(Level.WARN);
      assertThat(records.get(2).getLabels().getEndpoint()).isEqualTo("/predict");
    }
  }

  @Test
  void scopedLinesKeepTheirRequestWhileSeveralAreOpen() throws Exception {
    try (TailSubscription tail = tail("app.>");
        SluiceRunner runner = runner("app", "runner-1").build()) {
      RequestScope a = runner.request("req-a", "/a", "");
      RequestScope b = runner.request("req-b", "/b", "");
      b.info("for b");
      a.info("for a");
      runner.info("ambiguous");
      a.close();
      b.close();

      List<Record> lines = Tails.records(tail, 7, WAIT).stream()
          .filter(r -> r.getKind() == RecordKind.LINE).collect(Collectors.toList());
      assertThat(lines).extracting(Record::getSubject)
          .containsExactly("app.runner-1.req-b", "app.runner-1.req-a", "app.runner-1._");
    }
  }

  @Test
  void requestScopeSendsStartAndEndRecords() throws Exception {
    try (TailSubscription tail = tail("app.*.req-9");
        SluiceRunner runner = runner("app", "runner-1").build()) {
      try (RequestScope req = runner.request("req-9", "/predict", "user-42")) {
        req.error("boom");
        req.fail("ValueError:\nbad input");
      }

      List<Record> records = Tails.records(tail, 3, WAIT);
      assertThat(records).extracting(Record::getKind).containsExactly(
          RecordKind.REQUEST_START, RecordKind.LINE, RecordKind.REQUEST_END);
      assertThat(records.get(0).getRequest().getCaller()).isEqualTo("user-42");
      assertThat(records.get(0).getLabels().getEndpoint()).isEqualTo("/predict");
      assertThat(records.get(2).getRequest().getStatus()).isEqualTo(RequestStatus.REQUEST_ERROR);
      // A control character would make the broker refuse the frame: it is made a space.
      assertThat(records.get(2).getRequest().getStatusMessage()).isEqualTo("ValueError: bad input");
    }
  }

  @Test
  void flushReturnsOnceEverythingLoggedIsAcknowledged() {
    try (SluiceRunner runner = runner("app", "runner-1").maxBatchRecords(100).build()) {
      IntStream.range(0, 10_000).forEach(i -> runner.info("line " + i));

      assertThat(runner.flush(WAIT)).isTrue();
      assertThat(runner.link().state().held()).isZero();
      assertThat(runner.droppedCount()).isZero();
    }
  }

  @Test
  void flushTimesOutWhileTheBrokerIsUnreachable() {
    try (SluiceRunner runner = SluiceRunner.builder().target("127.0.0.1:" + SluiceBroker.freePort())
        .app("app").runner("runner-1").closeTimeout(Duration.ZERO).build()) {
      runner.info("nobody hears this");

      assertThat(runner.flush(Duration.ofMillis(300))).isFalse();
      assertThat(runner.link().state().held()).isEqualTo(1);
    }
  }

  @Test
  void reconnectsToARestartedBrokerAndLosesNothing() throws Exception {
    int port = SluiceBroker.freePort();
    broker.restartOn(port);
    try (SluiceRunner runner = runner("app", "runner-1").build()) {
      IntStream.rangeClosed(1, 100).forEach(i -> runner.info("before " + i));
      assertThat(runner.flush(WAIT)).isTrue();

      broker.stop();
      IntStream.rangeClosed(1, 500).forEach(i -> runner.info("while down " + i));
      Awaitility.await().atMost(WAIT).until(() -> runner.lastError().isPresent());
      broker.restartOn(port);

      assertThat(runner.flush(Duration.ofSeconds(30))).isTrue();
      try (TailSubscription tail = tail("app.>")) {
        // The durable store kept what came before the restart: each line exactly once.
        List<String> got = Tails.records(tail, 600, WAIT).stream().map(Record::getMessage)
            .collect(Collectors.toList());
        assertThat(got).containsExactlyElementsOf(java.util.stream.Stream.concat(
            IntStream.rangeClosed(1, 100).mapToObj(i -> "before " + i),
            IntStream.rangeClosed(1, 500).mapToObj(i -> "while down " + i))
            .collect(Collectors.toList()));
      }
      assertThat(runner.droppedCount()).isZero();
    }
  }

  @Test
  void unscopedLinesStayInTheirRequestAcrossABrokerRestart() throws Exception {
    int port = SluiceBroker.freePort();
    broker.restartOn(port);
    try (SluiceRunner runner = runner("app", "runner-1").build()) {
      RequestScope request = runner.request("req-1", "/predict", "caller-1");
      runner.info("before the restart");
      assertThat(runner.flush(WAIT)).isTrue();

      broker.stop(); // the new broker never saw req-1 start
      broker.restartOn(port);
      runner.info("after the restart");
      request.close();
      runner.info("after the request");
      assertThat(runner.flush(Duration.ofSeconds(30))).isTrue();

      try (TailSubscription tail = tail("app.>")) {
        List<Record> got = Tails.records(tail, 5, WAIT);
        assertThat(got).extracting(Record::getMessage).containsExactly("request req-1 started",
            "before the restart", "after the restart", "request req-1 ended: REQUEST_OK",
            "after the request");
        assertThat(got).extracting(Record::getSubject).containsExactly("app.runner-1.req-1",
            "app.runner-1.req-1", "app.runner-1.req-1", "app.runner-1.req-1",
            "app.runner-1._");
      }
    }
  }

  @Test
  void fullBufferDropsTheOldestUnsentLinesAndCountsThem() throws Exception {
    int port = SluiceBroker.freePort();
    broker.stop();
    try (SluiceRunner runner = SluiceRunner.builder().target("127.0.0.1:" + port).app("app")
        .runner("runner-1").bufferRecords(10).build()) {
      IntStream.rangeClosed(1, 25).forEach(i -> runner.info("line " + i));
      assertThat(runner.droppedCount()).isEqualTo(15);

      broker.restartOn(port);
      assertThat(runner.flush(Duration.ofSeconds(30))).isTrue();
      try (TailSubscription tail = tail("app.>")) {
        assertThat(Tails.records(tail, 10, WAIT)).extracting(Record::getMessage)
            .containsExactlyElementsOf(IntStream.rangeClosed(16, 25).mapToObj(i -> "line " + i)
                .collect(Collectors.toList()));
      }
    }
  }

  @Test
  void closeFlushesWhatWasLogged() throws Exception {
    try (TailSubscription tail = tail("app.>")) {
      SluiceRunner runner = runner("app", "runner-1").linger(Duration.ofSeconds(5)).build();
      runner.info("last words");
      runner.close();

      assertThat(Tails.records(tail, 1, WAIT)).extracting(Record::getMessage)
          .containsExactly("last words");
      assertThat(runner.isStopped()).isTrue();
      runner.info("after close");
      assertThat(runner.droppedCount()).isEqualTo(1);
    }
  }

  @Test
  void builderNamesTheBadSettingAndWhatWasExpected() {
    SluiceRunner.Builder builder = SluiceRunner.builder();
    assertThatThrownBy(() -> builder.app("a b")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("app: 'a b' is not a valid subject token (expected: [A-Za-z0-9_-]{1,128})");
    assertThatThrownBy(() -> builder.runner("")).hasMessage(
        "runner: '' is not a valid subject token (expected: [A-Za-z0-9_-]{1,128})");
    assertThatThrownBy(() -> builder.source("cron")).hasMessage(
        "source: 'cron' (expected: one of run, gateway, deploy)");
    assertThatThrownBy(() -> builder.bufferRecords(0)).hasMessage(
        "bufferRecords: 0 (expected: >= 1)");
    assertThatThrownBy(() -> builder.token("secret value")).hasMessageNotContaining("secret");
    assertThatThrownBy(() -> builder.version("x".repeat(300))).hasMessage(
        "version: 300 characters (expected: at most 256)");
    assertThatThrownBy(builder::build).hasMessage(
        "app: not set (expected: [A-Za-z0-9_-]{1,128})");
  }

  @Test
  void requestIdIsCheckedBeforeAnythingIsSent() {
    try (SluiceRunner runner = runner("app", "runner-1").build()) {
      assertThatThrownBy(() -> runner.request("req 1", "/p", "c"))
          .hasMessage("requestId: 'req 1' is not a valid subject token"
              + " (expected: [A-Za-z0-9_-]{1,128})");
    }
  }
}
