package dev.sluice.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one row against one target: opens the runners and subscribers, primes until every
 * subscriber receives, then sends for the warmup and the measured interval from one thread.
 * As fast as possible keeps at most {@link #WINDOW} lines between the runners and the slowest
 * full subscriber (the same end-to-end flow control for every system); paced sends each line
 * at its intended time. Every wait is bounded.
 */
final class Driver {
  /** Lines in flight between the runners and the slowest full tail, as fast as possible. */
  static final int WINDOW = Integer.getInteger("load.window", 8_000);
  /** A paced row that falls this far behind is overloaded; it stops rather than pile up. */
  static final long PACED_BACKLOG_LIMIT = 2_000_000;
  private static final Duration STALL = Duration.ofSeconds(20);
  private static final Duration DRAIN = Duration.ofSeconds(10);
  private static final int PRIME_REQUEST = 42;

  private final Target target;
  private final Row row;
  private final Duration warmup;
  private final Duration measure;
  private final long base = System.nanoTime();

  Driver(Target target, Row row, Duration warmup, Duration measure) {
    this.target = target;
    this.row = row;
    this.warmup = warmup;
    this.measure = measure;
  }

  Result run() {
    Workload workload = Workload.of(row.runners());
    List<Target.Publisher> publishers = new ArrayList<>();
    for (int r = 0; r < workload.runners(); r++) {
      publishers.add(target.publisher(r, workload));
    }
    List<Tap> taps = new ArrayList<>();
    for (String filter : workload.filters(row.set())) {
      Tap tap = new Tap(base, Workload.isFull(filter));
      target.subscribe(filter, tap);
      taps.add(tap);
    }
    prime(publishers.get(0), taps);
    long[] start = new long[taps.size()];
    for (int i = 0; i < taps.size(); i++) {
      start[i] = taps.get(i).count();
    }
    Sender sender = new Sender(workload, publishers, taps, start);

    sender.runUntil(System.nanoTime() + warmup.toNanos());
    Snapshot before = snapshot(taps, sender);
    taps.forEach(t -> t.recording(true));
    sender.runUntil(System.nanoTime() + measure.toNanos());
    taps.forEach(t -> t.recording(false));
    Snapshot after = snapshot(taps, sender);

    long heap = target.jvm() ? target.server().heapUsedBytes() : -1;
    long rss = target.server().rssBytes();
    // Lost while measured: what the runners dropped then, plus what never arrived and was not
    // counted as dropped (drops during the warmup are not the measured interval's).
    long undelivered = sender.drain();
    long failed = failures(publishers);
    long lost = (after.failures - before.failures) + Math.max(0, undelivered - failed);
    Histogram latency = new Histogram();
    taps.forEach(t -> latency.add(t.histogram()));
    double secs = (after.nanos - before.nanos) / 1e9;
    long delivered = after.delivered - before.delivered;
    Map<String, Double> cpuEach = new LinkedHashMap<>();
    long serverCpu = 0;
    List<ServerProcess> servers = target.servers();
    for (int i = 0; i < servers.size(); i++) {
      long used = after.serverCpu[i] - before.serverCpu[i];
      serverCpu += used;
      cpuEach.put(servers.get(i).name(), micros(used, delivered));
    }
    return new Result(target.system(), (after.sent - before.sent) / secs, delivered / secs,
        latency.quantile(0.50), latency.quantile(0.99), latency.quantile(0.999),
        micros(serverCpu, delivered),
        micros(after.clientCpu - before.clientCpu, delivered),
        heap, rss, lost, sender.overloaded ? "overloaded: stopped " + PACED_BACKLOG_LIMIT
            + " lines behind" : null, cpuEach);
  }

  private static double micros(long nanos, long lines) {
    return lines == 0 ? 0 : nanos / 1e3 / lines;
  }

  private record Snapshot(long nanos, long sent, long delivered, long[] serverCpu, long clientCpu,
      long failures) {}

  private static long failures(List<Target.Publisher> publishers) {
    long n = 0;
    for (Target.Publisher p : publishers) {
      n += p.failures();
    }
    return n;
  }

  private Snapshot snapshot(List<Tap> taps, Sender sender) {
    long delivered = 0;
    for (Tap t : taps) {
      delivered += t.count();
    }
    long[] serverCpu = target.servers().stream().mapToLong(ServerProcess::cpuNanos).toArray();
    return new Snapshot(System.nanoTime(), sender.sent, delivered, serverCpu,
        ServerProcess.cpuNanos(ProcessHandle.current().pid()), failures(sender.publishers));
  }

  /**
   * Sends lines to runner 0's request 42, whose subject every filter of every set matches,
   * until every subscriber has received one: then every subscription is in place. Then waits
   * until the counts stop moving, so the window starts from a quiet state.
   */
  private void prime(Target.Publisher publisher, List<Tap> taps) {
    long deadline = System.nanoTime() + STALL.toNanos();
    while (taps.stream().anyMatch(t -> t.count() == 0)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(target.system() + ": subscribers did not receive within "
            + STALL + " (counts " + taps.stream().map(Tap::count).toList() + "; runner: "
            + publisher + ")");
      }
      publisher.send(PRIME_REQUEST, System.nanoTime() - base);
      LockSupport.parkNanos(20_000_000);
    }
    long last = -1;
    while (System.nanoTime() < deadline) {
      long now = taps.stream().mapToLong(Tap::count).sum();
      if (now == last) {
        return;
      }
      last = now;
      LockSupport.parkNanos(200_000_000);
    }
  }

  /** The sending loop; one thread, the caller's. */
  private final class Sender {
    private final Workload workload;
    private final List<Target.Publisher> publishers;
    private final Tap[] full;
    private final long[] fullStart;
    private long sent;
    private long pacedStart = -1;
    private boolean overloaded;

    Sender(Workload workload, List<Target.Publisher> publishers, List<Tap> taps, long[] start) {
      this.workload = workload;
      this.publishers = publishers;
      List<Tap> f = new ArrayList<>();
      List<Long> s = new ArrayList<>();
      for (int i = 0; i < taps.size(); i++) {
        if (taps.get(i).full()) {
          f.add(taps.get(i));
          s.add(start[i]);
        }
      }
      this.full = f.toArray(new Tap[0]);
      this.fullStart = s.stream().mapToLong(Long::longValue).toArray();
    }

    /** Lines the slowest full tail has received since priming. */
    long slowest() {
      long min = Long.MAX_VALUE;
      for (int i = 0; i < full.length; i++) {
        min = Math.min(min, full[i].count() - fullStart[i]);
      }
      return min;
    }

    void send(long stamp) {
      publishers.get(workload.runnerOf(sent)).send(workload.requestOf(sent), stamp);
      sent++;
    }

    void runUntil(long end) {
      if (overloaded) {
        return;
      }
      if (row.paced()) {
        paced(end);
      } else {
        asFastAsPossible(end);
      }
    }

    private void asFastAsPossible(long end) {
      long lastProgress = System.nanoTime();
      long seen = slowest();
      while (true) {
        long now = System.nanoTime();
        if (now >= end) {
          return;
        }
        long slowest = slowest();
        if (slowest != seen) {
          seen = slowest;
          lastProgress = now;
        } else if (now - lastProgress > STALL.toNanos()) {
          throw new IllegalStateException(target.system() + ": no delivery for " + STALL
              + " with " + (sent - slowest) + " lines in flight");
        }
        long room = Math.min(WINDOW - (sent - slowest), 256);
        if (room <= 0) {
          // Waits for the tails; not measured as sending. Long enough not to cost the 2 cores
          // a context switch every few lines (both systems alike), short next to the window.
          LockSupport.parkNanos(200_000);
          continue;
        }
        for (long i = 0; i < room; i++) {
          send(System.nanoTime() - base);
        }
      }
    }

    private void paced(long end) {
      double interval = 1e9 / row.rate();
      if (pacedStart < 0) {
        pacedStart = System.nanoTime();
      }
      long origin = pacedStart;
      while (true) {
        long now = System.nanoTime();
        if (now >= end) {
          return;
        }
        int burst = 0;
        long due = origin + (long) (sent * interval);
        while (due <= now && burst < 1_000) {
          send(due - base);
          burst++;
          due = origin + (long) (sent * interval);
        }
        if (sent - slowest() > PACED_BACKLOG_LIMIT) {
          overloaded = true;
          return;
        }
        if (due > now) {
          LockSupport.parkNanos(due - now);
        }
      }
    }

    /** Waits (bounded) for the full tails to receive everything sent; returns what they lack. */
    long drain() {
      long deadline = System.nanoTime() + DRAIN.toNanos();
      while (slowest() < sent && System.nanoTime() < deadline) {
        LockSupport.parkNanos(1_000_000);
      }
      return Math.max(0, sent - slowest());
    }
  }
}
