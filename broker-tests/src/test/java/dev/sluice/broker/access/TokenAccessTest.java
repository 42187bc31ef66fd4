package dev.sluice.broker.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.testing.TailCollector;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.Tokens;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The access proxy over real gRPC: tokens, roles, accounts, callers and private logs. */
class TokenAccessTest {
  @RegisterExtension
  final SluiceBroker sluice = SluiceBroker.secured();

  private static TailRequest everything(String filter) {
    return TailRequest.newBuilder().setFilter(filter)
        .setStart(StartPosition.newBuilder().setSinceUnixNano(1)).build();
  }

  @Test
  void ingestWithoutAValidTokenIsRefusedBeforeAnyFrameIsRead() throws Exception {
    for (Channel channel : List.of(sluice.channel(), sluice.channel("not-a-token"))) {
      RawRunner runner = new RawRunner(channel);
      runner.send(dev.sluice.proto.v1.IngestFrame.newBuilder().setHello(
          dev.sluice.proto.v1.Hello.newBuilder().setApp("my-model").setRunner("r1")
              .setVersion("v1")).build());
      assertThat(runner.awaitEnd().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(runner.replies()).isEmpty();
    }
  }

  @Test
  void refusesMissingMalformedForgedForeignAndExpiredTokens() throws Exception {
    assertTailRefused(sluice.channel(), Status.Code.UNAUTHENTICATED, "missing token");
    assertTailRefused(withHeader("Basic abc"), Status.Code.UNAUTHENTICATED,
        "malformed authorization header");
    assertTailRefused(sluice.channel("not-a-token"), Status.Code.UNAUTHENTICATED,
        "malformed token");

    String member = sluice.token("bob", "acme", Role.MEMBER, "");
    String[] parts = member.split("\\.");
    String forged = parts[0] + "." + parts[1] + "." + (parts[2].startsWith("A")
        ? "B" + parts[2].substring(1) : "A" + parts[2].substring(1));
    assertTailRefused(sluice.channel(forged), Status.Code.UNAUTHENTICATED, "forged token");

    KeyPair other = IssuerKeys.generate();
    String foreign = Tokens.mint(Tokens.claims("bob", "acme", Role.MEMBER, "",
        Duration.ofHours(1), Instant.now()), other.getPrivate(), other.getPublic());
    assertTailRefused(sluice.channel(foreign), Status.Code.UNAUTHENTICATED, "wrong issuer");

    String expired = Tokens.mint(Tokens.claims("bob", "acme", Role.MEMBER, "",
        Duration.ofSeconds(1), Instant.now().minusSeconds(3600)), sluice.issuer().getPrivate(),
        sluice.issuer().getPublic());
    assertTailRefused(sluice.channel(expired), Status.Code.UNAUTHENTICATED, "expired token");
  }

  @Test
  void neverEchoesTheToken() throws Exception {
    String token = sluice.token("bob", "acme", Role.RUNNER, "app");
    TailCollector tail = TailCollector.tail(sluice.channel(token), "app.>");
    Status status = tail.awaitEnd();
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).doesNotContain(token).doesNotContain(token.split("\\.")[2]);
  }

