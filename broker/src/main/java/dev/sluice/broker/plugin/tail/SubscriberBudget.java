package dev.sluice.broker.plugin.tail;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes queued to subscribers, bounded for the whole broker and for each account: a
 * record's bytes count from the moment a tail queues them until its transport has written
 * them to the socket (a stalled reader's messages stay counted while they wait in HTTP/2 flow
 * control). Whatever the runners send and however many readers stall, the broker holds no
 * more than {@code total} bytes for subscribers, and one account no more than
 * {@code perAccount}, so one account's stalled readers cannot take the others' share.
 *
 * <p>A tail that cannot have bytes waits: its records stay in the store, and it is woken when
 * bytes come back, in turn: a few waiters per release, those of the account that gave them
 * back (its own bound held them up) and those the broker-wide bound held up. So an account's
 * many waiting readers cost nothing while the others' bytes come and go.
 */
final class SubscriberBudget {
  /** Waiters woken per release, from each queue: the rest wait for their turn. */
  private static final int WAKE = 2;

  private final long total;
  private final long perAccount;
  private final AtomicLong used = new AtomicLong();
  private final ConcurrentHashMap<String, Share> accounts = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Waiter> waitingForAny = new ConcurrentLinkedQueue<>();

  /** Why a take was refused. */
  enum Refusal { NONE, ACCOUNT, TOTAL }

  /** A tail that waits for bytes to come back. */
  interface Waiter {
    /**
     * Its turn came: it tries again. False if it no longer waits (it ended), so the turn goes
     * to the next one: a closed tail never takes a wake-up a live one needs.
     */
    boolean wake();
  }

  /** One account's part: its bytes and its waiting tails. A tail keeps a reference to it. */
  static final class Share {
    private final AtomicLong used = new AtomicLong();
    private final ConcurrentLinkedQueue<Waiter> waiting = new ConcurrentLinkedQueue<>();
  }

  SubscriberBudget(long total, long perAccount) {
    this.total = total;
    this.perAccount = perAccount;
  }

  /** The share of {@code account}, made on first use. */
  Share share(String account) {
    return accounts.computeIfAbsent(account, a -> new Share());
  }

  /** Takes {@code bytes} for an account if both bounds allow them. */
  Refusal tryTake(Share share, long bytes) {
    if (bytes <= 0) {
      return Refusal.NONE;
    }
    if (share.used.addAndGet(bytes) > perAccount) {
      share.used.addAndGet(-bytes);
      return Refusal.ACCOUNT;
    }
    if (used.addAndGet(bytes) > total) {
      used.addAndGet(-bytes);
      share.used.addAndGet(-bytes);
      return Refusal.TOTAL;
    }
    return Refusal.NONE;
  }

  /**
   * Takes {@code bytes} whatever the bounds say: a single record larger than a message's bytes
   * is sent all the same, and the memory it takes must be counted, not forgotten.
   */
  void force(Share share, long bytes) {
    checkNotNegative(bytes);
    share.used.addAndGet(bytes);
    used.addAndGet(bytes);
  }

  /** Gives back bytes taken for an account, and wakes a few of the tails that wait. */
  void give(Share share, long bytes) {
    checkNotNegative(bytes);
    if (bytes == 0) {
      return;
    }
    share.used.addAndGet(-bytes);
    used.addAndGet(-bytes);
    // A woken tail tries again on its own context and, finding no room, waits again at the
    // end of its queue: every waiter gets its turn.
    wake(share.waiting);
    wake(waitingForAny);
  }

  private static void checkNotNegative(long bytes) {
    if (bytes < 0) {
      // A bug in the caller's count: silently ignored, the bounds would drift for good.
      throw new IllegalStateException("subscriber bytes: " + bytes + " (expected >= 0)");
    }
  }

  private static void wake(ConcurrentLinkedQueue<Waiter> queue) {
    Waiter next;
    for (int woken = 0; woken < WAKE && (next = queue.poll()) != null; ) {
      if (next.wake()) {
        woken++;
      }
    }
  }

  /** Wakes {@code waiter} when bytes come back that the bound that refused it ({@code why}) frees. */
  void waitFor(Share share, Refusal why, Waiter waiter) {
    (why == Refusal.TOTAL ? waitingForAny : share.waiting).add(waiter);
  }

  /** {@code waiter} no longer waits (it got its bytes, or ended): it leaves its queue. */
  void stopWaiting(Share share, Waiter waiter) {
    if (!share.waiting.remove(waiter)) {
      waitingForAny.remove(waiter);
    }
  }

  /** True if {@code bytes} would fit under both bounds now. */
  boolean hasRoom(Share share, long bytes) {
    return share.used.get() + bytes <= perAccount && used.get() + bytes <= total;
  }

  /** Bytes held now, for all subscribers. */
  long used() {
    return used.get();
  }

  /** Bytes held now for {@code account}'s subscribers. */
  long used(String account) {
    Share share = accounts.get(account);
    return share == null ? 0 : share.used.get();
  }
}
