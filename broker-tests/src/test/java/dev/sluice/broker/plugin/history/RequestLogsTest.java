package dev.sluice.broker.plugin.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.RequestEnd;
import dev.sluice.proto.v1.RequestLogsRequest;
import dev.sluice.proto.v1.RequestLogsResponse;
import dev.sluice.proto.v1.RequestState;
import dev.sluice.proto.v1.RequestStatus;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.Tokens;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Logs.RequestLogs} over real gRPC on a secured broker: a request's lines and state
 * while it runs and after it ended, polling with the cursor, what callers may see, and the
 * view after a broker restart. Only the newest 50 records stay in memory, so longer requests
 * are read back from segment files.
 */
class RequestLogsTest {
  private static final int IN_MEMORY = 50;

  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.secured(c -> c.withMemoryStoreRecords(IN_MEMORY));

  @Test
  void aRunningRequestShowsItsLinesSoFarAndRunning() {
    RawRunner runner = runner("app", "r1");
    runner.start("req-1").lines("", "loading", "step 1").awaitAcked();

    RequestLogsResponse response = requestLogs(member(), "app", "req-1", ByteString.EMPTY);
    assertThat(messages(response)).containsExactly("loading", "step 1");
    assertThat(response.getRecordsList()).allSatisfy(r -> {
      assertThat(r.getKind()).isEqualTo(RecordKind.LINE);
      assertThat(r.getLabels().getRequestId()).isEqualTo("req-1");
    });
    assertThat(response.getState()).isEqualTo(RequestState.RUNNING);
    assertThat(response.getStatus()).isEqualTo(RequestStatus.REQUEST_STATUS_UNSPECIFIED);
    assertThat(response.getNextCursor()).isNotEmpty();
  }

  @Test
  void anEndedRequestIsCompletedWithItsStatusAndStartAndEndAreNotLines() {
    RawRunner runner = runner("app", "r1");
    runner.start("req-1").lines("", "trying").send(IngestFrame.newBuilder().setRequestEnd(
        RequestEnd.newBuilder().setSeq(runner.reserve(1)).setRequestId("req-1")
            .setStatus(RequestStatus.REQUEST_ERROR).setStatusMessage("CUDA out of memory"))
        .build()).awaitAcked();

    RequestLogsResponse response = requestLogs(member(), "app", "req-1", ByteString.EMPTY);
    assertThat(response.getRecordsList()).extracting(Record::getMessage)
        .containsExactly("trying");
    assertThat(response.getState()).isEqualTo(RequestState.COMPLETED);
    assertThat(response.getStatus()).isEqualTo(RequestStatus.REQUEST_ERROR);
  }

  @Test
  void aRetryReusingTheRequestIdShowsTheNewestRun() {
    RawRunner runner = runner("app", "r1");
    runner.start("req-1").lines("", "first run").end("req-1").awaitAcked();
    runner.start("req-1").lines("", "second run").awaitAcked();

    RequestLogsResponse response = requestLogs(member(), "app", "req-1", ByteString.EMPTY);
    assertThat(messages(response)).containsExactly("second run");
    assertThat(response.getState()).isEqualTo(RequestState.RUNNING);
  }

  @Test
  void pollingWithTheNextCursorReturnsOnlyNewLines() {
    RawRunner runner = runner("app", "r1");
    runner.start("req-1").lines("", "a", "b").awaitAcked();

    RequestLogsResponse first = requestLogs(member(), "app", "req-1", ByteString.EMPTY);
    assertThat(messages(first)).containsExactly("a", "b");
    RequestLogsResponse nothingNew = requestLogs(member(), "app", "req-1", first.getNextCursor());
    assertThat(nothingNew.getRecordsList()).isEmpty();
    assertThat(nothingNew.getState()).isEqualTo(RequestState.RUNNING);

    runner.lines("", "c").lines("", "d").awaitAcked();
    RequestLogsResponse second = requestLogs(member(), "app", "req-1",
        nothingNew.getNextCursor());
    assertThat(messages(second)).containsExactly("c", "d");
    assertThat(second.getState()).isEqualTo(RequestState.RUNNING);

    runner.lines("", "e").end("req-1").awaitAcked();
    RequestLogsResponse third = requestLogs(member(), "app", "req-1", second.getNextCursor());
    assertThat(messages(third)).containsExactly("e");
    assertThat(third.getState()).isEqualTo(RequestState.COMPLETED);
    assertThat(third.getStatus()).isEqualTo(RequestStatus.REQUEST_OK);

    RequestLogsResponse after = requestLogs(member(), "app", "req-1", third.getNextCursor());
    assertThat(after.getRecordsList()).isEmpty();
    assertThat(after.getState()).isEqualTo(RequestState.COMPLETED);
  }

