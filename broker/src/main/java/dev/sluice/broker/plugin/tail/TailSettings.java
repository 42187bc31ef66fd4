package dev.sluice.broker.plugin.tail;

import static dev.sluice.common.Checks.atLeast;
import static dev.sluice.common.Checks.bad;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of live tails: each subscriber's queue and messages, and what all tails together,
 * one account's, one token's or one connection's may cost the broker. Immutable; every value
 * is checked here, with a message that names the setting.
 *
 * @param queueRecords capacity of each subscriber's queue, in records
 * @param queueBytes capacity of each subscriber's queue, in encoded record bytes
 * @param batchRecords most records written to a subscriber in one message
 * @param batchBytes most record bytes in one message (a single larger record still goes
 *     alone); keeps messages under grpc-java's default 4 MiB inbound limit
 * @param overflow what a full subscriber queue does with a new record
 * @param subscriberBytes record bytes held for all subscribers together: queued, and written to
 *     a transport but not yet sent; a tail that would go beyond waits (its records stay in the
 *     store) until bytes are sent
 * @param accountSubscriberBytes the same for the subscribers of one account
 * @param tailsPerConnection concurrent tails one client connection may hold
 * @param tailsPerPrincipal concurrent tails one principal (a token's subject in its account)
 *     may hold over all its connections
 * @param tailsPerAccount concurrent tails of one account
 * @param stalledTail a tail whose transport took nothing for this long while a message of it
 *     waited is cut with RESOURCE_EXHAUSTED, so a reader that stopped reading does not hold
 *     bytes for ever
 */
public record TailSettings(int queueRecords, long queueBytes, int batchRecords, int batchBytes,
    OverflowPolicy overflow, long subscriberBytes, long accountSubscriberBytes,
    int tailsPerConnection, int tailsPerPrincipal, int tailsPerAccount, Duration stalledTail) {

  /**
   * The defaults. 50,000 queued records are 50 ms of a fast runner: at 10,000 (10 ms at a
   * million lines a second) a reader 10,000 records behind went back to the store and
   * delivered a third as much (bench/README.md). The byte bound holds memory the same either
   * way: 16 MiB is about 50,000 records of 300 bytes.
   */
  public static final TailSettings DEFAULTS = new TailSettings(50_000, 16L << 20, 2048, 1 << 20,
      OverflowPolicy.CATCH_UP, 256L << 20, 64L << 20, 1_000, 1_000, 10_000,
      Duration.ofSeconds(30));

  /** What a full subscriber queue does when another record arrives. */
  public enum OverflowPolicy {
    /** Drop the oldest queued record: a slow reader sees the newest lines, after a marker. */
    DROP_OLDEST,
    /** Drop the arriving record: a slow reader sees an unbroken prefix, then a marker. */
    DROP_NEWEST,
    /**
     * Empty the queue and move the reader back onto the store: it reads on from where it was
     * and rejoins live when it has caught up. Nothing is lost while the store still has it.
     */
    CATCH_UP
  }

  public TailSettings {
    atLeast("tail.queueRecords", queueRecords, 1);
    atLeast("tail.queueBytes", queueBytes, 64 * 1024);
    atLeast("tail.batchRecords", batchRecords, 1);
    atLeast("tail.batchBytes", batchBytes, 1024);
    Objects.requireNonNull(overflow, "tail.overflow");
    atLeast("tail.subscriberBytes", subscriberBytes, 1 << 20);
    atLeast("tail.accountSubscriberBytes", accountSubscriberBytes, 64 * 1024);
    if (accountSubscriberBytes > subscriberBytes) {
      throw bad("tail.accountSubscriberBytes", accountSubscriberBytes,
          "<= subscriberBytes (" + subscriberBytes + ")");
    }
    if (accountSubscriberBytes < batchBytes) {
      // A replay holds a whole message's bytes while it reads: it could never start.
      throw bad("tail.accountSubscriberBytes", accountSubscriberBytes,
          ">= batchBytes (" + batchBytes + ")");
    }
    atLeast("tail.tailsPerConnection", tailsPerConnection, 1);
    atLeast("tail.tailsPerPrincipal", tailsPerPrincipal, 1);
    atLeast("tail.tailsPerAccount", tailsPerAccount, 1);
    Objects.requireNonNull(stalledTail, "tail.stalledTail");
    if (stalledTail.toMillis() < 100 || stalledTail.toDays() >= 1) {
      throw bad("tail.stalledTail", stalledTail, ">= 100 ms and < 1 day");
    }
  }

  public TailSettings withQueue(int records, long bytes, OverflowPolicy policy) {
    return new TailSettings(records, bytes, batchRecords, batchBytes, policy, subscriberBytes,
        accountSubscriberBytes, tailsPerConnection, tailsPerPrincipal, tailsPerAccount,
        stalledTail);
  }

  /** The queue's and a message's sizes in records, and the overflow policy. */
  public TailSettings withRecords(int queue, int batch, OverflowPolicy policy) {
    return withQueue(queue, queueBytes, policy).withBatch(batch, batchBytes);
  }

  public TailSettings withBatch(int records, int bytes) {
    return new TailSettings(queueRecords, queueBytes, records, bytes, overflow, subscriberBytes,
        accountSubscriberBytes, tailsPerConnection, tailsPerPrincipal, tailsPerAccount,
        stalledTail);
  }

  public TailSettings withSubscriberBytes(long all, long perAccount) {
    return new TailSettings(queueRecords, queueBytes, batchRecords, batchBytes, overflow, all,
        perAccount, tailsPerConnection, tailsPerPrincipal, tailsPerAccount, stalledTail);
  }

  public TailSettings withTails(int perConnection, int perPrincipal, int perAccount) {
    return new TailSettings(queueRecords, queueBytes, batchRecords, batchBytes, overflow,
        subscriberBytes, accountSubscriberBytes, perConnection, perPrincipal, perAccount,
        stalledTail);
  }

  public TailSettings withStalledTail(Duration value) {
    return new TailSettings(queueRecords, queueBytes, batchRecords, batchBytes, overflow,
        subscriberBytes, accountSubscriberBytes, tailsPerConnection, tailsPerPrincipal,
        tailsPerAccount, value);
  }
}
