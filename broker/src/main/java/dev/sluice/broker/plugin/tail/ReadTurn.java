package dev.sluice.broker.plugin.tail;

import io.vertx.core.Context;
import java.util.function.BooleanSupplier;

/**
 * A tail's turn for the subscriber bytes of one message read from the store. With no room
 * now it waits in line to be woken when bytes come back, and a tail that waits reads what
 * comes live from the store too, once woken. Its calls run on the tail's context; publishers
 * only read {@link #waiting()}.
 */
final class ReadTurn {
  private final TailCredit credit;
  private final int bytes;
  private final Context context;
  private final Runnable drain;
  private final BooleanSupplier ended;
  private final SubscriberBudget.Waiter waiter = this::wake;
  private volatile boolean waiting;

  ReadTurn(TailCredit credit, int bytes, Context context, Runnable drain,
      BooleanSupplier ended) {
    this.credit = credit;
    this.bytes = bytes;
    this.context = context;
    this.drain = drain;
    this.ended = ended;
  }

  /** True while it waits in line for bytes. */
  boolean waiting() {
    return waiting;
  }

  /** Holds a message's bytes; false if there is no room now, and then it waits its turn. */
  boolean take() {
    if (!credit.take(bytes)) {
      if (!waiting) {
        waiting = true;
        credit.waitFor(waiter);
      }
      // Bytes may have come back before it was registered, their wake-ups gone to others.
      if (!credit.take(bytes)) {
        return false;
      }
    }
    if (waiting) {
      waiting = false; // it had its turn another way: its place goes to the next
      credit.stopWaiting(waiter);
    }
    return true;
  }

  private boolean wake() {
    if (ended.getAsBoolean()) {
      return false; // the next waiter gets the turn
    }
    context.runOnContext(v -> {
      waiting = false; // out of the line: a refused take registers it again
      drain.run();
    });
    return true;
  }

  /**
   * Tries again if there is room: the wake-ups of returning bytes go to a few waiters each,
   * and this keeps one that missed them from waiting for ever (the stall sweep calls it every
   * second).
   */
  void retry() {
    if (waiting && !ended.getAsBoolean() && credit.hasRoom(bytes)) {
      context.runOnContext(v -> drain.run());
    }
  }

  /** Leaves the line (the tail ended). */
  void stop() {
    if (waiting) {
      waiting = false;
      credit.stopWaiting(waiter);
    }
  }
}
