package dev.sluice.client.testing;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real broker on 127.0.0.1 for each test (port 0, fresh data directory), closed after it.
 * {@link #restartOn(int)} replaces it with a new broker on a fixed port, for reconnect tests.
 * Register with {@code @RegisterExtension}.
 */
public final class TestBroker implements BeforeEachCallback, AfterEachCallback {
  private final UnaryOperator<BrokerConfig> settings;
  private Broker broker;
  private Path dataDir;

  public TestBroker() {
    this(UnaryOperator.identity());
  }

  public TestBroker(UnaryOperator<BrokerConfig> settings) {
    this.settings = settings;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    dataDir = Files.createTempDirectory("sluice-client-test");
    broker = start(0);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    stop();
  }

  public Broker broker() {
    return broker;
  }

  /** The broker's data directory, the same across restarts. */
  public Path dataDir() {
    return dataDir;
  }

  public int port() {
    return broker.grpcPort();
  }

  /** {@code 127.0.0.1:<port>}. */
  public String target() {
    return "127.0.0.1:" + port();
  }

  /** Stops the current broker (gracefully), if one runs. */
  public void stop() {
    if (broker != null) {
      broker.close();
      broker = null;
    }
  }

  /** Starts a broker on {@code port} (after {@link #stop()}), with the same settings. */
  public Broker restartOn(int port) {
    stop();
    broker = start(port);
    return broker;
  }

  private Broker start(int port) {
    return Broker.start(settings.apply(
        BrokerConfig.defaults().withGrpcPort(port).withDataDir(dataDir).withInsecure(true)));
  }

  /** A port that was free a moment ago: bind port 0, note the port, release it. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
