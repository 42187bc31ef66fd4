package dev.sluice.broker.plugin.tail;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.broker.error.Failure;
import dev.sluice.broker.error.SluiceException;
import dev.sluice.broker.plugin.PluginContext;
import dev.sluice.broker.plugin.SluicePlugin;
import dev.sluice.broker.plugin.TailSink;
import dev.sluice.broker.plugin.Tails;
import dev.sluice.broker.stats.Stats;
import dev.sluice.proto.v1.TailRequest;
import io.vertx.core.Context;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;


/**
 * Live tail: every subscriber gets its own bounded queue, drained in batches on its own
 * context only while its transport is ready. A subscriber that cannot keep up loses records by
 * the configured overflow policy and is told how many, in a DROPPED notice; the broker's heap
 * never grows with a slow reader.
 */
public final class TailPlugin implements SluicePlugin, Tails {
  /** How often tails are checked for readers that stopped reading (and waiters nudged). */
  static final long STALL_CHECK_MS = 1_000;

  private final Set<TailStream> streams = ConcurrentHashMap.newKeySet();
  private Stats.Counter dropped;
  private Stats.Counter caughtUp;
  private Stats.Counter stalled;
  private PluginContext context;
  private TailSettings settings;
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
    this.settings = context.settings(TailSettings.class);
    this.budget = new SubscriberBudget(settings.subscriberBytes(),
        settings.accountSubscriberBytes());
    this.limits = new TailLimits(settings);
    Stats stats = context.stats();
    stats.gauge("tail.open", "live tails open now", streams::size);
    stats.gauge("tail.held_bytes", "record bytes held for tails now: queued, or in transport "
        + "not yet sent", budget::used);
    this.stalled = stats.counter("tail.stalled", "tails cut because their readers took "
        + "nothing for tail.stalledTail");
    this.dropped = stats.counter("tail.dropped", "records dropped from slow tails' queues");
    this.caughtUp = stats.counter("tail.caught_up", "times a tail overflowed its queue and "
        + "was moved back onto the store");
    long limitNanos = settings.stalledTail().toNanos();
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

  TailSettings settings() {
    return settings;
  }

  @Override
  public Tails.Tail open(ReadGrant grant, String principal, String connection,
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