  @Test
  void runnerMayIngestOnlyItsTokensAppAndReadNothing() throws Exception {
    Channel runner = sluice.channel(sluice.token("runner-1", "acme", Role.RUNNER, "my-model"));
    RawRunner wrongApp = new RawRunner(runner);
    wrongApp.send(IngestFrame.newBuilder().setHello(
        Hello.newBuilder().setApp("other-model").setRunner("r1")).build());
    Status refused = wrongApp.awaitEnd();
    assertThat(refused.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(refused.getDescription()).contains("hello.app 'other-model'")
        .contains("for app 'my-model' only");

    RawRunner ok = RawRunner.connect(runner, "my-model", "r1");
    assertThat(ok.replies().get(0).getWelcome().getAccount()).isEqualTo("acme");
    ok.lines("", "hello").awaitAcked();

    assertTailRefused(runner, Status.Code.PERMISSION_DENIED, "role is runner");
    Channel member = sluice.channel(sluice.token("bob", "acme", Role.MEMBER, ""));
    RawRunner memberIngest = new RawRunner(member);
    memberIngest.send(IngestFrame.newBuilder().setHello(
        Hello.newBuilder().setApp("my-model").setRunner("r1")).build());
    Status denied = memberIngest.awaitEnd();
    assertThat(denied.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(denied.getDescription()).contains("ingest needs the role runner");
  }

  @Test
  void accountsAreSeparateSubjectSpaces() throws Exception {
    RawRunner a = RawRunner.connect(
        sluice.channel(sluice.token("ra", "acct-a", Role.RUNNER, "shared-name")), "shared-name", "r1");
    RawRunner b = RawRunner.connect(
        sluice.channel(sluice.token("rb", "acct-b", Role.RUNNER, "shared-name")), "shared-name", "r1");
    a.lines("", "a1", "a2").awaitAcked();
    b.lines("", "b1").awaitAcked();

    TailCollector memberA = TailCollector.tail(
        sluice.channel(sluice.token("ma", "acct-a", Role.ADMIN, "")), everything(">"));
    TailCollector memberB = TailCollector.tail(
        sluice.channel(sluice.token("mb", "acct-b", Role.MEMBER, "")), everything(">"));
    memberA.awaitRecords(2);
    memberB.awaitRecords(1);
    a.lines("", "a3").awaitAcked();
    memberA.awaitRecords(3);
    b.lines("", "b2").awaitAcked();
    memberB.awaitRecords(2);

    assertThat(memberA.lines()).containsExactly("a1", "a2", "a3");
    assertThat(memberB.lines()).containsExactly("b1", "b2");
    assertThat(memberA.records()).allMatch(r -> r.getLabels().getAccount().equals("acct-a"));
  }

  @Test
  void callerSeesExactlyItsOwnRequestAndNoLinesOfAPrivateApp() throws Exception {
    Channel runnerChannel = sluice.channel(sluice.token("r", "acme", Role.RUNNER, "public-app"));
    RawRunner runner = RawRunner.connect(runnerChannel, "public-app", "r1");
    runner.start("req-1", "carol").lines("", "carol's line").end("req-1")
        .start("req-2", "dave").lines("", "dave's line").end("req-2")
        .lines("", "setup line");
    Channel privateChannel = sluice.channel(sluice.token("r", "acme", Role.RUNNER, "secret-app"));
    RawRunner privateRunner = new RawRunner(privateChannel);
    privateRunner.send(IngestFrame.newBuilder().setHello(Hello.newBuilder().setApp("secret-app")
        .setRunner("r1").setPrivateLogs(true)).build());
    privateRunner.awaitWelcome();
    privateRunner.start("req-9", "carol").lines("", "private line").end("req-9");
    runner.awaitAcked();
    privateRunner.awaitAcked();
    Channel carol = sluice.channel(sluice.token("carol", "acme", Role.CALLER, ""));

    TailCollector own = TailCollector.tail(carol, everything("public-app.*.req-1"));
    own.awaitRecords(3);
    assertThat(own.records()).extracting(r -> r.getMessage())
        .containsExactly("request req-1 started", "carol's line", "request req-1 ended: REQUEST_OK");

    TailCollector others = TailCollector.tail(carol, everything("public-app.*.req-2"));
    TailCollector privateView = TailCollector.tail(carol, everything("secret-app.*.req-9"));
    privateView.awaitRecords(2);
    assertThat(privateView.records()).extracting(r -> r.getKind())
        .containsExactly(RecordKind.REQUEST_START, RecordKind.REQUEST_END);
    // Whatever arrives for another caller's request must be nothing: check after a record of
    // carol's own arrived later than dave's lines.
    assertThat(others.records()).isEmpty();

    assertTailRefused(carol, Status.Code.PERMISSION_DENIED, "only its own requests", "public-app.>");
    // The owner sees everything, private app included.
    TailCollector owner = TailCollector.tail(
        sluice.channel(sluice.token("o", "acme", Role.MEMBER, "")), everything("secret-app.>"));
    owner.awaitRecords(3);
    assertThat(owner.lines()).containsExactly("private line");
  }

  @Test
  void trustsOldAndNewIssuerKeysDuringRotationAndRefusesARemovedOne(@TempDir Path keys)
      throws Exception {
    KeyPair next = IssuerKeys.generate();
    IssuerKeys.write(next, keys);
    Path oldKey = sluice.dataDir().resolve(IssuerKeys.PUBLIC_FILE);
    Path newKey = keys.resolve(IssuerKeys.PUBLIC_FILE);
    String oldToken = sluice.token("bob", "acme", Role.MEMBER, "");
    String newToken = Tokens.mint(Tokens.claims("bob", "acme", Role.MEMBER, "",
        Duration.ofHours(1), Instant.now()), next.getPrivate(), next.getPublic());

    BrokerConfig base = BrokerConfig.defaults().withGrpcPort(0).withDataDir(Files.createTempDirectory(keys, "d"));
    try (Broker both = Broker.start(base.withTrustedKeys(List.of(oldKey, newKey)))) {
      assertTailOpens(both, oldToken);
      assertTailOpens(both, newToken);
    }
    try (Broker onlyNew = Broker.start(base.withTrustedKeys(List.of(newKey)))) {
      assertTailOpens(onlyNew, newToken);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", onlyNew.grpcPort())
          .usePlaintext().build();
      try {
        assertTailRefused(withToken(channel, oldToken), Status.Code.UNAUTHENTICATED, "wrong issuer");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private void assertTailOpens(Broker broker, String token) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.grpcPort())
        .usePlaintext().build();
    try {
      TailCollector tail = TailCollector.tail(withToken(channel, token), "app.>");
      org.awaitility.Awaitility.await().until(() -> broker.stats().value("tail.open") == 1 || tail.isEnded());
      assertThat(tail.isEnded()).isFalse();
      tail.close();
      org.awaitility.Awaitility.await().until(() -> broker.stats().value("tail.open") == 0);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static Channel withToken(Channel channel, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private Channel withHeader(String value) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), value);
    return ClientInterceptors.intercept(sluice.channel(),
        MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static void assertTailRefused(Channel channel, Status.Code code, String message)
      throws Exception {
    assertTailRefused(channel, code, message, "app.>");
  }

  private static void assertTailRefused(Channel channel, Status.Code code, String message,
      String filter) throws Exception {
    Status status = TailCollector.tail(channel, filter).awaitEnd();
    assertThat(status.getCode()).isEqualTo(code);
    assertThat(status.getDescription()).contains(message);
  }

  @Test
  void adminSetsAppPolicyOverridingRunnersAndOnlyAdminsMay() throws Exception {
    Channel member = sluice.channel(sluice.token("m", "acme", Role.MEMBER, ""));
    Channel admin = sluice.channel(sluice.token("a", "acme", Role.ADMIN, ""));
    dev.sluice.proto.v1.AppPolicy makePrivate = dev.sluice.proto.v1.AppPolicy.newBuilder()
        .setApp("public-app").setPrivateLogs(true).build();
    assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(
        () -> dev.sluice.proto.v1.AppsGrpc.newBlockingStub(member).setAppPolicy(makePrivate),
        io.grpc.StatusRuntimeException.class).getStatus())
        .satisfies(st -> {
          assertThat(st.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(st.getDescription()).contains("setting app policy needs the role admin");
        });
    assertThat(dev.sluice.proto.v1.AppsGrpc.newBlockingStub(admin).setAppPolicy(makePrivate)
        .getPrivateLogs()).isTrue();

    // Runners announce public logs; the admin's setting wins.
    RawRunner runner = RawRunner.connect(
        sluice.channel(sluice.token("r", "acme", Role.RUNNER, "public-app")), "public-app", "r1");
    runner.start("req-1", "carol").lines("", "carol's line").end("req-1").awaitAcked();
    assertThat(dev.sluice.proto.v1.AppsGrpc.newBlockingStub(member).getAppPolicy(
        dev.sluice.proto.v1.AppRef.newBuilder().setApp("public-app").build()).getPrivateLogs())
        .isTrue();

    TailCollector carol = TailCollector.tail(
        sluice.channel(sluice.token("carol", "acme", Role.CALLER, "")),
        everything("public-app.*.req-1"));
    carol.awaitRecords(2);
    assertThat(carol.records()).extracting(r -> r.getKind())
        .containsExactly(RecordKind.REQUEST_START, RecordKind.REQUEST_END);
  }

  @Test
  void sameAppRunnerAndSessionIdInTwoAccountsShareNoRequestScopes() throws Exception {
    RawRunner a = helloWithSession("acct-a");
    RawRunner b = helloWithSession("acct-b");
    a.start("req-a", "carol").awaitAcked();
    b.lines("", "b's unscoped line").awaitAcked();
    TailCollector memberB = TailCollector.tail(
        sluice.channel(sluice.token("mb", "acct-b", Role.MEMBER, "")), everything(">"));
    memberB.awaitRecords(1);
    assertThat(memberB.records().get(0).getSubject()).isEqualTo("app.r1._");
    assertThat(memberB.records().get(0).getLabels().getCaller()).isEmpty();
  }

  @Test
  void oneRunnerAnnouncingPublicLogsDoesNotMakeAPrivateAppPublic() throws Exception {
    Channel runners = sluice.channel(sluice.token("r", "acme", Role.RUNNER, "secret-app"));
    RawRunner privateOne = new RawRunner(runners);
    privateOne.send(IngestFrame.newBuilder().setHello(Hello.newBuilder().setApp("secret-app")
        .setRunner("r1").setPrivateLogs(true)).build());
    privateOne.awaitWelcome();
    RawRunner publicOne = RawRunner.connect(runners, "secret-app", "r2"); // private_logs=false
    publicOne.start("req-1", "carol").lines("", "must stay hidden").end("req-1").awaitAcked();

    TailCollector carol = TailCollector.tail(
        sluice.channel(sluice.token("carol", "acme", Role.CALLER, "")),
        everything("secret-app.*.req-1"));
    carol.awaitRecords(2);
    assertThat(carol.records()).extracting(r -> r.getKind())
        .containsExactly(RecordKind.REQUEST_START, RecordKind.REQUEST_END);
  }

  private RawRunner helloWithSession(String account) {
    RawRunner runner = new RawRunner(sluice.channel(sluice.token("r", account, Role.RUNNER, "app")));
    runner.send(IngestFrame.newBuilder().setHello(Hello.newBuilder().setApp("app").setRunner("r1")
        .setSessionId("main")).build());
    runner.awaitWelcome();
    return runner;
  }
}
