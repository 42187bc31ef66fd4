package dev.sluice.bench.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * The HTTP gateway's SSE tail against the broker's own gRPC tail, in one run, and what an idle
 * SSE client costs the gateway.
 *
 * <p><b>Throughput</b>: row 1r-1full (one runner as fast as the window of {@link Driver#WINDOW}
 * lines lets it, one full tail: the same {@link Driver} and publisher as the table's rows)
 * delivered (a) to the client's gRPC tail ({@link SluiceTarget}, as the sluice rows) and (b) to
 * an SSE client reading {@code GET /v1/tail} from a gateway in its own JVM
 * ({@link GatewayTarget}), alternating a, b, a, b, a (a, b when quick), a fresh broker (and
 * gateway) each run. The SSE client checks that records come in sequence order, each with
 * its id, and the driver that every line arrived.
 *
 * <p><b>Idle clients</b>: a gateway in its own JVM, four streams open (one per gRPC connection
 * to the broker, so those connections exist before the baseline), then 1,000 more (50 when
 * quick), each replaying the last stored line ({@code last=1}) so its arrival proves the
 * stream is live, then nothing. The gateway's heap per client is the growth of its live heap
 * (after a full collection) divided by the clients; RSS likewise.
 */
final class GatewayScenario {
  static final double THROUGHPUT_GOAL = 0.5;
  static final double HEAP_GOAL_KB = 64;
  /** Streams opened before the baseline: one per gRPC connection of the gateway's (4). */
  private static final int WARM_STREAMS = 4;
  private static final Duration BOUND = Duration.ofMinutes(5);
  private static final Row ROW = new Row("1r-1full", 0, 1, "1full");

  private GatewayScenario() {}

  /** Both parts; {@code profile}, when set, is a directory for JFR recordings of the servers. */
  static String run(boolean quick, Duration warmup, Duration measure, Path profile) {
    return throughput(quick, warmup, measure, profile) + "\n" + idleClients(quick ? 50 : 1_000);
  }

  /** One run of the throughput part, and what the SSE client saw (null for gRPC). */
  record Run(String path, Result result, SseReader.Stats sse) {}

  static String throughput(boolean quick, Duration warmup, Duration measure, Path profile) {
    // Each SSE run between two gRPC runs (but when quick): the machine is shared, and its
    // speed drifts over the minutes a run takes.
    List<String> order = quick ? List.of("grpc", "sse")
        : List.of("grpc", "sse", "grpc", "sse", "grpc");
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < order.size(); i++) {
      String path = order.get(i);
      String tag = path + "-" + (i + 1);
      Run run;
      if (path.equals("grpc")) {
        try (SluiceTarget target = SluiceTarget.start("1g",
            jfr(profile, warmup, measure, "broker-" + tag))) {
          run = new Run(path, drive(target, warmup, measure), null);
        }
      } else {
        try (GatewayTarget target = GatewayTarget.start(
            jfr(profile, warmup, measure, "broker-" + tag),
            jfr(profile, warmup, measure, "gateway-" + tag))) {
          Result r = drive(target, warmup, measure);
          run = new Run(path, r, target.stats());
        }
      }
      runs.add(run);
      System.out.printf("  %-4s %s%s%n", path, Report.brief(run.result()),
          run.sse() == null ? "" : "; SSE: " + check(run.sse()));
    }
    return throughputReport(runs, warmup, measure);
  }

  private static Result drive(Target target, Duration warmup, Duration measure) {
    try {
      return new Driver(target, ROW, warmup, measure).run();
    } catch (RuntimeException e) {
      StringBuilder out = new StringBuilder(e.getMessage());
      for (ServerProcess p : target.servers()) {
        out.append("; ").append(p.name()).append(" output:\n").append(p.lastOutput());
      }
      throw new IllegalStateException(target.system() + ": " + out, e);
    }
  }

  private static String check(SseReader.Stats s) {
    String problem = s.problem();
    return problem != null ? "NOT OK: " + problem : String.format("%,d records in sequence "
        + "order, each with its id (%,d seq gaps, %,d notices; %.1f records per body chunk)",
        s.records(), s.gaps(), s.notices(), s.records() / (double) Math.max(1, s.chunks()));
  }

  static String throughputReport(List<Run> runs, Duration warmup, Duration measure) {
    StringBuilder out = new StringBuilder(String.format("one runner as fast as %,d lines in "
        + "flight let it, to one full tail: the client's gRPC tail, or an SSE client of "
        + "GET /v1/tail through the gateway (its own JVM, -Xmx512m); runs alternate, a fresh "
        + "broker each; warmup %d s, measured %d s%n%n", Driver.WINDOW, warmup.toSeconds(),
        measure.toSeconds()));
    out.append("| run | path | delivered/s | p50 ms | p99 ms | broker CPU µs/line "
        + "| gateway CPU µs/line | harness CPU µs/line | gateway heap MiB | gateway RSS MiB "
        + "| lost | stream check |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    double grpc = 0;
    double sse = 0;
    int grpcRuns = 0;
    int sseRuns = 0;
    boolean ok = true;
    for (int i = 0; i < runs.size(); i++) {
      Run run = runs.get(i);
      Result r = run.result();
      boolean viaGateway = run.sse() != null;
      out.append(String.format("| %d | %s | %,.0f | %.2f | %.2f | %.2f | %s | %.2f | %s | %s "
              + "| %d | %s |%n", i + 1, viaGateway ? "SSE" : "gRPC", r.deliveredPerSecond(),
          r.p50Micros() / 1000.0, r.p99Micros() / 1000.0,
          r.serverCpuEach().getOrDefault("sluice-broker", 0.0),
          viaGateway ? String.format("%.2f", r.serverCpuEach().getOrDefault("sluice-gateway",
              0.0)) : "", r.clientCpuMicrosPerLine(),
          viaGateway ? Long.toString(r.heapBytes() >> 20) : "",
          viaGateway ? Long.toString(r.rssBytes() >> 20) : "", r.lost(),
          viaGateway ? check(run.sse()) : ""));
      ok &= r.lost() == 0 && (!viaGateway || run.sse().problem() == null);
      if (viaGateway) {
        sse += r.deliveredPerSecond();
        sseRuns++;
      } else {
        grpc += r.deliveredPerSecond();
        grpcRuns++;
      }
    }
    grpc /= grpcRuns;
    sse /= sseRuns;
    double ratio = sse / grpc;
    // Each SSE run against the gRPC runs next to it (the mean of both when it has two).
    StringBuilder each = new StringBuilder();
    for (int i = 0; i < runs.size(); i++) {
      if (runs.get(i).sse() == null) {
        continue;
      }
      double around = 0;
      int n = 0;
      for (int j : new int[] {i - 1, i + 1}) {
        if (j >= 0 && j < runs.size() && runs.get(j).sse() == null) {
          around += runs.get(j).result().deliveredPerSecond();
          n++;
        }
      }
      each.append(each.length() == 0 ? "" : ", ").append(String.format("run %d: %.2f", i + 1,
          runs.get(i).result().deliveredPerSecond() / (around / n)));
    }
    out.append(String.format("%nSSE ÷ gRPC = %.2f x (means: %,.0f ÷ %,.0f records/s; each SSE "
        + "run against the gRPC runs beside it: %s); goal at least %.2f x: %s; every line "
        + "delivered, in order: %s%n", ratio, sse, grpc, each, THROUGHPUT_GOAL,
        ratio >= THROUGHPUT_GOAL ? "met" : "MISSED", ok ? "yes" : "NO"));
    return out.toString();
  }

  /**
   * {@code clients} idle SSE streams on one gateway (its own JVM); returns the gateway's heap
   * and RSS per client.
   */
  static String idleClients(int clients) {
    try (GatewayTarget target = GatewayTarget.start(List.of(), List.of())) {
      long deadline = System.nanoTime() + BOUND.toNanos();
      ServerProcess gateway = target.gateway();
      // One request: the runner's request start is stored before its first line, so the last
      // stored record is a line as soon as one line is.
      Target.Publisher publisher = target.publisher(0, new Workload(1, 1, 1, 1));
      List<SseReader> warm = new ArrayList<>();
      List<CompletableFuture<Void>> opening = new ArrayList<>();
      for (int i = 0; i < WARM_STREAMS; i++) {
        SseReader reader = new SseReader(stamp -> { });
        warm.add(reader);
        opening.add(target.open(">", "", reader));
      }
      SseClients.awaitAll(opening);
      // Lines until every warm stream has one (then the line each idle stream replays is
      // stored), then quiet: no line for a quarter of a second.
      while (warm.stream().anyMatch(r -> r.stats().lines() == 0)) {
        check(target, deadline, "waiting for the first line on the warm streams");
        publisher.send(0, 0);
        LockSupport.parkNanos(100_000_000);
      }
      long sentLines = -1;
      while (true) {
        long now = warm.stream().mapToLong(r -> r.stats().lines()).sum();
        if (now == sentLines) {
          break;
        }
        check(target, deadline, "waiting for the warm streams to be quiet");
        sentLines = now;
        LockSupport.parkNanos(250_000_000);
      }
      // The class histogram is taken after a full collection: the heap's "used" right after it
      // is the used heap after a full GC (in G1's accounting).
      long liveBefore = gateway.liveHeapBytes();
      long usedBefore = gateway.heapUsedBytes();
      long rssBefore = gateway.rssBytes();
      String histogram = System.getProperty("load.histogram"); // a file prefix, to look closer
      if (histogram != null) {
        Files.writeString(Path.of(histogram + "-gateway-before.txt"), gateway.classHistogram());
      }

      List<SseReader> idle = new ArrayList<>(clients);
      opening.clear();
      for (int i = 0; i < clients; i++) {
        SseReader reader = new SseReader(stamp -> { });
        idle.add(reader);
        opening.add(target.open(">", "&last=1", reader));
      }
      SseClients.awaitAll(opening);
      while (true) {
        long live = idle.stream().filter(r -> r.stats().lines() == 1).count();
        if (live == clients) {
          break;
        }
        check(target, deadline, "waiting for each idle stream's replayed line (" + live
            + " of " + clients + ")");
        LockSupport.parkNanos(50_000_000);
      }
      long liveAfter = gateway.liveHeapBytes();
      long usedAfter = gateway.heapUsedBytes();
      long rssAfter = gateway.rssBytes();
      if (histogram != null) {
        Files.writeString(Path.of(histogram + "-gateway-after.txt"), gateway.classHistogram());
      }
      // Still idle and still open: no stream got anything but its line (and keep-alives).
      for (SseReader r : idle) {
        SseReader.Stats s = r.stats();
        if (s.records() != 1 || s.problem() != null) {
          throw new IllegalStateException("an idle stream got " + s);
        }
      }
      if (warm.stream().mapToLong(r -> r.stats().lines()).sum() != sentLines) {
        throw new IllegalStateException("lines flowed while measuring idle streams");
      }
      double perClient = (liveAfter - liveBefore) / 1024.0 / clients;
      return String.format("%,d idle SSE clients on one gateway (its own JVM, -Xmx512m; each "
          + "stream replayed one line, then nothing): gateway live heap +%,.0f KB = %.1f KB per "
          + "client (heap used after a full GC: +%,.0f KB = %.1f KB per client); RSS +%,.0f KB "
          + "= %.1f KB per client; goal at most %.0f KB per client: %s", clients,
          (liveAfter - liveBefore) / 1024.0, perClient, (usedAfter - usedBefore) / 1024.0,
          (usedAfter - usedBefore) / 1024.0 / clients, (rssAfter - rssBefore) / 1024.0,
          (rssAfter - rssBefore) / 1024.0 / clients, HEAP_GOAL_KB,
          perClient <= HEAP_GOAL_KB ? "met" : "MISSED");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void check(GatewayTarget target, long deadline, String what) {
    for (ServerProcess p : target.servers()) {
      if (!p.isAlive() || p.sawOutOfMemory()) {
        throw new IllegalStateException(p.name() + " died while " + what + ":\n"
            + p.lastOutput());
      }
    }
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException("not done " + what + " within " + BOUND);
    }
  }

  private static List<String> jfr(Path profile, Duration warmup, Duration measure, String name) {
    if (profile == null) {
      return List.of();
    }
    // The measured interval only: after the JVM's start, the priming and the warmup.
    return List.of("-XX:StartFlightRecording=settings=profile,delay="
        + (warmup.toSeconds() + 3) + "s,duration=" + measure.toSeconds() + "s,filename="
        + profile.resolve(name + ".jfr"));
  }
}