  @Test
  void onlyTheRequestsOwnLinesNotOtherRequestsOrUnscopedLines() {
    RawRunner r1 = runner("app", "r1");
    RawRunner r2 = runner("app", "r2");
    RawRunner other = runner("other", "r1");
    r1.lines("", "before").start("req-1").lines("", "mine 1").awaitAcked();
    r2.start("req-2").lines("", "not mine").awaitAcked();
    other.start("req-1").lines("", "other app's req-1").awaitAcked();
    r1.lines("req-1", "mine 2").end("req-1").lines("", "after").awaitAcked();

    assertThat(messages(requestLogs(member(), "app", "req-1", ByteString.EMPTY)))
        .containsExactly("mine 1", "mine 2");
    assertThat(messages(requestLogs(member(), "other", "req-1", ByteString.EMPTY)))
        .containsExactly("other app's req-1");
  }

  /** 2,500 lines, nearly all read back from disk: 1,000 a call, in order, none twice. */
  @Test
  void aLongRequestComesInPagesOfAThousandFromDisk() {
    RawRunner runner = runner("app", "r1");
    RawRunner noise = runner("app", "r2");
    runner.start("req-1").awaitAcked();
    for (int i = 0; i < 5; i++) {
      runner.lines("", numbered(i * 500, 500)).awaitAcked();
      noise.lines("", "noise " + i).awaitAcked();
    }
    runner.end("req-1").awaitAcked();

    List<Integer> sizes = new ArrayList<>();
    List<String> all = new ArrayList<>();
    ByteString cursor = ByteString.EMPTY;
    for (int call = 0; call < 10; call++) {
      RequestLogsResponse page = requestLogs(member(), "app", "req-1", cursor);
      assertThat(page.getState()).isEqualTo(RequestState.COMPLETED);
      sizes.add(page.getRecordsCount());
      all.addAll(messages(page));
      cursor = page.getNextCursor();
      if (page.getRecordsCount() == 0) {
        break;
      }
    }
    assertThat(sizes).containsExactly(1000, 1000, 500, 0);
    assertThat(all).containsExactly(numbered(0, 2500));
  }

  /** A poller racing the runner gets every line exactly once, however the calls fall. */
  @Test
  void pollingWhileTheRunnerWritesMissesNothingAndRepeatsNothing() throws Exception {
    RawRunner runner = runner("app", "r1");
    runner.start("req-1").awaitAcked();
    Thread writer = new Thread(() -> {
      for (int i = 0; i < 100; i++) {
        runner.lines("", numbered(i * 20, 20));
      }
      runner.end("req-1");
    }, "writer");
    writer.start();

    List<String> seen = new ArrayList<>();
    ByteString cursor = ByteString.EMPTY;
    for (int call = 0; ; call++) {
      assertThat(call).as("polls").isLessThan(100_000);
      RequestLogsResponse page = requestLogs(member(), "app", "req-1", cursor);
      seen.addAll(messages(page));
      cursor = page.getNextCursor();
      if (page.getState() == RequestState.COMPLETED && page.getRecordsCount() == 0) {
        break;
      }
    }
    writer.join(20_000);
    assertThat(seen).containsExactly(numbered(0, 2000));
  }

  @Test
  void aCallerSeesItsOwnRequest() {
    RawRunner runner = runner("app", "r1");
    runner.start("req-1", "carol").lines("", "for carol").awaitAcked();

    RequestLogsResponse running = requestLogs(caller("carol"), "app", "req-1", ByteString.EMPTY);
    assertThat(messages(running)).containsExactly("for carol");
    assertThat(running.getState()).isEqualTo(RequestState.RUNNING);

    runner.lines("", "more").end("req-1").awaitAcked();
    RequestLogsResponse done = requestLogs(caller("carol"), "app", "req-1",
        running.getNextCursor());
    assertThat(messages(done)).containsExactly("more");
    assertThat(done.getState()).isEqualTo(RequestState.COMPLETED);
    assertThat(done.getStatus()).isEqualTo(RequestStatus.REQUEST_OK);
  }

