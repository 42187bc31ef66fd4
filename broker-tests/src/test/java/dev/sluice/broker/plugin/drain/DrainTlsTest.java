package dev.sluice.broker.plugin.drain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.proto.v1.CreateDrainRequest;
import dev.sluice.proto.v1.DrainRef;
import dev.sluice.proto.v1.DrainSpec;
import dev.sluice.proto.v1.DrainStatus;
import dev.sluice.proto.v1.DrainsGrpc;
import dev.sluice.testing.RawRunner;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drains over real HTTPS: a receiver with a certificate from a CA the broker was told to trust
 * (a Bouncy Castle CA in its CA file) gets the batches; one whose certificate comes from an
 * unknown CA gets nothing (the handshake fails); a redirect is never followed.
 */
class DrainTlsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dataDir;

  private void run(TlsCa trusted, Receiver receiver, Check check) throws Exception {
    BrokerConfig config = BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir)
        .withInsecure(true).withDrains(DrainSettings.DEFAULTS
            .withAllowAddresses(List.of("127.0.0.1/32")).withCaFile(trusted.writeCaPem(dataDir))
            .withRetry(Duration.ofMillis(20), Duration.ofMillis(100)));
    try (Broker broker = Broker.start(config)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.grpcPort())
          .usePlaintext().build();
      try {
        DrainsGrpc.newBlockingStub(channel).createDrain(CreateDrainRequest.newBuilder()
            .setSpec(DrainSpec.newBuilder().setName("d").setUrl(receiver.url())
                .setSecret(DrainDeliveryTest.SECRET).setFlushIntervalMs(100)).build());
        RawRunner.connect(channel, "app", "r1").lines("", "over tls").awaitAcked();
        check.run(() -> DrainsGrpc.newBlockingStub(channel).getDrain(DrainRef.newBuilder()
            .setName("d").build()).getStatus());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  interface Status {
    DrainStatus get();
  }

  interface Check {
    void run(Status status) throws Exception;
  }

  @Test
  void aReceiverWithACertificateFromTheConfiguredCaGetsTheBatches() throws Exception {
    TlsCa ca = TlsCa.create("Sluice Test CA");
    try (Receiver receiver = Receiver.startTls(ca.serverPem())) {
      run(ca, receiver, status -> {
        Awaitility.await().atMost(WAIT).until(() -> status.get().getDeliveredLines() >= 1);
        assertThat(new String(receiver.requests().get(0).body(), StandardCharsets.UTF_8))
            .contains("over tls");
      });
    }
  }

  @Test
  void aCertificateFromAnUnknownCaIsRefused() throws Exception {
    TlsCa trusted = TlsCa.create("Trusted CA");
    TlsCa stranger = TlsCa.create("Someone Else's CA");
    try (Receiver receiver = Receiver.startTls(stranger.serverPem())) {
      run(trusted, receiver, status -> {
        Awaitility.await().atMost(WAIT).until(() -> status.get().getTotalFailures() >= 2);
        assertThat(status.get().getLastError()).startsWith("network: ")
            .containsIgnoringCase("certification path");
        assertThat(receiver.requests()).isEmpty();
        assertThat(status.get().getDeliveredLines()).isZero();
      });
    }
  }

  @Test
  void aRedirectIsAFailureNotANewDestination() throws Exception {
    TlsCa ca = TlsCa.create("Sluice Test CA");
    try (Receiver receiver = Receiver.startTls(ca.serverPem())) {
      receiver.setDefault(302);
      run(ca, receiver, status -> {
        Awaitility.await().atMost(WAIT).until(() -> status.get().getTotalFailures() >= 2);
        assertThat(status.get().getLastError()).startsWith("HTTP 302");
        assertThat(status.get().getDeliveredLines()).isZero();
      });
    }
  }
}
