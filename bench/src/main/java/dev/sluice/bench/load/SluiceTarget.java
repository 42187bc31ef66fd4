package dev.sluice.bench.load;

import com.google.protobuf.ByteString;
import dev.sluice.client.runner.RequestScope;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.client.tail.SluiceSubscriber;
import dev.sluice.client.tail.TailEvent;
import dev.sluice.client.tail.TailHandle;
import dev.sluice.proto.v1.TailRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * The broker in its own JVM on its defaults (durable segment store, fsync on every batch),
 * runners on the client SDK, subscribers on the client's tail API, all over gRPC on loopback.
 */
final class SluiceTarget implements Target {
  private static final Pattern LISTENING =
      Pattern.compile("sluice broker: gRPC listening on [^ ]+:(\\d+), data in ");

  private final ServerProcess server;
  private final Path dataDir;
  private final String address;
  private final List<AutoCloseable> open = new ArrayList<>();

  private SluiceTarget(ServerProcess server, Path dataDir) {
    this.server = server;
    this.dataDir = dataDir;
    this.address = "127.0.0.1:" + server.port();
  }

  /** Starts a broker with {@code heap} as its -Xmx, e.g. {@code "1g"}, without authentication. */
  static SluiceTarget start(String heap, List<String> extraJvmArgs) {
    return start(heap, extraJvmArgs, List.of("--insecure"));
  }

  /**
   * Starts a broker that trusts the issuer key {@code issuerPublic}: clients then pass tokens
   * ({@link #publisher(int, Workload, String)}, {@link #subscribe(String, Tap, String)}), and
   * accounts are apart (the isolation scenarios).
   */
  static SluiceTarget startSecured(String heap, Path issuerPublic) {
    return start(heap, List.of(), List.of("--trust-key", issuerPublic.toString()));
  }

  private static SluiceTarget start(String heap, List<String> extraJvmArgs, List<String> auth) {
    Path dir;
    try {
      dir = Files.createTempDirectory("sluice-load");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms" + heap, "-Xmx" + heap));
    command.addAll(extraJvmArgs);
    String jvm = System.getProperty("load.brokerJvm", "").trim(); // experiments: GC logs, flags
    if (!jvm.isEmpty()) {
      command.addAll(List.of(jvm.split("\\s+")));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        "dev.sluice.broker.BrokerMain", "--grpc-host", "127.0.0.1",
        "--grpc-port", "0", "--data-dir", dir.toString(),
        // Throughput is measured here, not the tenant limits (250k lines/s by default).
        "--tenant-lines-per-second", "1000000000",
        "--tenant-bytes-per-second", "1000000000000",
        // One runner carries all 6,400 subjects' requests in the 1-runner rows.
        "--max-open-requests", Integer.toString(Workload.SUBJECTS),
        // The idle row opens 10,001 tails as one principal of the one open account.
        "--tails-per-principal", "20000", "--tails-per-account", "20000"));
    command.addAll(auth);
    command.addAll(extraBrokerArgs());
    return new SluiceTarget(ServerProcess.start("sluice-broker", command, LISTENING), dir);
  }

  /** Extra broker options for experiments: {@code -Dload.brokerArgs="--memory-store-records 20000"}. */
  private static List<String> extraBrokerArgs() {
    String value = System.getProperty("load.brokerArgs", "").trim();
    return value.isEmpty() ? List.of() : List.of(value.split("\\s+"));
  }

  /** The broker's gRPC address, {@code 127.0.0.1:port}. */
  String address() {
    return address;
  }

  @Override
  public String system() {
    return "sluice";
  }

  @Override
  public ServerProcess server() {
    return server;
  }

  @Override
  public boolean jvm() {
    return true;
  }

  @Override
  public Publisher publisher(int runner, Workload workload) {
    return publisher(runner, workload, null);
  }

  /** {@link #publisher(int, Workload)} with a runner token (a secured broker). */
  Publisher publisher(int runner, Workload workload, String token) {
    SluiceRunner.Builder builder = SluiceRunner.builder().target(address)
        .app(workload.app(runner)).runner(workload.runnerName(runner)).version("v1")
        .maxBatchRecords(Integer.getInteger("load.maxBatch", SluiceRunner.DEFAULT_MAX_BATCH_RECORDS));
    SluiceRunner sdk = (token == null ? builder : builder.token(token)).build();
    RequestScope[] scopes = new RequestScope[workload.requestsPerRunner()];
    for (int i = 0; i < scopes.length; i++) {
      scopes[i] = sdk.request(Workload.request(i), "/bench", "caller-" + i);
    }
    Publisher publisher = new Publisher() {
      @Override
      public void send(int request, long stamp) {
        scopes[request].info(Workload.payload(stamp));
      }

      @Override
      public long failures() {
        return sdk.droppedCount();
      }

      @Override
      public String toString() {
        return "dropped " + sdk.droppedCount() + ", last error " + sdk.lastError();
      }

      @Override
      public void close() {
        for (RequestScope scope : scopes) {
          scope.close();
        }
        sdk.close();
      }
    };
    open.add(publisher);
    return publisher;
  }

  @Override
  public void subscribe(String filter, Tap tap) {
    subscribe(filter, tap, null);
  }

  /** {@link #subscribe(String, Tap)} with a reader's token (a secured broker). */
  void subscribe(String filter, Tap tap, String token) {
    SluiceSubscriber subscriber = SluiceSubscriber.connect(address, token);
    open.add(subscriber);
    TailHandle handle = subscriber.tail(TailRequest.newBuilder().setFilter(filter).build(),
        receiver(tap));
    open.add(handle);
  }

  /** Opens a tail whose callback is {@code onEvent} (the stalled-subscriber scenario). */
  TailHandle subscribe(String filter, Consumer<TailEvent> onEvent) {
    SluiceSubscriber subscriber = SluiceSubscriber.connect(address, null);
    open.add(subscriber);
    TailHandle handle = subscriber.tail(TailRequest.newBuilder().setFilter(filter).build(), onEvent);
    open.add(handle);
    return handle;
  }

  /** Many tails over few connections (the idle-tail scenario); tail i calls {@code onEvent(i)}. */
  List<TailHandle> subscribeMany(TailRequest request, int tails, int connections,
      IntFunction<Consumer<TailEvent>> onEvent) {
    List<TailHandle> handles = new ArrayList<>(tails);
    List<SluiceSubscriber> subscribers = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      SluiceSubscriber s = SluiceSubscriber.connect(address, null);
      subscribers.add(s);
      open.add(s);
    }
    for (int i = 0; i < tails; i++) {
      TailHandle h = subscribers.get(i % connections)
          .tail(request, onEvent.apply(i));
      handles.add(h);
      open.add(h);
    }
    return handles;
  }

  private static Consumer<TailEvent> receiver(Tap tap) {
    // The stamp's digits copied out in one call, as the NATS side reads them from its byte[];
    // a tail's callbacks run one at a time, so one buffer per tail.
    byte[] digits = new byte[Workload.STAMP_DIGITS];
    return event -> {
      if (event instanceof TailEvent.RecordEvent r) {
        ByteString message = r.message();
        if (message.size() < digits.length) {
          tap.line(-1);
        } else {
          message.copyTo(digits, 0, 0, digits.length);
          tap.line(Workload.stamp(digits, 0, digits.length));
        }
      }
    };
  }

  @Override
  public void close() {
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception e) {
        // closing after the row: a failure here changes no figure
      }
    }
    server.close();
    Target.deleteDirectory(dataDir);
  }
}
