package dev.sluice.broker.plugin.tail;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.plugin.PluginContext;
import dev.sluice.broker.plugin.SluicePlugin;
import dev.sluice.proto.v1.TailRequest;
import io.vertx.core.Context;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live tail: every subscriber gets its own bounded queue, drained in batches on its own
 * context only while its transport is ready. A subscriber that cannot keep up loses records by
 * the configured overflow policy and is told how many, in a DROPPED notice; the broker's heap
 * never grows with a slow reader.
 */
public final class TailPlugin implements SluicePlugin {
  private final Set<TailStream> streams = ConcurrentHashMap.newKeySet();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder caughtUp = new LongAdder();
  private PluginContext context;
  private volatile boolean stopping;

  @Override
  public String name() {
    return "tail";
  }

  @Override
  public void start(PluginContext context) {
    this.context = context;
  }

  /**
   * Opens a tail for a reader that the access proxy granted {@code grant}. Call it on the
   * subscriber's event-loop context: the stream drains there.
   *
   * @return the stream; the transport calls {@link TailStream#onReady()} when writable again
   *     and {@link TailStream#cancel()} when the subscriber goes away
   */
  public TailStream open(ReadGrant grant, TailRequest request, TailSink sink) {
    if (context == null || stopping) {
      throw new SluiceException(Failure.UNAVAILABLE,
          "broker is shutting down; reconnect to resume");
    }
    Context ctx = context.vertx().getOrCreateContext();
    TailStream stream = new TailStream(this, context, grant, request, sink, ctx);
    streams.add(stream);
    try {
      stream.start();
    } catch (RuntimeException e) {
      stream.cancel();
      throw e;
    }
    return stream;
  }

  /** Records dropped from slow subscribers' queues since start. */
  public long droppedCount() {
    return dropped.sum();
  }

  /** Open tails. */
  public int openCount() {
    return streams.size();
  }

  /** Times a subscriber overflowed its queue and was moved back onto the store. */
  public long caughtUpCount() {
    return caughtUp.sum();
  }

  void countCaughtUp() {
    caughtUp.increment();
  }

  void countDropped(long n) {
    dropped.add(n);
  }

  void closed(TailStream stream) {
    streams.remove(stream);
  }

  @Override
  public void stop() {
    stopping = true;
    for (TailStream stream : streams) {
      stream.shutdown();
    }
  }
}
