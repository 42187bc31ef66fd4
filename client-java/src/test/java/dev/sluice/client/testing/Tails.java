package dev.sluice.client.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.tail.TailEvent;
import dev.sluice.client.tail.TailSubscription;
import dev.sluice.proto.v1.Record;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Small helpers for reading a {@link TailSubscription} in tests, always with a time bound. */
public final class Tails {
  private Tails() {}

  /** Reads until {@code n} records arrived; fails if that takes longer than {@code within}. */
  public static List<Record> records(TailSubscription tail, int n, Duration within)
      throws InterruptedException {
    List<Record> out = new ArrayList<>(n);
    long deadline = System.nanoTime() + within.toNanos();
    while (out.size() < n) {
      long left = deadline - System.nanoTime();
      assertThat(left).as("time left for %d more records (got %d)", n - out.size(), out.size())
          .isPositive();
      TailEvent event = tail.poll(Duration.ofNanos(left));
      if (event instanceof TailEvent.RecordEvent r) {
        out.add(r.record());
      }
      if (event == null) {
        assertThat(tail.isEnded()).as("tail ended after %d records", out.size()).isFalse();
      }
    }
    return out;
  }
}
