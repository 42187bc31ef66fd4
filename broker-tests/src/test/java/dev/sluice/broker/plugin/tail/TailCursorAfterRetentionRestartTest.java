package dev.sluice.broker.plugin.tail;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.BrokerConfig.Retention;
import dev.sluice.testing.RawRunner;
import dev.sluice.testing.TailCollector;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.Tokens;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A quiet account whose every segment retention deleted (another account kept writing), then a
 * broker restart: its readers' cursors are still cursors of records this store once held, so a
 * tail resuming from one must be accepted, told of what is gone, and follow live from there.
 * ({@code SegmentStore.lastSeq} takes the checkpointed sequence into account, or the cursor
 * would be refused as "beyond this broker's newest record".)
 */
class TailCursorAfterRetentionRestartTest {
  private static final long LIMIT = 48 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dataDir;

  @Test
  void cursorOfADeletedAccountHistoryIsAcceptedAfterARestart() throws Exception {
    KeyPair issuer = IssuerKeys.generate();
    IssuerKeys.write(issuer, dataDir);
    BrokerConfig config = BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir)
        .withMemoryStoreRecords(50).withSegmentBytes(16 * 1024)
        .withRetention(new Retention(Duration.ofDays(30), LIMIT, Duration.ofMillis(100)));
    ByteString last;
    try (Broker first = Broker.start(config)) {
      ManagedChannel plain = channel(first);
      try {
        RawRunner quiet = RawRunner.connect(as(plain, issuer, "quiet", Role.RUNNER, "app"),
            "app", "r1");
        lines(quiet, 1, 300);
        Channel reader = as(plain, issuer, "quiet", Role.MEMBER, "");
        try (TailCollector all = TailCollector.tail(reader, TailRequest.newBuilder()
            .setFilter("app.>").setStart(StartPosition.newBuilder().setSinceUnixNano(1))
            .build())) {
          all.awaitRecords(300);
          last = all.records().get(299).getCursor();
        }
        // Another account fills the store: retention deletes every segment of "quiet".
        RawRunner busy = RawRunner.connect(as(plain, issuer, "busy", Role.RUNNER, "app"),
            "app", "r1");
        lines(busy, 1, 3_000);
        Path log = dataDir.resolve("log");
        Awaitility.await().atMost(WAIT).until(() -> segmentBytes(log) <= LIMIT);
      } finally {
        plain.shutdownNow();
      }
    }
    try (Broker second = Broker.start(config)) {
      ManagedChannel plain = channel(second);
      try {
        // The newest cursor the reader holds: nothing after it is gone, so no notice either.
        TailCollector after = TailCollector.tail(as(plain, issuer, "quiet", Role.MEMBER, ""),
            resume(last));
        RawRunner quiet = RawRunner.connect(as(plain, issuer, "quiet", Role.RUNNER, "app"),
            "app", "r1");
        lines(quiet, 301, 301);
        after.awaitRecords(1);
        assertThat(after.isEnded()).as("tail refused: %s", after.isEnded()
            ? after.awaitEnd() : null).isFalse();
        assertThat(after.records()).extracting(r -> r.getSeq()).containsExactly(301L);
        assertThat(after.notices()).isEmpty();
      } finally {
        plain.shutdownNow();
      }
    }
  }

  private static TailRequest resume(ByteString cursor) {
    return TailRequest.newBuilder().setFilter("app.>")
        .setStart(StartPosition.newBuilder().setAfterCursor(cursor)).build();
  }

  private static void lines(RawRunner runner, int from, int to) {
    for (int i = from; i <= to; i += 100) {
      runner.lines("", IntStream.rangeClosed(i, Math.min(to, i + 99))
          .mapToObj(n -> "line " + n + " " + "z".repeat(40)).toArray(String[]::new));
    }
    runner.awaitAcked();
  }

  private static ManagedChannel channel(Broker broker) {
    return NettyChannelBuilder.forAddress("127.0.0.1", broker.grpcPort()).usePlaintext().build();
  }

  private static Channel as(Channel channel, KeyPair issuer, String account, Role role,
      String app) {
    String token = Tokens.mint(Tokens.claims(account + "-" + role.wireName(), account, role, app,
        Duration.ofHours(1), Instant.now()), issuer.getPrivate(), issuer.getPublic());
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static long segmentBytes(Path log) throws Exception {
    try (Stream<Path> files = Files.list(log)) {
      long total = 0;
      for (Path file : files.filter(p -> p.toString().endsWith(".seg")).toList()) {
        try {
          total += Files.size(file);
        } catch (java.nio.file.NoSuchFileException deletedMeanwhile) {
          // retention removed it between the listing and now
        }
      }
      return total;
    }
  }
}
