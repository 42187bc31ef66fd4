package dev.sluice.bench.load;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The broker as {@link SluiceTarget} starts it, with the HTTP gateway in front of it in a JVM
 * of its own ({@code GatewayMain}, default settings: four gRPC connections to the broker), and
 * subscribers that read {@code GET /v1/tail} as Server-Sent Events ({@link SseReader}) from
 * the harness's JVM. Runners publish to the broker over gRPC, as in every Sluice row.
 */
final class GatewayTarget implements Target {
  private static final Pattern LISTENING =
      Pattern.compile("sluice gateway: HTTP listening on [^ ]+:(\\d+) ");

  private final SluiceTarget broker;
  private final ServerProcess gateway;
  private final List<SseReader> readers = new ArrayList<>();
  private SseClients clients;

  private GatewayTarget(SluiceTarget broker, ServerProcess gateway) {
    this.broker = broker;
    this.gateway = gateway;
  }

  /**
   * Starts a broker ({@code -Xmx1g}, JVM options {@code brokerJvm}) and a gateway in front of
   * it ({@code -Xmx512m}, JVM options {@code gatewayJvm}).
   */
  static GatewayTarget start(List<String> brokerJvm, List<String> gatewayJvm) {
    SluiceTarget broker = SluiceTarget.start("1g", brokerJvm);
    try {
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xms512m", "-Xmx512m"));
      command.addAll(gatewayJvm);
      String jvm = System.getProperty("load.gatewayJvm", "").trim(); // experiments
      if (!jvm.isEmpty()) {
        command.addAll(List.of(jvm.split("\\s+")));
      }
      command.addAll(List.of("-cp", System.getProperty("java.class.path"),
          "dev.sluice.gateway.GatewayMain", "--http-host", "127.0.0.1", "--http-port", "0",
          "--broker", broker.address()));
      return new GatewayTarget(broker,
          ServerProcess.start("sluice-gateway", command, LISTENING));
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
  }

  SluiceTarget broker() {
    return broker;
  }

  /** The gateway's process. */
  ServerProcess gateway() {
    return gateway;
  }

  @Override
  public String system() {
    return "sse";
  }

  /** The gateway: the row's heap and RSS are its own. */
  @Override
  public ServerProcess server() {
    return gateway;
  }

  @Override
  public List<ServerProcess> servers() {
    return List.of(broker.server(), gateway);
  }

  @Override
  public boolean jvm() {
    return true;
  }

  @Override
  public Publisher publisher(int runner, Workload workload) {
    return broker.publisher(runner, workload);
  }

  /** One SSE stream of {@code filter} from the live end; returns once it is open (200). */
  @Override
  public void subscribe(String filter, Tap tap) {
    SseReader reader = new SseReader(tap::line);
    SseClients.awaitAll(List.of(open(filter, "", reader)));
  }

  /** Opens an SSE stream of {@code filter}; {@code query} is more parameters ({@code &last=1}). */
  CompletableFuture<Void> open(String filter, String query, SseReader reader) {
    synchronized (readers) {
      readers.add(reader);
      if (clients == null) {
        clients = new SseClients(gateway.port(), 10_000);
      }
    }
    return clients.open("/v1/tail?subject=" + URLEncoder.encode(filter, StandardCharsets.UTF_8)
        + query, reader::feed);
  }

  /** What every stream's reader saw so far, summed. */
  SseReader.Stats stats() {
    long records = 0;
    long lines = 0;
    long withoutId = 0;
    long malformed = 0;
    long outOfOrder = 0;
    long gaps = 0;
    long notices = 0;
    long comments = 0;
    long retries = 0;
    long chunks = 0;
    String error = null;
    synchronized (readers) {
      for (SseReader r : readers) {
        SseReader.Stats s = r.stats();
        records += s.records();
        lines += s.lines();
        withoutId += s.withoutId();
        malformed += s.malformed();
        outOfOrder += s.outOfOrder();
        gaps += s.gaps();
        notices += s.notices();
        comments += s.comments();
        retries += s.retries();
        chunks += s.chunks();
        error = error != null ? error : s.lastError();
      }
    }
    return new SseReader.Stats(records, lines, withoutId, malformed, outOfOrder, gaps, notices,
        comments, retries, chunks, error);
  }

  /** Closes every SSE stream (the gateway and broker keep running). */
  void closeStreams() {
    SseClients c;
    synchronized (readers) {
      c = clients;
      clients = null;
    }
    if (c != null) {
      c.close();
    }
  }

  @Override
  public void close() {
    closeStreams();
    gateway.close();
    broker.close();
  }
}
