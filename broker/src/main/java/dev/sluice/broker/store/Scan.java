package dev.sluice.broker.store;

/**
 * What a read asks the store for: up to {@code max} records after {@code afterSeq}, oldest
 * first. The other fields are hints: a store with an index may skip stored data that cannot
 * contain a record of that app and runner, app and request, or time range. Readers still test
 * every record they get; a hint never adds a record, it only saves reading.
 *
 * @param app literal app, or null for any
 * @param runner literal runner, or null for any
 * @param request literal request id, or null for any
 * @param fromNanos records at or after this time (ns since epoch) are wanted
 * @param toNanos records before this time are wanted
 * @param timeThroughSeq the time range applies to records up to this sequence only (a tail's
 *     or a drain's start: what came later is wanted whatever its time)
 */
public record Scan(long afterSeq, int max, String app, String runner, String request,
    long fromNanos, long toNanos, long timeThroughSeq) {
  public Scan {
    if (afterSeq < 0) {
      throw new IllegalArgumentException("afterSeq: " + afterSeq + " (expected: >= 0)");
    }
    if (max < 1) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
    }
  }

  /** Every record after {@code afterSeq}, no hints. */
  public static Scan after(long afterSeq, int max) {
    return new Scan(afterSeq, max, null, null, null, Long.MIN_VALUE, Long.MAX_VALUE,
        Long.MAX_VALUE);
  }

  /** The same scan continuing after {@code seq}. */
  public Scan continueAfter(long seq) {
    return new Scan(seq, max, app, runner, request, fromNanos, toNanos, timeThroughSeq);
  }

  /** Adds app, runner and request hints (each null for any), e.g. a filter's literal tokens. */
  public Scan hints(String appName, String runnerId, String requestId) {
    return new Scan(afterSeq, max, appName, runnerId, requestId, fromNanos, toNanos,
        timeThroughSeq);
  }

  /** Adds a time range hint: records in [from, to). */
  public Scan between(long from, long to) {
    return new Scan(afterSeq, max, app, runner, request, from, to, timeThroughSeq);
  }

  /** Adds a time hint that holds only for records up to {@code seq}. */
  public Scan since(long from, long seq) {
    return new Scan(afterSeq, max, app, runner, request, from, Long.MAX_VALUE, seq);
  }

  /** Adds an app and request hint. */
  public Scan request(String appName, String requestId) {
    return new Scan(afterSeq, max, appName, runner, requestId, fromNanos, toNanos,
        timeThroughSeq);
  }
}
