package dev.sluice.gateway;

import dev.sluice.client.TokenCredentials;
import dev.sluice.client.tail.TailMessage;
import dev.sluice.proto.v1.AccessGrpc;
import dev.sluice.proto.v1.AppsGrpc;
import dev.sluice.proto.v1.DrainsGrpc;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gateway's connections to the broker. Every call carries the token of the person it is
 * made for (never a token of the gateway's own), so the broker decides access for each call
 * exactly as for a direct gRPC client. Live tails go to the connection with the fewest, since
 * the broker bounds the tails of one connection.
 */
final class BrokerLink implements AutoCloseable {
  /** One broker message (tailBatchBytes, 1 MiB by default) can exceed gRPC's 4 MiB default. */
  private static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;
  /** Per-stream HTTP/2 window towards the gateway; see the README's gateway limits. */
  static final int TAIL_WINDOW_BYTES = 1024 * 1024;
  /** The broker's mark on the headers of a tail it accepted (not on a refusal's). */
  static final Metadata.Key<String> TAIL_OPEN =
      Metadata.Key.of("sluice-tail", Metadata.ASCII_STRING_MARSHALLER);

  /** A unary call the broker has not answered by then fails (503) instead of hanging. */
  static final long UNARY_DEADLINE_SECONDS = 30;

  private final ManagedChannel[] channels;
  private final AtomicInteger[] tails;
  private final CancelBudget[] cancels;
  private final AtomicInteger next = new AtomicInteger();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      r -> {
        Thread t = new Thread(r, "sluice-gateway-cancels");
        t.setDaemon(true);
        return t;
      });

  BrokerLink(String target, int connections) {
    channels = new ManagedChannel[connections];
    tails = new AtomicInteger[connections];
    cancels = new CancelBudget[connections];
    for (int i = 0; i < connections; i++) {
      cancels[i] = new CancelBudget();
      // A fixed window (no auto-tuning): what a slow browser leaves unread in the gateway is
      // at most this per tail; beyond it the broker holds back (its overflow policy applies).
      // Direct executor: callbacks only hand work to the HTTP side's event loop, so a hop to a
      // thread pool per message would be cost without benefit.
      channels[i] = NettyChannelBuilder.forTarget(target).usePlaintext().directExecutor()
          .flowControlWindow(TAIL_WINDOW_BYTES)
          .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES).build();
      tails[i] = new AtomicInteger();
    }
    timer.scheduleWithFixedDelay(() -> {
      for (CancelBudget budget : cancels) {
        budget.release();
      }
    }, 250, 250, TimeUnit.MILLISECONDS);
  }

  LogsGrpc.LogsStub logs(String token) {
    return LogsGrpc.newStub(unary()).withCallCredentials(bearer(token))
        .withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  AppsGrpc.AppsStub apps(String token) {
    return AppsGrpc.newStub(unary()).withCallCredentials(bearer(token))
        .withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  DrainsGrpc.DrainsStub drains(String token) {
    return DrainsGrpc.newStub(unary()).withCallCredentials(bearer(token))
        .withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  AccessGrpc.AccessStub access(String token) {
    return AccessGrpc.newStub(unary()).withCallCredentials(bearer(token))
        .withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** OTLP's LogsService on the broker, for {@code POST /v1/otlp/logs}. */
  LogsServiceGrpc.LogsServiceStub otlp(String token) {
    return LogsServiceGrpc.newStub(unary()).withCallCredentials(bearer(token))
        .withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** A place for one live tail on the least busy connection; {@link Lease#close} frees it. */
  Lease tail(String token) {
    int best = 0;
    for (int i = 1; i < channels.length; i++) {
      if (tails[i].get() < tails[best].get()) {
        best = i;
      }
    }
    tails[best].incrementAndGet();
    return new Lease(channels[best], CallOptions.DEFAULT.withCallCredentials(bearer(token)),
        tails[best], cancels[best]);
  }

  /** A tail's stub and its place on a connection. */
  static final class Lease implements AutoCloseable {
    private final Channel channel;
    private final CallOptions options;
    private final CancelBudget cancels;
    private final AtomicReference<AtomicInteger> count;

    Lease(Channel channel, CallOptions options, AtomicInteger count, CancelBudget cancels) {
      this.channel = channel;
      this.options = options;
      this.count = new AtomicReference<>(count);
      this.cancels = cancels;
    }

    /**
     * Cancels {@code call} within its connection's reset budget, and frees the lease once the
     * cancel has run: until then the stream is still open at the broker and counts against
     * the connection's tails, so new tails should go elsewhere.
     */
    void cancel(ClientCall<?, ?> call, String why) {
      cancels.cancel(() -> {
        try {
          call.cancel(why, null);
        } finally {
          close();
        }
      });
    }

    /** A new Tail call (the caller's token attached), not started yet. */
    ClientCall<TailRequest, TailMessage> newTail() {
      return channel.newCall(TailMessage.METHOD, options);
    }

    /** Frees the lease, once (the broker's end and a cancel may both come). */
    @Override
    public void close() {
      AtomicInteger held = count.getAndSet(null);
      if (held != null) {
        held.decrementAndGet();
      }
    }
  }

  private ManagedChannel unary() {
    return channels[Math.floorMod(next.getAndIncrement(), channels.length)];
  }

  private static CallCredentials bearer(String token) {
    return TokenCredentials.of(token);
  }


  @Override
  public void close() {
    timer.shutdownNow();
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
    for (ManagedChannel channel : channels) {
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