  /** Another caller's request is as unknown as one that never ran: same status, same words. */
  @Test
  void anotherCallersRequestIsNotFoundExactlyLikeAnUnknownOne() {
    RawRunner runner = runner("app", "r1");
    runner.start("req-1", "dave").lines("", "dave's secret").end("req-1").awaitAcked();

    Status others = failure(caller("carol"), "app", "req-1");
    Status unknown = failure(caller("carol"), "app", "req-404");
    assertThat(others.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(others.getDescription()).isEqualTo(unknown.getDescription()
        .replace("req-404", "req-1"));
    assertThat(others.getDescription()).doesNotContain("dave");
  }

  @Test
  void aCallerOfAPrivateAppGetsTheStateButNoLines() {
    RawRunner secret = new RawRunner(sluice.channel(
        sluice.token("r", "acme", Role.RUNNER, "secret-app")));
    secret.send(IngestFrame.newBuilder().setHello(Hello.newBuilder().setApp("secret-app")
        .setRunner("r1").setPrivateLogs(true)).build());
    secret.awaitWelcome();
    secret.start("req-9", "carol").lines("", "private 1", "private 2").awaitAcked();

    RequestLogsResponse running = requestLogs(caller("carol"), "secret-app", "req-9",
        ByteString.EMPTY);
    assertThat(running.getRecordsList()).isEmpty();
    assertThat(running.getState()).isEqualTo(RequestState.RUNNING);

    secret.lines("", "private 3").end("req-9").awaitAcked();
    RequestLogsResponse done = requestLogs(caller("carol"), "secret-app", "req-9",
        running.getNextCursor());
    assertThat(done.getRecordsList()).isEmpty();
    assertThat(done.getState()).isEqualTo(RequestState.COMPLETED);
    assertThat(done.getStatus()).isEqualTo(RequestStatus.REQUEST_OK);

    // The owner's members see the lines.
    assertThat(messages(requestLogs(member(), "secret-app", "req-9", ByteString.EMPTY)))
        .containsExactly("private 1", "private 2", "private 3");
  }

  @Test
  void unknownRequestsAndOtherAccountsRequestsAreNotFound() {
    RawRunner runner = runner("app", "r1");
    runner.start("req-1").lines("", "hello").awaitAcked();

    assertThat(failure(member(), "app", "req-2").getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failure(member(), "nope", "req-1").getCode()).isEqualTo(Status.Code.NOT_FOUND);
    Channel otherAccount = sluice.channel(sluice.token("m", "other-acct", Role.MEMBER, ""));
    Status foreign = failure(otherAccount, "app", "req-1");
    assertThat(foreign.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(foreign.getDescription()).contains("req-1").contains("not known");
  }

  @Test
  void refusesBadTokensCursorsAndRunners() {
    RawRunner runner = runner("app", "r1");
    runner.start("req-1").awaitAcked();

    assertThat(failure(member(), "bad app", "req-1")).satisfies(s -> {
      assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getDescription()).contains("app");
    });
    assertThat(failure(member(), "app", "")).satisfies(s -> {
      assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getDescription()).contains("request_id");
    });
    Status cursor = statusOf(() -> requestLogs(member(), "app", "req-1",
        ByteString.copyFromUtf8("garbage")));
    assertThat(cursor.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(cursor.getDescription()).contains("cursor");
    Status asRunner = failure(sluice.channel(sluice.token("r", "acme", Role.RUNNER, "app")),
        "app", "req-1");
    assertThat(asRunner.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    Channel scoped = sluice.channel(sluice.token("m", "acme", Role.MEMBER, "other"));
    assertThat(failure(scoped, "app", "req-1").getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  /**
   * The request index is rebuilt from the segment files: after a restart the request is known,
   * its caller still recognized, its lines there, and a cursor from before the restart goes
   * on where it left off.
   */
  @Test
  void worksAfterABrokerRestart(@TempDir Path dataDir) throws Exception {
    KeyPair issuer = IssuerKeys.generate();
    IssuerKeys.write(issuer, dataDir);
    BrokerConfig config = BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir)
        .withMemoryStoreRecords(IN_MEMORY);
    ByteString cursor;
    try (Broker first = Broker.start(config)) {
      ManagedChannel channel = channel(first);
      try {
        RawRunner runner = RawRunner.connect(withToken(channel,
            mint(issuer, "r", Role.RUNNER, "app")), "app", "r1");
        runner.start("req-1", "carol").lines("", "before 1", "before 2")
            .start("req-2", "dave").lines("req-2", "dave's").end("req-2").awaitAcked();
        RequestLogsResponse before = requestLogs(
            withToken(channel, mint(issuer, "m", Role.MEMBER, "")), "app", "req-1",
            ByteString.EMPTY);
        assertThat(messages(before)).containsExactly("before 1", "before 2");
        cursor = before.getNextCursor();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    try (Broker second = Broker.start(config)) {
      ManagedChannel channel = channel(second);
      try {
        Channel member = withToken(channel, mint(issuer, "m", Role.MEMBER, ""));
        Channel carol = withToken(channel, mint(issuer, "carol", Role.CALLER, ""));
        RequestLogsResponse stillRunning = requestLogs(carol, "app", "req-1", ByteString.EMPTY);
        assertThat(messages(stillRunning)).containsExactly("before 1", "before 2");
        assertThat(stillRunning.getState()).isEqualTo(RequestState.RUNNING);
        assertThat(requestLogs(member, "app", "req-2", ByteString.EMPTY).getState())
            .isEqualTo(RequestState.COMPLETED);
        assertThat(failure(carol, "app", "req-2").getCode()).isEqualTo(Status.Code.NOT_FOUND);

        RawRunner runner = RawRunner.connect(withToken(channel,
            mint(issuer, "r", Role.RUNNER, "app")), "app", "r1");
        runner.lines("req-1", "after").end("req-1").awaitAcked();
        RequestLogsResponse resumed = requestLogs(member, "app", "req-1", cursor);
        assertThat(messages(resumed)).containsExactly("after");
        assertThat(resumed.getState()).isEqualTo(RequestState.COMPLETED);
        assertThat(resumed.getStatus()).isEqualTo(RequestStatus.REQUEST_OK);
        assertThat(requestLogs(carol, "app", "req-1", ByteString.EMPTY).getState())
            .isEqualTo(RequestState.COMPLETED);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A request that started before a broker restart: the new session never saw it start, so
   * its lines take the caller (and endpoint) from the store's request index, and the caller
   * keeps seeing them.
   */
  @Test
  void aCallerSeesLinesSentAfterABrokerRestart(@TempDir Path dataDir) throws Exception {
    KeyPair issuer = IssuerKeys.generate();
    IssuerKeys.write(issuer, dataDir);
    BrokerConfig config = BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir);
    try (Broker first = Broker.start(config)) {
      ManagedChannel channel = channel(first);
      try {
        RawRunner runner = RawRunner.connect(withToken(channel,
            mint(issuer, "r", Role.RUNNER, "app")), "app", "r1");
        runner.start("req-1", "carol").lines("", "before").awaitAcked();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    try (Broker second = Broker.start(config)) {
      ManagedChannel channel = channel(second);
      try {
        RawRunner runner = RawRunner.connect(withToken(channel,
            mint(issuer, "r", Role.RUNNER, "app")), "app", "r1");
        runner.lines("req-1", "after").end("req-1").awaitAcked();
        Channel carol = withToken(channel, mint(issuer, "carol", Role.CALLER, ""));
        assertThat(messages(requestLogs(carol, "app", "req-1", ByteString.EMPTY)))
            .containsExactly("before", "after");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  // ---- helpers ----

  private static RequestLogsResponse requestLogs(Channel channel, String app, String requestId,
      ByteString after) {
    return LogsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .requestLogs(RequestLogsRequest.newBuilder().setApp(app).setRequestId(requestId)
            .setAfterCursor(after).build());
  }

  private static Status failure(Channel channel, String app, String requestId) {
    return statusOf(() -> requestLogs(channel, app, requestId, ByteString.EMPTY));
  }

  private static Status statusOf(Runnable call) {
    StatusRuntimeException e = catchThrowableOfType(call::run, StatusRuntimeException.class);
    assertThat(e).as("the call should have failed").isNotNull();
    return e.getStatus();
  }

  private static List<String> messages(RequestLogsResponse response) {
    return response.getRecordsList().stream().map(Record::getMessage).toList();
  }

  private static String[] numbered(int first, int count) {
    return IntStream.range(first, first + count).mapToObj(i -> "line " + i)
        .toArray(String[]::new);
  }

  private Channel member() {
    return sluice.channel(sluice.token("m", "acme", Role.MEMBER, ""));
  }

  private Channel caller(String id) {
    return sluice.channel(sluice.token(id, "acme", Role.CALLER, ""));
  }

  private RawRunner runner(String app, String runner) {
    return RawRunner.connect(sluice.channel(sluice.token("r", "acme", Role.RUNNER, app)), app,
        runner);
  }

  private static ManagedChannel channel(Broker broker) {
    return NettyChannelBuilder.forAddress("127.0.0.1", broker.grpcPort()).usePlaintext().build();
  }

  private static String mint(KeyPair issuer, String subject, Role role, String app) {
    return Tokens.mint(Tokens.claims(subject, "acme", role, app, Duration.ofHours(1),
        Instant.now()), issuer.getPrivate(), issuer.getPublic());
  }

  private static Channel withToken(Channel channel, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return ClientInterceptors.intercept(channel,
        MetadataUtils.newAttachHeadersInterceptor(headers));
  }
}
