package dev.sluice.client.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The one connection of a command that makes its calls to the broker and exits
 * ({@code sluice logs}, {@code sluice drains ...}): a plaintext channel opened for the calls
 * and closed after them, stdout flushed, and a refusal explained on stderr with exit status 1.
 */
final class BrokerCall {
  /** gRPC's own limit on a message received, for commands whose answers are small. */
  static final int DEFAULT_MAX_INBOUND_BYTES = 4 * 1024 * 1024;

  /** The calls, on the open channel; returns the exit status. */
  @FunctionalInterface
  interface Calls {
    int run(ManagedChannel channel);
  }

  private BrokerCall() {}

  /**
   * Runs {@code calls} on a channel to {@code target}; a status they end with becomes the
   * sentence {@code explain} makes of it, and exit status 1.
   */
  static int run(CommandSpec spec, HostPort target, int maxInboundBytes,
      Function<Status, String> explain, Calls calls) {
    ManagedChannel channel = NettyChannelBuilder.forTarget(target.toString()).usePlaintext()
        .maxInboundMessageSize(maxInboundBytes).build();
    try {
      return calls.run(channel);
    } catch (StatusRuntimeException e) {
      return CommandErrors.failed(spec, explain.apply(e.getStatus()));
    } finally {
      spec.commandLine().getOut().flush();
      close(channel);
    }
  }

  private static void close(ManagedChannel channel) {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
