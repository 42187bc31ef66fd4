package dev.sluice.broker.plugin;

import dev.sluice.broker.store.Draft;
import dev.sluice.broker.store.StoredRecord;
import dev.sluice.broker.subject.Router;
import dev.sluice.broker.subject.SubjectFilter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans stored records out to subscribers off the store's writer thread, which every account's
 * durable appends wait for. Each account has a lane: a queue drained by one turn at a time, so
 * an account's records reach its subscribers in sequence order, and what its subscribers cost
 * is its lane's time alone.
 *
 * <p>Where a turn runs: on the context of the account's newest subscriber that has one (a
 * tail's), where the records go next, so the runner's event loop goes on decoding meanwhile;
 * else on the context that appended the batch (the runner's, where its ack goes anyway); else
 * (appends off any context: tests, tools) on a context of the lane's own, one per account
 * spread over the event loops.
 *
 * <p>An append completes once its batch is queued on its lane, unless the lane holds more than
 * {@link #BACKLOG} batches: then it completes once published, so a lane that falls behind
 * slows its own account's runners (their acks wait) and its queue stays bounded by their
 * windows. Acks do not wait for the publishing itself: its hop to another thread would lengthen
 * every runner's round trip (1r-1full lost 14 % that way).
 */
final class PublishLanes {
  private static final Logger LOG = LoggerFactory.getLogger(PublishLanes.class);
  // A lane's turn on its event loop: then the loop's other work (connections, tails) goes first.
  private static final int BATCHES_PER_TURN = 16;
  // Batches a lane may hold before its appends wait for their publishing: within it a runner's
  // ack goes out once its batch is durable and queued here; past it the lane's own account
  // slows down, so the queue stays bounded whatever its subscribers cost.
  static final int BACKLOG = 16;

  private final Router<Subscriber> router;
  private final List<Context> contexts;
  private final BiConsumer<Subscriber, List<StoredRecord>> deliver;
  private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
  private final AtomicInteger assigned = new AtomicInteger();
  // Subscriptions over every account (a system grant's): few or none, so a list read per batch.
  private final List<Across> across = new CopyOnWriteArrayList<>();

  private record Across(SubjectFilter filter, Subscriber.AcrossAccounts subscriber) {}

  PublishLanes(Router<Subscriber> router, List<Context> contexts,
      BiConsumer<Subscriber, List<StoredRecord>> deliver) {
    if (contexts.isEmpty()) {
      throw new IllegalArgumentException("contexts: none (expected: one per event loop)");
    }
    this.router = router;
    this.contexts = List.copyOf(contexts);
    this.deliver = deliver;
  }

  /** Delivers every account's records that match {@code filter}, each account's in order. */
  Router.Registration acrossAccounts(SubjectFilter filter, Subscriber.AcrossAccounts subscriber) {
    Across subscription = new Across(filter, subscriber);
    across.add(subscription);
    return () -> across.remove(subscription);
  }

  private void deliverAcross(String account, List<StoredRecord> records) {
    for (Across subscription : across) {
      List<StoredRecord> matched = new ArrayList<>(records.size());
      for (StoredRecord record : records) {
        if (subscription.filter().matches(record.subject())) {
          matched.add(record);
        }
      }
      if (matched.isEmpty()) {
        continue;
      }
      try {
        subscription.subscriber().onRecords(account, matched);
      } catch (RuntimeException e) {
        LOG.warn("a subscriber of every account failed to take {} records: {}", matched.size(),
            e.toString());
      }
    }
  }

  /**
   * Publishes the account's records on {@code context} while the returned registration is
   * open (the newest such context wins); a null context changes nothing.
   */
  Router.Registration placeNear(String account, Context context) {
    if (context == null) {
      return () -> { };
    }
    Lane lane = lane(account);
    lane.near.add(context);
    return () -> lane.near.remove(context);
  }

  private Lane lane(String account) {
    Lane lane = lanes.get(account);
    if (lane == null) {
      lane = lanes.computeIfAbsent(account, a -> new Lane(a,
          contexts.get(Math.floorMod(assigned.getAndIncrement(), contexts.size()))));
    }
    return lane;
  }

  /**
   * Queues what the store stored on the account's lane; completes at once, or once published
   * when the lane holds more than {@link #BACKLOG} batches.
   */
  Future<Void> offer(String account, List<StoredRecord> records, List<Draft> drafts,
      Context appender) {
    return lane(account).offer(new Batch(records, drafts, appender, Promise.promise()));
  }

  private record Batch(List<StoredRecord> records, List<Draft> drafts, Context appender,
      Promise<Void> done) {
    Router.Memo memo(int i) {
      return drafts.get(i) instanceof Router.Routed routed ? routed.routeMemo() : null;
    }
  }

  private final class Lane {
    private final String account;
    private final Context context;
    private final ConcurrentLinkedQueue<Batch> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicInteger backlog = new AtomicInteger();
    // Contexts of the account's subscribers that drain on one; the newest is last.
    private final CopyOnWriteArrayList<Context> near = new CopyOnWriteArrayList<>();

    Lane(String account, Context context) {
      this.account = account;
      this.context = context;
    }

    Future<Void> offer(Batch batch) {
      boolean behind = backlog.incrementAndGet() > BACKLOG;
      queue.add(batch);
      schedule();
      return behind ? batch.done().future() : Future.succeededFuture();
    }

    private void schedule() {
      if (scheduled.compareAndSet(false, true)) {
        try {
          on().runOnContext(v -> drain());
        } catch (RuntimeException e) {
          scheduled.set(false); // a context that refuses work (shutting down): try again later
          throw e;
        }
      }
    }

    private Context on() {
      Context[] subscribers = near.toArray(new Context[0]);
      if (subscribers.length > 0) {
        return subscribers[subscribers.length - 1];
      }
      Batch next = queue.peek();
      return next != null && next.appender() != null ? next.appender() : context;
    }

    private void drain() {
      try {
        for (int i = 0; i < BATCHES_PER_TURN; i++) {
          Batch batch = queue.poll();
          if (batch == null) {
            break;
          }
          try {
            router.publish(account, batch.records(), StoredRecord::subject, batch::memo,
                deliver);
            if (!across.isEmpty()) {
              deliverAcross(account, batch.records());
            }
          } catch (RuntimeException e) {
            // The records are stored; the lane goes on.
            LOG.error("publishing {} records of account {} failed", batch.records().size(),
                account, e);
          } finally {
            backlog.decrementAndGet();
            complete(batch);
          }
        }
      } finally {
        // Whatever happened above: a lane left scheduled would never publish again.
        scheduled.set(false);
      }
      // A batch queued after the last poll, while still scheduled, found nothing to do.
      if (!queue.isEmpty()) {
        schedule();
      }
    }

    /**
     * Completes a held append. Its listeners may run right here (the appender's own ack, when
     * the lane runs on its context): one that throws must not take the lane's turn with it.
     */
    private void complete(Batch batch) {
      try {
        batch.done().complete();
      } catch (RuntimeException e) {
        LOG.error("an append of account {} failed after it was stored and published", account,
            e);
      }
    }
  }
}
