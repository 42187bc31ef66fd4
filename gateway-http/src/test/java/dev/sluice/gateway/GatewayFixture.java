package dev.sluice.gateway;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real secured broker (durable store in a temporary directory, tokens signed by a key made
 * for the test) and a real gateway in front of it, both on free loopback ports.
 *
 * <pre>{@code
 * @RegisterExtension final GatewayFixture gw = new GatewayFixture();
 * gw.get("/v1/logs?subject=demo.>", gw.token("ann", "acme", Role.MEMBER, ""));
 * }</pre>
 */
public final class GatewayFixture implements BeforeEachCallback, AfterEachCallback {
  public static final Duration WAIT = Duration.ofSeconds(20);

  private final UnaryOperator<BrokerConfig> brokerSettings;
  private final UnaryOperator<GatewayConfig> gatewaySettings;
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build(); // as browsers speak to it
  private KeyPair issuer;
  private Broker broker;
  private Gateway gateway;
  private Path dataDir;

  public GatewayFixture() {
    this(UnaryOperator.identity(), UnaryOperator.identity());
  }

  public GatewayFixture(UnaryOperator<GatewayConfig> gatewaySettings) {
    this(UnaryOperator.identity(), gatewaySettings);
  }

  public GatewayFixture(UnaryOperator<BrokerConfig> brokerSettings,
      UnaryOperator<GatewayConfig> gatewaySettings) {
    this.brokerSettings = brokerSettings;
    this.gatewaySettings = gatewaySettings;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    dataDir = Files.createTempDirectory("sluice-gateway-test");
    issuer = IssuerKeys.generate();
    IssuerKeys.write(issuer, dataDir);
    broker = Broker.start(brokerSettings.apply(
        BrokerConfig.defaults().withGrpcPort(0).withDataDir(dataDir)));
    gateway = Gateway.start(gatewaySettings.apply(
        new GatewayConfig("127.0.0.1", 0, "127.0.0.1:" + broker.grpcPort())));
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    closing.clear();
    gateway.close();
    broker.close();
  }

  /** A token signed by the test's issuer, valid for an hour. */
  public String token(String subject, String account, Role role, String app) {
    return Tokens.mint(Tokens.claims(subject, account, role, app, Duration.ofHours(1),
        Instant.now()), issuer.getPrivate(), issuer.getPublic());
  }

  /** A token valid for {@code life}. */
  public String token(String subject, String account, Role role, String app, Duration life) {
    return Tokens.mint(Tokens.claims(subject, account, role, app, life, Instant.now()),
        issuer.getPrivate(), issuer.getPublic());
  }

  /** A runner of {@code app} in {@code account}, closed after the test. */
  public SluiceRunner runner(String account, String app, String runner) {
    SluiceRunner r = SluiceRunner.builder().target("127.0.0.1:" + broker.grpcPort())
        .app(app).runner(runner).token(token("runner-" + runner, account, Role.RUNNER, app))
        .build();
    closing.add(r);
    return r;
  }

  /** Something to close after the test, before the gateway and broker. */
  public <T extends AutoCloseable> T closeLater(T closeable) {
    closing.add(closeable);
    return closeable;
  }

  public Broker broker() {
    return broker;
  }

  public Gateway gateway() {
    return gateway;
  }

  public Path dataDir() {
    return dataDir;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + gateway.httpPort();
  }

  public URI uri(String pathAndQuery) {
    return URI.create(baseUrl() + pathAndQuery);
  }

  public HttpClient http() {
    return http;
  }

  /** GET with {@code Authorization: Bearer token} (none when null). */
  public HttpResponse<String> get(String pathAndQuery, String token) throws IOException,
      InterruptedException {
    return send(request(pathAndQuery, token).GET().build());
  }

  /** A request builder with the token and a bounded timeout. */
  public HttpRequest.Builder request(String pathAndQuery, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(WAIT);
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    return b;
  }

  public HttpResponse<String> send(HttpRequest request) throws IOException,
      InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
