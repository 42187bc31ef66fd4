package dev.sluice.testing;

import com.google.protobuf.ByteString;
import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.proto.v1.LogsGrpc;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.QueryResponse;
import dev.sluice.proto.v1.Record;
import dev.sluice.proto.v1.RecordKind;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.Tokens;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real broker for each test: in this JVM, on 127.0.0.1 port 0, with a fresh data directory.
 * After the test it closes every channel it handed out, closes the broker and deletes the data
 * directory. Register it with {@code @RegisterExtension}:
 *
 * <pre>{@code
 * @RegisterExtension
 * final SluiceBroker sluice = SluiceBroker.insecure(c -> c.withConnectionIdle(IDLE));
 *
 * @Test
 * void deliversWhatARunnerSends() {
 *   TailCollector tail = TailCollector.tail(sluice.channel(), "app.>");
 *   RawRunner.connect(sluice.channel(), "app", "runner-1").lines("", "hello");
 *   tail.awaitRecords(1);
 * }
 * }</pre>
 *
 * <p>{@link #insecure()} runs the broker with {@code --insecure}, for tests about anything but
 * access. {@link #secured()} writes an issuer key made for the test into the data directory
 * first (the broker trusts it) and mints tokens with {@link #token}.
 */
public final class SluiceBroker implements BeforeEachCallback, AfterEachCallback {
  /** What {@link #channel()} accepts from the broker; above every limit a test sets. */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 16 * 1024 * 1024;
  /** How long a token from {@link #token(String, String, Role, String)} is valid. */
  public static final Duration TOKEN_LIFE = Duration.ofHours(1);

  private final UnaryOperator<BrokerConfig> settings;
  private final boolean secured;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private KeyPair issuer;
  private Broker broker;
  private Path dataDir;

  private SluiceBroker(UnaryOperator<BrokerConfig> settings, boolean secured) {
    this.settings = settings;
    this.secured = secured;
  }

  /** A broker that asks for no token. */
  public static SluiceBroker insecure() {
    return insecure(UnaryOperator.identity());
  }

  /** A broker that asks for no token, with {@code settings} applied to the test's defaults. */
  public static SluiceBroker insecure(UnaryOperator<BrokerConfig> settings) {
    return new SluiceBroker(settings, false);
  }

  /** A broker that requires tokens signed by an issuer key made for the test. */
  public static SluiceBroker secured() {
    return secured(UnaryOperator.identity());
  }

  /** A secured broker with {@code settings} applied to the test's defaults. */
  public static SluiceBroker secured(UnaryOperator<BrokerConfig> settings) {
    return new SluiceBroker(settings, true);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    dataDir = Files.createTempDirectory("sluice-test");
    if (secured) {
      issuer = IssuerKeys.generate();
      IssuerKeys.write(issuer, dataDir);
    }
    broker = start(0);
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException, IOException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    channels.clear();
    stop();
    if (dataDir != null) {
      deleteTree(dataDir);
    }
  }

  /** The running broker. */
  public Broker broker() {
    return broker;
  }

  /** The broker's data directory, the same across {@link #restartOn} restarts. */
  public Path dataDir() {
    return dataDir;
  }

  /** The port the broker listens on. */
  public int port() {
    return broker.grpcPort();
  }

  /** {@code 127.0.0.1:<port>}, for clients that take a target. */
  public String target() {
    return "127.0.0.1:" + port();
  }

  /** A plain grpc-java (netty-shaded) channel to the broker, as runners use; closed after. */
  public ManagedChannel channel() {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port())
        .usePlaintext().maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES).build();
    channels.add(channel);
    return channel;
  }

  /**
   * Every stored log line (records of kind LINE) whose subject matches {@code filter}, oldest
   * first, read through {@code Logs.Query} page by page (a page is bounded in bytes too). For
   * an insecure broker; at most 100 pages.
   */
  public List<Record> storedLines(String filter) {
    // A channel of its own, closed at once: tests call this in await loops.
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port())
        .usePlaintext().maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES).build();
    try {
      LogsGrpc.LogsBlockingStub logs = LogsGrpc.newBlockingStub(channel);
      List<Record> lines = new ArrayList<>();
      ByteString cursor = ByteString.EMPTY;
      for (int page = 0; page < 100; page++) {
        QueryResponse response = logs.query(QueryRequest.newBuilder().setFilter(filter)
            .setLimit(10_000).setPageCursor(cursor).build());
        response.getRecordsList().stream().filter(r -> r.getKind() == RecordKind.LINE)
            .forEach(lines::add);
        cursor = response.getNextPageCursor();
        if (cursor.isEmpty()) {
          break;
        }
      }
      return lines;
    } finally {
      channel.shutdownNow();
    }
  }

  /** A {@link #channel()} whose every call carries {@code authorization: Bearer <token>}. */
  public Channel channel(String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return ClientInterceptors.intercept(channel(),
        MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** A token signed by the test's issuer key, valid for {@link #TOKEN_LIFE} (secured only). */
  public String token(String subject, String account, Role role, String app) {
    return token(subject, account, role, app, TOKEN_LIFE);
  }

  /** A token signed by the test's issuer key, valid for {@code life} (secured only). */
  public String token(String subject, String account, Role role, String app, Duration life) {
    KeyPair key = issuer();
    return Tokens.mint(Tokens.claims(subject, account, role, app, life, Instant.now()),
        key.getPrivate(), key.getPublic());
  }

  /** The test's issuer key pair (secured only). */
  public KeyPair issuer() {
    if (issuer == null) {
      throw new IllegalStateException("no issuer key: an insecure broker (expected: "
          + "SluiceBroker.secured())");
    }
    return issuer;
  }

  /** Closes the broker (gracefully) if one runs; {@link #restartOn} starts another. */
  public void stop() {
    if (broker != null) {
      broker.close();
      broker = null;
    }
  }

  /**
   * Stops the broker and starts a new one on {@code port} (0: any free port) with the same
   * settings and data directory, for reconnect and recovery tests.
   */
  public Broker restartOn(int port) {
    stop();
    broker = start(port);
    return broker;
  }

  /**
   * A loopback port that was free a moment ago (bound to port 0, noted, released), for a
   * broker a test restarts on a known port or for an address where nothing listens.
   */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Broker start(int port) {
    BrokerConfig base = BrokerConfig.defaults().withGrpcPort(port).withDataDir(dataDir);
    return Broker.start(settings.apply(secured ? base : base.withInsecure(true)));
  }

  private static void deleteTree(Path root) throws IOException {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path path : paths) {
      Files.deleteIfExists(path);
    }
  }
}
