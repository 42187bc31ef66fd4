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
  private final ConcurrentLinkedQueue<Runnable> waitingForAny = new ConcurrentLinkedQueue<>();

  /** Why a take was refused. */
  enum Refusal { NONE, ACCOUNT, TOTAL }

  /** One account's part: its bytes and its waiting tails. A tail keeps a reference to it. */
  static final class Share {
    private final AtomicLong used = new AtomicLong();
    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();
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

  /** Gives back bytes taken for an account, and wakes a few of the tails that wait. */
  void give(Share share, long bytes) {
    if (bytes <= 0) {
      return;
    }
    share.used.addAndGet(-bytes);
    used.addAndGet(-bytes);
    // A woken tail tries again on its own context and, finding no room, waits again at the
    // end of its queue: every waiter gets its turn.
    wake(share.waiting);
    wake(waitingForAny);
  }

  private static void wake(ConcurrentLinkedQueue<Runnable> queue) {
    Runnable wake;
    for (int i = 0; i < WAKE && (wake = queue.poll()) != null; i++) {
      wake.run();
    }
  }

  /** Runs {@code wake} when bytes come back that the bound that refused it ({@code why}) frees. */
  void waitFor(Share share, Refusal why, Runnable wake) {
    (why == Refusal.TOTAL ? waitingForAny : share.waiting).add(wake);
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
