package dev.sluice.broker.testing;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real broker on 127.0.0.1, port 0, with a fresh data directory before each test, and
 * closes it (and every channel handed out) after. Register with {@code @RegisterExtension}.
 */
public final class BrokerExtension implements BeforeEachCallback, AfterEachCallback {
  private final UnaryOperator<BrokerConfig> settings;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Broker broker;
  private Path dataDir;

  public BrokerExtension() {
    this(UnaryOperator.identity());
  }

  public BrokerExtension(UnaryOperator<BrokerConfig> settings) {
    this.settings = settings;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    dataDir = Files.createTempDirectory("sluice-test");
    broker = Broker.start(settings.apply(
        BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir)));
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    channels.clear();
    broker.close();
  }

  public Broker broker() {
    return broker;
  }

  /** A plain grpc-java (netty-shaded) channel to the broker, as runners will use. */
  public ManagedChannel channel() {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.grpcPort())
        .usePlaintext().maxInboundMessageSize(16 * 1024 * 1024).build();
    channels.add(channel);
    return channel;
  }
}
