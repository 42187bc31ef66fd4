package dev.sluice.client.tail;

import dev.sluice.client.TokenCredentials;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.TailRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reads logs from a Sluice broker: live tails today (history queries arrive with the durable
 * store), optionally resuming by themselves after a broker restart. One connection, shared by
 * every tail opened through it.
 *
 * <pre>{@code
 * try (SluiceSubscriber subscriber = SluiceSubscriber.connect("127.0.0.1:7400", token);
 *      TailSubscription tail = subscriber.tail("my-model.>")) {
 *   tail.forEachRemaining(event -> ...);
 * }
 * }</pre>
 */
public final class SluiceSubscriber implements AutoCloseable {
  /**
   * Largest tail message accepted. The broker stops a message at {@code tailBatchBytes} (1 MiB
   * by default), but one record with many fields can be larger by itself, so gRPC's 4 MiB
   * default is too small to be sure.
   */
  static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final ManagedChannel channel;
  private final LogsGrpc.LogsStub stub;

  private SluiceSubscriber(ManagedChannel channel, LogsGrpc.LogsStub stub) {
    this.channel = channel;
    this.stub = stub;
  }

  /**
   * Connects (lazily, on the first call) to the broker at {@code target}.
   *
   * @param target {@code host:port}
   * @param token sent as {@code authorization: Bearer <token>}; null for none
   */
  public static SluiceSubscriber connect(String target, String token) {
    Objects.requireNonNull(target, "target");
    // The default executor, not a direct one: callback-form tails run user code, which must
    // never block the transport's event loop.
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext()
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES).build();
    LogsGrpc.LogsStub stub = LogsGrpc.newStub(channel)
        .withCallCredentials(TokenCredentials.of(token));
    return new SluiceSubscriber(channel, stub);
  }

  /** Tails {@code request} as a blocking iterator. */
  public TailSubscription tail(TailRequest request) {
    return TailSubscription.start(stub, Objects.requireNonNull(request, "request"));
  }

  /** Tails the new records whose subject matches {@code filter}, as a blocking iterator. */
  public TailSubscription tail(String filter) {
    return tail(TailRequest.newBuilder().setFilter(filter).build());
  }

  /**
   * Tails {@code request} as a blocking iterator that outlives a broker restart or a lost
   * connection. When the tail ends with UNAVAILABLE after it had reached the broker, it is
   * reopened with backoff (100 ms doubling to 5 s, with jitter) after the records already
   * received ({@code StartPosition.after_cursor}), so nothing is missed or repeated while the
   * broker keeps them (a durable store does across restarts). Until a record has arrived it
   * reopens with the request's own start position (so with "new only", records stored while
   * it was away are not replayed). Any other error ends it as {@link #tail(TailRequest)} does;
   * so does UNAVAILABLE on the very first call (a wrong address or a broker that is not
   * running is reported, not retried forever). Waiting and reopening happen on the reading
   * thread, inside {@link TailSubscription#hasNext()} or {@link TailSubscription#poll}: a tail
   * that is not being read reconnects when it is read next.
   *
   * <pre>{@code
   * try (TailSubscription tail = subscriber.resumingTail(request, ReconnectListener.NONE)) {
   *   tail.forEachRemaining(event -> ...);  // waits through reconnects
   * }
   * }</pre>
   *
   * @param listener told, on the reading thread, when the tail reconnects and resumes
   */
  public TailSubscription resumingTail(TailRequest request, ReconnectListener listener) {
    return TailSubscription.resuming(stub, channel, Objects.requireNonNull(request, "request"),
        Objects.requireNonNull(listener, "listener"));
  }

  /** Tails {@code request}, handing every event to {@code onEvent}; see {@link TailHandle}. */
  public TailHandle tail(TailRequest request, Consumer<TailEvent> onEvent) {
    return TailHandle.start(stub, Objects.requireNonNull(request, "request"),
        Objects.requireNonNull(onEvent, "onEvent"));
  }

  /** Cancels every open tail and closes the connection. */
  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
