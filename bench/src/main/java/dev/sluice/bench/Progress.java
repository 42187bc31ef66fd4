package dev.sluice.bench;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A count that a transport thread raises and the benchmark thread waits on, parked rather
 * than spinning: on a 2-core machine a spinning benchmark thread would take one of the two
 * cores away from the broker and the transport it measures. The thread that reaches the
 * target unparks the waiter once; the wait is bounded.
 */
final class Progress {
  private final String name;
  private final AtomicLong count = new AtomicLong();
  private volatile long target = Long.MAX_VALUE;
  private volatile Thread waiter;
  private volatile String ended;

  Progress(String name) {
    this.name = name;
  }

  long get() {
    return count.get();
  }

  /** Called by the transport thread. */
  void add(long n) {
    long now = count.addAndGet(n);
    // Read waiter after the count: either we see the waiter, or it sees our count.
    Thread w = waiter;
    if (w != null && now >= target) {
      LockSupport.unpark(w);
    }
  }

  /** The stream ended (normally or not); waiters fail at once with {@code why}. */
  void end(String why) {
    ended = why;
    Thread w = waiter;
    if (w != null) {
      LockSupport.unpark(w);
    }
  }

  /** Parks until the count reaches {@code want}; throws after {@code timeout}. */
  void awaitAtLeast(long want, Duration timeout) {
    if (count.get() >= want) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    target = want;
    waiter = Thread.currentThread();
    try {
      while (count.get() < want) {
        if (ended != null) {
          throw new IllegalStateException(name + ": ended (" + ended + ") at " + count.get()
              + " of " + want);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(name + ": " + count.get() + " of " + want
              + " after " + timeout + " (broker stalled or records lost)");
        }
        LockSupport.parkNanos(this, left);
      }
    } finally {
      waiter = null;
      target = Long.MAX_VALUE;
    }
  }
}
