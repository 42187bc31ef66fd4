package dev.sluice.testing;

import dev.sluice.broker.Broker;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * A plaintext channel to a broker a test started itself (for tests that restart brokers, where
 * {@link SluiceBroker} does not fit), shut down after use.
 */
public final class BrokerChannels {
  private BrokerChannels() {}

  /** What a test does with the channel. */
  @FunctionalInterface
  public interface Use {
    void use(ManagedChannel channel) throws Exception;
  }

  public static void with(Broker broker, Use use) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.grpcPort())
        .usePlaintext().build();
    try {
      use.use(channel);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
