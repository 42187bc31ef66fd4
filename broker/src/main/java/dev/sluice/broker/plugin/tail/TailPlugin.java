package dev.sluice.broker.plugin.tail;

import dev.sluice.broker.BrokerConfig;
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
  /** How often tails are checked for readers that stopped reading (and waiters nudged). */
  static final long STALL_CHECK_MS = 1_000;

  private final Set<TailStream> streams = ConcurrentHashMap.newKeySet();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder caughtUp = new LongAdder();
  private final LongAdder stalled = new LongAdder();
  private PluginContext context;
  private SubscriberBudget budget;
  private TailLimits limits;
  private long stallTimer = -1;
  private volatile boolean stopping;

  @Override
  public String name() {
    return "tail";
  }

  @Override
  public void start(PluginContext context) {
    this.context = context;
    BrokerConfig.Isolation isolation = context.config().isolation();
    this.budget = new SubscriberBudget(isolation.subscriberBytes(),
        isolation.accountSubscriberBytes());
    this.limits = new TailLimits(isolation);
    long limitNanos = isolation.stalledTail().toNanos();
    this.stallTimer = context.vertx().setPeriodic(STALL_CHECK_MS, id -> {
      long now = System.nanoTime();
      for (TailStream stream : streams) {
        if (stream.cutIfStalled(now, limitNanos)) {
          stalled.increment();
        } else {
          stream.retryIfWaiting();
        }
      }
    });
  }

  SubscriberBudget budget() {
    return budget;
  }

  /** Subscriber bytes held now (queued, or in transport), all accounts together. */
  public long heldBytes() {
    return budget.used();
  }

  /** Tails cut because their readers took nothing for {@code isolation.stalledTail}. */
  public long stalledCount() {
    return stalled.sum();
  }

  /**
   * Opens a tail for a reader that the access proxy granted {@code grant}. Call it on the
   * subscriber's event-loop context: the stream drains there.
   *
   * @param principal who reads (a token's subject), for the per-principal limit
   * @param connection the reader's connection, for the per-connection limit; null if none
   * @return the stream; the transport calls {@link TailStream#onReady()} when writable again
   *     and {@link TailStream#cancel()} when the subscriber goes away
   * @throws SluiceException RESOURCE_EXHAUSTED past a limit on concurrent tails
   */
  public TailStream open(ReadGrant grant, String principal, String connection,
      TailRequest request, TailSink sink) {
    if (context == null || stopping) {
      throw new SluiceException(Failure.UNAVAILABLE,
          "broker is shutting down; reconnect to resume");
    }
    TailLimits.Slot slot = limits.acquire(connection, principal, grant.account());
    Context ctx = context.vertx().getOrCreateContext();
    TailStream stream;
    try {
      stream = new TailStream(this, context, grant, request, sink, ctx, slot);
    } catch (RuntimeException e) {
      limits.release(slot);
      throw e;
    }
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

  void closed(TailStream stream, TailLimits.Slot slot) {
    if (streams.remove(stream)) {
      limits.release(slot);
    }
  }

  @Override
  public void stop() {
    stopping = true;
    if (stallTimer >= 0) {
      context.vertx().cancelTimer(stallTimer);
    }
    for (TailStream stream : streams) {
      stream.shutdown();
    }
  }
}
