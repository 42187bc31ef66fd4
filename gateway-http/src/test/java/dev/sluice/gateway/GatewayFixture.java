package dev.sluice.gateway;

import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.token.Role;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real gateway on a free loopback port in front of a real secured broker, which
 * sluice-testing's {@link SluiceBroker} starts (durable store in a temporary directory, tokens
 * signed by a key made for the test). Only the gateway's part is here: sluice-testing cannot
 * start a gateway, since it would then depend on this module, whose tests depend on it.
 *
 * <pre>{@code
 * @RegisterExtension final GatewayFixture gw = new GatewayFixture();
 * gw.get("/v1/logs?subject=demo.>", gw.token("ann", "acme", Role.MEMBER, ""));
 * }</pre>
 */
public final class GatewayFixture implements BeforeEachCallback, AfterEachCallback {
  public static final Duration WAIT = Duration.ofSeconds(20);

  private final SluiceBroker sluice;
  private final UnaryOperator<GatewayConfig> gatewaySettings;
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build(); // as browsers speak to it
  private Gateway gateway;

  public GatewayFixture() {
    this(UnaryOperator.identity(), UnaryOperator.identity());
  }

  public GatewayFixture(UnaryOperator<GatewayConfig> gatewaySettings) {
    this(UnaryOperator.identity(), gatewaySettings);
  }

  public GatewayFixture(UnaryOperator<BrokerConfig> brokerSettings,
      UnaryOperator<GatewayConfig> gatewaySettings) {
    this.sluice = SluiceBroker.secured(brokerSettings);
    this.gatewaySettings = gatewaySettings;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    sluice.beforeEach(context);
    gateway = Gateway.start(gatewaySettings.apply(
        new GatewayConfig("127.0.0.1", 0, sluice.target())));
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    closing.clear();
    gateway.close();
    sluice.afterEach(context);
  }

  /** A token signed by the test's issuer, valid for an hour. */
  public String token(String subject, String account, Role role, String app) {
    return sluice.token(subject, account, role, app);
  }

  /** A token valid for {@code life}. */
  public String token(String subject, String account, Role role, String app, Duration life) {
    return sluice.token(subject, account, role, app, life);
  }

  /** A runner of {@code app} in {@code account}, closed after the test. */
  public SluiceRunner runner(String account, String app, String runner) {
    SluiceRunner r = SluiceRunner.builder().target(sluice.target())
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
    return sluice.broker();
  }

  /** The broker under the gateway, for what a test asks of it directly (gRPC channels). */
  public SluiceBroker sluice() {
    return sluice;
  }

  public Gateway gateway() {
    return gateway;
  }

  public Path dataDir() {
    return sluice.dataDir();
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
