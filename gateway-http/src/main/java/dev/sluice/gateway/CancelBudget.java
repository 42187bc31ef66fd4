package dev.sluice.gateway;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels of tails on one broker connection, kept under the broker's rapid-reset limit (more
 * than 200 stream resets within 10 s end a connection). Every cancel is a reset; without a
 * budget, one user re-subscribing fast, or a few hundred pages closing at once, would end the
 * connection and with it every other user's tails on it. Over budget a cancel waits, and its
 * tail meanwhile asks the broker for nothing (the gateway holds at most the call's window), so
 * the cost of churn falls on the broker's own tail limits for the churning principal.
 */
final class CancelBudget {
  private static final Logger LOG = LoggerFactory.getLogger(CancelBudget.class);
  /**
   * Per fixed window: two adjacent windows stay under 200 together, whatever the broker's
   * window alignment.
   */
  static final int PER_WINDOW = 90;
  static final long WINDOW_NANOS = 10_000_000_000L;

  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private long windowStart = System.nanoTime();
  private int used;

  /** Runs {@code cancel} now if the budget allows, else when it does ({@link #release}). */
  void cancel(Runnable cancel) {
    boolean now;
    synchronized (this) {
      now = waiting.isEmpty() && take(System.nanoTime());
      if (!now) {
        waiting.add(cancel);
      }
    }
    if (now) {
      run(cancel);
    }
  }

  /** Runs the waiting cancels the budget allows by now; called a few times a second. */
  void release() {
    List<Runnable> ready = new ArrayList<>();
    synchronized (this) {
      long now = System.nanoTime();
      while (!waiting.isEmpty() && take(now)) {
        ready.add(waiting.poll());
      }
    }
    ready.forEach(CancelBudget::run);
  }

  /** One failing cancel must not stop the others (nor the timer that runs them). */
  private static void run(Runnable cancel) {
    try {
      cancel.run();
    } catch (RuntimeException e) {
      LOG.warn("a tail's cancel failed", e);
    }
  }

  synchronized int waiting() {
    return waiting.size();
  }

  private boolean take(long now) {
    if (now - windowStart >= WINDOW_NANOS) {
      windowStart = now;
      used = 0;
    }
    if (used < PER_WINDOW) {
      used++;
      return true;
    }
    return false;
  }
}
