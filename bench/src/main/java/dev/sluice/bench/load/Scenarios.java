package dev.sluice.bench.load;

import dev.sluice.client.tail.TailEvent;
import dev.sluice.proto.v1.StartPosition;
import dev.sluice.proto.v1.TailRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/** The two Sluice-only rows: a stalled subscriber on a small heap, and many idle tails. */
final class Scenarios {
  private static final long GIB = 1L << 30;
  private static final Duration BOUND = Duration.ofMinutes(10);

  private Scenarios() {}

  /**
   * Ingests 1 GiB of 200-byte lines into a broker with {@code -Xmx256m} while three tails keep
   * up and a fourth never reads, and compares the three tails' throughput with runs without
   * the stalled one (same broker settings, same run). Fails on an OutOfMemoryError. Four runs
   * in the order alone, stalled, stalled, alone, and the ratio of the means: this machine's
   * speed drifts over the minute they take, and the symmetric order cancels a steady drift
   * (one run each, in one order, moved the ratio by 10-15 % from run to run).
   */
  static String stalledSubscriber(boolean quick) {
    long lines = (quick ? GIB / 16 : GIB) / Workload.LINE_BYTES;
    double alone1 = ingest(lines, false);
    double stalled1 = ingest(lines, true);
    double stalled2 = ingest(lines, true);
    double alone2 = ingest(lines, false);
    double alone = (alone1 + alone2) / 2;
    double besideStalled = (stalled1 + stalled2) / 2;
    return String.format("%,d lines (%s) into -Xmx256m, four times: 3 tails alone %,.0f and "
        + "%,.0f lines/s each; beside a stalled tail %,.0f and %,.0f lines/s each; ratio of the means = %.2f x; "
        + "no OutOfMemoryError", lines, quick ? "64 MiB" : "1 GiB", alone1, alone2, stalled1,
        stalled2, besideStalled / alone);
  }

