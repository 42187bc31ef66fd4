package dev.sluice.broker.testing;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.Tokens;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real broker on 127.0.0.1, port 0, with a fresh data directory before each test, and
 * closes it (and every channel handed out) after. Register with {@code @RegisterExtension}.
 *
 * <p>{@code new BrokerExtension()} runs the broker with {@code --insecure}, for tests about
 * anything but access; {@link #secured()} writes an issuer key into the data directory first,
 * trusts it, and mints tokens with {@link #token}.
 */
public final class BrokerExtension implements BeforeEachCallback, AfterEachCallback {
  private final UnaryOperator<BrokerConfig> settings;
  private final boolean secured;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private KeyPair issuer;
  private Broker broker;
  private Path dataDir;

  public BrokerExtension() {
    this(UnaryOperator.identity());
  }

  public BrokerExtension(UnaryOperator<BrokerConfig> settings) {
    this(settings, false);
  }

  private BrokerExtension(UnaryOperator<BrokerConfig> settings, boolean secured) {
    this.settings = settings;
    this.secured = secured;
  }

  /** A broker that requires tokens signed by an issuer key made for the test. */
  public static BrokerExtension secured() {
    return secured(UnaryOperator.identity());
  }

  /** A secured broker with other settings too. */
  public static BrokerExtension secured(UnaryOperator<BrokerConfig> settings) {
    return new BrokerExtension(settings, true);
  }

  /** A token signed by the test's issuer key, valid for an hour. */
  public String token(String subject, String account, Role role, String app) {
    return Tokens.mint(Tokens.claims(subject, account, role, app, Duration.ofHours(1),
        Instant.now()), issuer.getPrivate(), issuer.getPublic());
  }

  /** The test's issuer key pair (secured brokers only). */
  public KeyPair issuer() {
    return issuer;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** A channel whose every call carries {@code authorization: Bearer <token>}. */
  public Channel channel(String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return ClientInterceptors.intercept(channel(),
        MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    dataDir = Files.createTempDirectory("sluice-test");
    BrokerConfig base = BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir);
    if (secured) {
      issuer = IssuerKeys.generate();
      IssuerKeys.write(issuer, dataDir);
    } else {
      base = base.withInsecure(true);
    }
    broker = Broker.start(settings.apply(base));
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    channels.clear();
    broker.close();
  }

  public Broker broker() {
    return broker;
  }

  /** A plain grpc-java (netty-shaded) channel to the broker, as runners will use. */
  public ManagedChannel channel() {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.grpcPort())
        .usePlaintext().maxInboundMessageSize(16 * 1024 * 1024).build();
    channels.add(channel);
    return channel;
  }
}
