package dev.sluice.bench;

import com.google.protobuf.ByteString;
import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.proto.v1.Hello;
import dev.sluice.proto.v1.IngestFrame;
import dev.sluice.proto.v1.IngestGrpc;
import dev.sluice.proto.v1.IngestReply;
import dev.sluice.proto.v1.Labels;
import dev.sluice.proto.v1.LogBatch;
import dev.sluice.proto.v1.LogLine;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.Notice;
import dev.sluice.proto.v1.NoticeKind;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.Stream;
import dev.sluice.proto.v1.TailRequest;
import dev.sluice.proto.v1.TailResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * End to end over real gRPC on 127.0.0.1, one JVM: one runner streams 100-line batches
 * (200-byte lines) on a raw Ingest stream; {@code tails} subscribers tail it. The score is
 * records per second that were ingested, stored and delivered to every tail.
 *
 * <p>{@code window} is how many batches may be in flight: 1 waits for each batch to reach every
 * tail before sending the next (round-trip bound), 16 keeps up to 16 batches in flight (the
 * broker's ingest read-ahead) and measures throughput. {@code server=relay} runs the same
 * clients against {@link GrpcRelay}, a plain grpc-java server with no broker behind it: the
 * transport's ceiling, measured in the same run.
 *
 * <pre>{@code
 * java -jar bench/target/benchmarks.jar IngestTailBenchmark -f 1 -wi 5 -i 5 -w 2s -r 2s -prof gc
 * }</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// Longer warmup than the router's: C2 needs ~10 s on 2 cores to compile gRPC, Vert.x and Netty.
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class IngestTailBenchmark {
  static final int BATCH = 100;
  static final int LINE_BYTES = 200;
  /** Every filter matches {@code bench.r1._}, so every tail receives every record. */
  static final List<String> FILTERS = List.of("bench.>", "bench.*.*", "*.r1.*", "bench.r1.>");
  static final Duration WAIT = Duration.ofSeconds(10);

  @Param({"broker", "relay"})
  String server;

  @Param({"1", "4"})
  int tails;

  @Param({"1", "16"})
  int window;

  /**
   * Records the broker's in-memory store keeps (its default); the store retains every record
   * until this many newer ones arrive, which is what its garbage collector has to copy. Try
   * {@code -p storeRecords=10000} to see what that retention costs. Ignored by the relay.
   */
  @Param({"200000"})
  int storeRecords;

  /**
   * The broker's store: {@code memory} (the ring; comparable with the figures before the
   * durable store became the default) or {@code segment} (the default: acked after fsync).
   */
  @Param({"memory", "segment"})
  String store;

  private Broker broker;
  private GrpcRelay relay;
  private Path dataDir;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Progress> delivered = new ArrayList<>();
  private final AtomicLong dropped = new AtomicLong();
  private final Progress welcomed = new Progress("ingest welcome");
  private final AtomicLong acked = new AtomicLong();
  private StreamObserver<IngestFrame> up;
  private IngestFrame frame;
  private long sent;

  @Setup(Level.Trial)
  public void start() throws IOException {
    if (tails < 1 || tails > FILTERS.size()) {
      throw new IllegalArgumentException("tails: " + tails + " (expected: 1.." + FILTERS.size() + ")");
    }
    frame = IngestFrame.newBuilder().setBatch(batch()).build();
    IntSupplier openTails;
    int port;
    if (server.equals("broker")) {
      dataDir = Files.createTempDirectory("sluice-bench");
      broker = Broker.start(BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir).withInsecure(true)
          // Throughput, not tenant limits, is measured here: lift the per-account limit.
          .withTenantLimits(100_000_000L, 100L << 30, 2.0)
          .withMemoryStoreRecords(storeRecords)
          .withStore(store.equals("memory") ? BrokerConfig.StoreKind.MEMORY
              : BrokerConfig.StoreKind.SEGMENT, BrokerConfig.DEFAULT_FSYNC));
      port = broker.grpcPort();
      Broker started = broker;
      openTails = () -> (int) started.stats().value("tail.open");
    } else {
      relay = GrpcRelay.start(relayChunk());
      port = relay.port();
      openTails = relay::openTails;
    }
    for (int i = 0; i < tails; i++) {
      delivered.add(openTail(channel(port), FILTERS.get(i)));
    }
    awaitOpenTails(openTails);
    up = IngestGrpc.newStub(channel(port)).stream(new Replies());
    up.onNext(IngestFrame.newBuilder().setHello(Hello.newBuilder().setApp("bench")
        .setRunner("r1").setVersion("v1")).build());
    welcomed.awaitAtLeast(1, WAIT);
  }

  /** One batch of 100 lines; returns once every tail is within {@code window} batches of it. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void ingestToTails() {
    up.onNext(frame);
    sent += BATCH;
    long want = sent - (long) (window - 1) * BATCH;
    for (Progress tail : delivered) {
      tail.awaitAtLeast(want, WAIT);
    }
  }

  /** Lets the batches still in flight arrive, so iterations do not overlap. */
  @TearDown(Level.Iteration)
  public void drain() {
    for (Progress tail : delivered) {
      tail.awaitAtLeast(sent, WAIT);
    }
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException, InterruptedException {
    String counts = delivered.stream().map(p -> Long.toString(p.get()))
        .collect(Collectors.joining(", "));
    System.out.printf("%n[%s] sent %d records, delivered per tail [%s], last ack %d, "
        + "dropped (notices) %d, broker tail drops %d%n", server, sent, counts, acked.get(),
        dropped.get(), broker == null ? 0 : broker.stats().value("tail.dropped"));
    up.onCompleted();
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (broker != null) {
      broker.close();
    }
    if (relay != null) {
      relay.close();
    }
    if (dataDir != null) {
      try (var files = Files.walk(dataDir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
          Files.deleteIfExists(p);
        }
      }
    }
    if (dropped.get() > 0) {
      throw new IllegalStateException("results invalid: " + dropped.get()
          + " records were dropped from tail queues (window too large for the queue?)");
    }
  }

  private ManagedChannel channel(int port) {
    // directExecutor: our observers only count and unpark, so they may run on the transport
    // thread; this saves the executor hop per message that DESIGN.md measured at ~30x.
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .directExecutor().maxInboundMessageSize(16 * 1024 * 1024).build();
    channels.add(channel);
    return channel;
  }

  private Progress openTail(ManagedChannel channel, String filter) {
    Progress progress = new Progress("tail " + filter);
    LogsGrpc.newStub(channel).tail(TailRequest.newBuilder().setFilter(filter).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(TailResponse response) {
            long lost = 0;
            for (Notice notice : response.getNoticesList()) {
              if (notice.getKind() == NoticeKind.DROPPED) {
                lost += notice.getCount();
              }
            }
            dropped.addAndGet(lost);
            // Dropped records count as progress, so a drop fails the trial instead of hanging.
            progress.add(response.getRecordsCount() + lost);
          }

          @Override
          public void onError(Throwable t) {
            progress.end(Status.fromThrowable(t).toString());
          }

          @Override
          public void onCompleted() {
            progress.end("completed by the server");
          }
        });
    return progress;
  }

  private void awaitOpenTails(IntSupplier openTails) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (openTails.getAsInt() < tails) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("tails did not open within " + WAIT);
      }
      try {
        Thread.sleep(5); // setup only, never measured
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private final class Replies implements StreamObserver<IngestReply> {
    @Override
    public void onNext(IngestReply reply) {
      if (reply.hasWelcome()) {
        welcomed.add(1);
      } else if (reply.hasAck()) {
        acked.set(reply.getAck().getSeq());
      }
    }

    @Override
    public void onError(Throwable t) {
      String why = "ingest stream failed: " + Status.fromThrowable(t);
      welcomed.end(why);
      delivered.forEach(p -> p.end(why));
    }

    @Override
    public void onCompleted() {}
  }

  /** 100 distinct lines of exactly 200 ASCII bytes, outside any request (subject bench.r1._). */
  static LogBatch batch() {
    LogBatch.Builder batch = LogBatch.newBuilder();
    for (int i = 0; i < BATCH; i++) {
      batch.addLines(LogLine.newBuilder().setMessage(line(i)));
    }
    return batch.build();
  }

  static String line(int i) {
    StringBuilder sb = new StringBuilder(LINE_BYTES)
        .append("2026-11-21T12:00:00Z INFO worker step=").append(i).append(" loss=0.0123 ");
    while (sb.length() < LINE_BYTES) {
      sb.append((char) ('a' + sb.length() % 26));
    }
    String s = sb.toString();
    if (s.getBytes(StandardCharsets.UTF_8).length != LINE_BYTES) {
      throw new IllegalStateException("line: " + s.length() + " bytes");
    }
    return s;
  }

  /** What the broker would send for {@link #batch()}: the relay sends it for every batch. */
  static TailResponse relayChunk() {
    Labels labels = Labels.newBuilder().setAccount("default").setAppName("bench")
        .setRunnerId("r1").setRequestId("_").setVersion("v1").setSource("run").build();
    long now = System.currentTimeMillis() * 1_000_000L;
    TailResponse.Builder chunk = TailResponse.newBuilder();
    for (int i = 0; i < BATCH; i++) {
      chunk.addRecords(Record.newBuilder().setSeq(i + 1)
          .setCursor(ByteString.copyFrom(new byte[9])).setSubject("bench.r1._")
          .setTimeUnixNano(now).setLevel(dev.sluice.proto.v1.Level.INFO).setStream(Stream.STDOUT)
          .setMessage(line(i)).setLabels(labels).setIngestTimeUnixNano(now));
    }
    return chunk.build();
  }
}