  private static double ingest(long lines, boolean withStalled) {
    SluiceTarget target = SluiceTarget.start("256m", List.of());
    CountDownLatch release = new CountDownLatch(1);
    try (target) {
      long base = System.nanoTime();
      Target.Publisher publisher = target.publisher(0, Workload.of(1));
      List<Tap> taps = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Tap tap = new Tap(base, true);
        target.subscribe(">", tap);
        taps.add(tap);
      }
      AtomicInteger stalledGot = new AtomicInteger();
      if (withStalled) {
        target.subscribe(">", event -> {
          stalledGot.incrementAndGet();
          await(release); // never reads again until the run is over
        });
      }
      long deadline = System.nanoTime() + BOUND.toNanos();
      while (taps.stream().anyMatch(t -> t.count() == 0) || (withStalled && stalledGot.get() == 0)) {
        check(target, deadline, "priming");
        publisher.send(42, 0);
        LockSupport.parkNanos(20_000_000);
      }
      long[] start = taps.stream().mapToLong(Tap::count).toArray();
      Workload workload = Workload.of(1);
      long t0 = System.nanoTime();
      long sent = 0;
      while (sent < lines) {
        long slowest = slowest(taps, start);
        long room = Math.min(Driver.WINDOW - (sent - slowest), lines - sent);
        if (room <= 0) {
          check(target, deadline, "sending");
          LockSupport.parkNanos(20_000);
          continue;
        }
        for (long i = 0; i < room; i++) {
          publisher.send(workload.requestOf(sent), System.nanoTime() - base);
          sent++;
        }
      }
      while (slowest(taps, start) < lines) {
        check(target, deadline, "draining");
        LockSupport.parkNanos(1_000_000);
      }
      double perTail = lines / ((System.nanoTime() - t0) / 1e9);
      if (target.server().sawOutOfMemory() || !target.server().isAlive()) {
        throw new IllegalStateException("the broker ran out of memory or died:\n"
            + target.server().lastOutput());
      }
      return perTail;
    } finally {
      release.countDown();
    }
  }

  private static long slowest(List<Tap> taps, long[] start) {
    long min = Long.MAX_VALUE;
    for (int i = 0; i < taps.size(); i++) {
      min = Math.min(min, taps.get(i).count() - start[i]);
    }
    return min;
  }

  private static void check(SluiceTarget target, long deadline, String what) {
    if (!target.server().isAlive() || target.server().sawOutOfMemory()) {
      throw new IllegalStateException("the broker died while " + what + ":\n"
          + target.server().lastOutput());
    }
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException("not done " + what + " within " + BOUND);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Opens 10,000 tails (1,000 when quick) over 10 connections and divides the growth of the
   * broker's live heap by the number of tails. Each tail starts with the last record stored
   * (one line, sent before), so its arrival proves the tail is live without sending more lines
   * to tails already open (which would measure a backlog, not idle tails). The baseline is
   * taken with one such tail already live.
   */
  static String idleTails(boolean quick) throws java.io.IOException {
    int tails = quick ? 1_000 : 10_000;
    SluiceTarget target = SluiceTarget.start("1g", List.of());
    try (target) {
      long deadline = System.nanoTime() + BOUND.toNanos();
      AtomicIntegerArray got = new AtomicIntegerArray(tails + 1);
      AtomicInteger live = new AtomicInteger();
      AtomicInteger firstCount = new AtomicInteger(); // everything the first tail received
      IntFunction<Consumer<TailEvent>> receiver = i -> event -> {
        if (i == 0) {
          firstCount.incrementAndGet();
        }
        if (event instanceof TailEvent.RecordEvent && got.getAndSet(i, 1) == 0) {
          live.incrementAndGet();
        }
      };
      TailRequest lastOne = TailRequest.newBuilder().setFilter(">")
          .setStart(StartPosition.newBuilder().setLastN(1)).build();
      target.subscribeMany(TailRequest.newBuilder().setFilter(">").build(), 1, 1, receiver);
      // The runner opens its requests (6,400 request starts) as it starts: all of them must be
      // stored before the tails open, or every tail would receive them live.
      Target.Publisher publisher = target.publisher(0, Workload.of(1));
      while (true) {
        check(target, deadline, "storing the runner's request starts and the first line");
        int before = firstCount.get();
        publisher.send(42, 0); // the line every tail starts with (the last one stored)
        LockSupport.parkNanos(500_000_000);
        if (firstCount.get() == before + 1) {
          break; // only that line arrived: the runner is quiet
        }
      }
      long heapBefore = target.server().liveHeapBytes();
      long rssBefore = target.server().rssBytes();
      String histogram = System.getProperty("load.histogram"); // a file prefix, to look closer
      if (histogram != null) {
        java.nio.file.Files.writeString(java.nio.file.Path.of(histogram + "-before.txt"),
            target.server().classHistogram());
      }
      target.subscribeMany(lastOne, tails, 10, i -> receiver.apply(i + 1));
      while (live.get() < tails + 1) {
        check(target, deadline, "opening tails (" + live.get() + " of " + (tails + 1) + " live)");
        LockSupport.parkNanos(50_000_000);
      }
      long heapAfter = target.server().liveHeapBytes();
      long rssAfter = target.server().rssBytes();
      if (histogram != null) {
        java.nio.file.Files.writeString(java.nio.file.Path.of(histogram + "-after.txt"),
            target.server().classHistogram());
      }
      double perTail = (heapAfter - heapBefore) / (double) tails;
      return String.format("%,d idle tails: broker live heap +%,.0f KB = %,.1f KB per tail "
          + "(RSS +%,.0f KB = %,.1f KB per tail)", tails, (heapAfter - heapBefore) / 1024.0,
          perTail / 1024, (rssAfter - rssBefore) / 1024.0, (rssAfter - rssBefore) / 1024.0 / tails);
    }
  }
}
