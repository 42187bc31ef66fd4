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
  private final long total;
  private final long perAccount;
  private final AtomicLong used = new AtomicLong();
  private final ConcurrentHashMap<String, AtomicLong> accounts = new ConcurrentHashMap<>();
  /** Waiters woken per release, from each queue: the rest wait for their turn. */
  private static final int WAKE = 2;
  private final ConcurrentHashMap<String, ConcurrentLinkedQueue<Runnable>> waitingFor =
      new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Runnable> waitingForAny = new ConcurrentLinkedQueue<>();

  SubscriberBudget(long total, long perAccount) {
    this.total = total;
    this.perAccount = perAccount;
  }

  /** Why a take was refused. */
  enum Refusal { NONE, ACCOUNT, TOTAL }

  /** Takes {@code bytes} for {@code account} if both bounds allow them. */
  Refusal tryTake(String account, long bytes) {
    if (bytes <= 0) {
      return Refusal.NONE;
    }
    AtomicLong mine = accounts.computeIfAbsent(account, a -> new AtomicLong());
    if (mine.addAndGet(bytes) > perAccount) {
      mine.addAndGet(-bytes);
      return Refusal.ACCOUNT;
    }
    if (used.addAndGet(bytes) > total) {
      used.addAndGet(-bytes);
      mine.addAndGet(-bytes);
      return Refusal.TOTAL;
    }
    return Refusal.NONE;
  }

  /** Gives back bytes taken for {@code account}, and wakes the tails that wait for some. */
  void give(String account, long bytes) {
    if (bytes <= 0) {
      return;
    }
    AtomicLong mine = accounts.get(account);
    if (mine != null) {
      mine.addAndGet(-bytes);
    }
    used.addAndGet(-bytes);
    // A woken tail tries again on its own context and, finding no room, waits again at the
    // end of its queue: every waiter gets its turn.
    ConcurrentLinkedQueue<Runnable> same = waitingFor.get(account);
    wake(same);
    wake(waitingForAny);
  }

  private static void wake(ConcurrentLinkedQueue<Runnable> queue) {
    if (queue == null) {
      return;
    }
    Runnable wake;
    for (int i = 0; i < WAKE && (wake = queue.poll()) != null; i++) {
      wake.run();
    }
  }

  /** Runs {@code wake} when bytes come back that the bound that refused it ({@code why}) frees. */
  void waitFor(String account, Refusal why, Runnable wake) {
    if (why == Refusal.TOTAL) {
      waitingForAny.add(wake);
    } else {
      waitingFor.computeIfAbsent(account, a -> new ConcurrentLinkedQueue<>()).add(wake);
    }
  }

  /** Bytes held now, for all subscribers. */
  long used() {
    return used.get();
  }

  /** Bytes held now for {@code account}'s subscribers. */
  long used(String account) {
    AtomicLong mine = accounts.get(account);
    return mine == null ? 0 : mine.get();
  }
}
