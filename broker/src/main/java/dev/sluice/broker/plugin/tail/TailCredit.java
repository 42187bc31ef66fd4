package dev.sluice.broker.plugin.tail;

/**
 * One tail's share of the {@link SubscriberBudget}: the bytes of its queued records and of its
 * messages in transport, taken when queued (once per published batch, by the stream) and given
 * back when sent. It holds nothing it does not use: with thousands of tails, unused reserves
 * would take an account's whole budget from the tails that need it.
 *
 * <p>It also knows when the tail's transport last took bytes, so a tail whose reader stopped
 * reading can be told from one that is merely busy ({@link #stalled}).
 */
final class TailCredit {
  private final SubscriberBudget budget;
  private final SubscriberBudget.Share share;
  // Guarded by this.
  private long held; // queued or in transport
  private long inFlight; // in transport: written, not yet sent
  private long lastProgressNanos;
  private boolean closed;
  private SubscriberBudget.Refusal refused = SubscriberBudget.Refusal.NONE;

  TailCredit(SubscriberBudget budget, String account) {
    this.budget = budget;
    this.share = budget.share(account);
  }

  /** Holds {@code bytes} (to queue or to send); false if the budget has no room for them. */
  synchronized boolean take(long bytes) {
    if (closed) {
      return false;
    }
    refused = budget.tryTake(share, bytes);
    if (refused != SubscriberBudget.Refusal.NONE) {
      return false;
    }
    held += bytes;
    return true;
  }

  /** Holds {@code bytes} beyond the bounds: a record larger than a message is still sent. */
  synchronized void force(long bytes) {
    if (closed) {
      return;
    }
    held += bytes;
    budget.force(share, bytes);
  }

  /** Held bytes that go nowhere (dropped, or read and not sent). */
  synchronized void release(long bytes) {
    if (closed) {
      return;
    }
    held -= bytes;
    budget.give(share, bytes);
  }

  /** Held bytes handed to the transport. */
  synchronized void sent(long bytes) {
    if (inFlight == 0) {
      lastProgressNanos = System.nanoTime(); // the wait for progress starts now
    }
    inFlight += bytes;
  }

  /** The transport sent (or dropped) bytes handed to it. */
  synchronized void written(long bytes) {
    inFlight -= bytes;
    held -= bytes;
    if (closed) {
      budget.give(share, bytes); // the transport let go of them only now
      return;
    }
    lastProgressNanos = System.nanoTime();
    budget.give(share, bytes);
  }

  /** Waits for bytes to come back that the last refused {@link #take} needs. */
  void waitFor(SubscriberBudget.Waiter waiter) {
    SubscriberBudget.Refusal why;
    synchronized (this) {
      why = refused;
    }
    budget.waitFor(share, why, waiter);
  }

  /** Stops waiting (see {@link #waitFor}). */
  void stopWaiting(SubscriberBudget.Waiter waiter) {
    budget.stopWaiting(share, waiter);
  }

  /** True if a take of {@code bytes} could succeed now. */
  boolean hasRoom(long bytes) {
    return budget.hasRoom(share, bytes);
  }

  /** True if bytes have waited in transport for longer than {@code limitNanos}, none sent. */
  synchronized boolean stalled(long now, long limitNanos) {
    return inFlight > 0 && now - lastProgressNanos > limitNanos;
  }

  /**
   * The tail ended: its queued bytes go back now; what its transport still holds goes back as
   * the transport lets go of it ({@link #written}), not before: until then the memory is still
   * taken.
   */
  synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long back = held - inFlight;
    held = inFlight;
    budget.give(share, back);
  }

  /** Bytes held now (queued or in transport). */
  synchronized long held() {
    return held;
  }
}
