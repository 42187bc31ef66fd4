package dev.sluice.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.broker.Broker;
import dev.sluice.broker.BrokerConfig;
import dev.sluice.broker.plugin.drain.DrainSettings;
import dev.sluice.client.runner.SluiceRunner;
import dev.sluice.testing.SluiceBroker;
import dev.sluice.token.IssuerKeys;
import dev.sluice.token.Role;
import dev.sluice.token.Tokens;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice drains}, run in-process against a real broker that may send to a plain-HTTP
 * receiver on 127.0.0.1. After every test: the secret appears in no output.
 */
class DrainsCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Recognisable in any output, even in part. */
  private static final String SECRET_PART = "0f1e2d3c4b5a6978";
  private static final String SECRET = "drain-secret-" + SECRET_PART.repeat(4);
  private static final DrainSettings LOCAL_HTTP = DrainSettings.DEFAULTS.withAllowHttp(true)
      .withAllowAddresses(List.of("127.0.0.1/32"));

  @RegisterExtension
  final SluiceBroker broker = SluiceBroker.insecure(c -> c.withDrains(LOCAL_HTTP));

  @TempDir
  Path dir;

  private final List<CliRun> runs = new ArrayList<>();
  private Receiver receiver;
  private Path secretFile;

  @BeforeEach
  void start() throws IOException {
    receiver = Receiver.start();
    secretFile = dir.resolve("drain.secret");
    Files.writeString(secretFile, SECRET + "\n"); // as `echo` writes it
  }

  @AfterEach
  void secretNeverPrinted() {
    receiver.close();
    for (CliRun run : runs) {
      assertThat(run.out()).doesNotContain(SECRET_PART);
      assertThat(run.err()).doesNotContain(SECRET_PART);
    }
  }

  @Test
  void createsDrainFromSecretFileAndListsIt() throws Exception {
    String created = ok("create", "audit", "--url", receiver.url(), "--secret-file",
        secretFile.toString(), "--level", "warn", "--batch-lines", "200");

    assertThat(created).startsWith("created drain audit\n")
        .contains("url:                " + receiver.url() + "\n")
        .contains("filter:             >\n").contains("min level:          WARN\n")
        .contains("batch lines:        200\n").contains("flush interval:     1s\n")
        .contains("enabled:            yes\n");
    List<String> list = ok("list").lines().toList();
    assertThat(list).hasSize(2);
    assertThat(list.get(0).split(" +")).containsExactly("NAME", "ENABLED", "URL", "FILTER",
        "DELIVERED", "FAILURES", "LAG");
    assertThat(list.get(1).split(" +")).containsExactly("audit", "yes", receiver.url(), ">",
        "0", "0", "0");
  }

  @Test
  void getShowsDeliveryStatusAfterSignedDelivery() throws Exception {
    create("audit");
    try (SluiceRunner runner = SluiceRunner.builder().target(broker.target()).app("demo-model")
        .runner("runner-1").build()) {
      runner.info("hello drain");
      assertThat(runner.flush(WAIT)).as("flushed").isTrue();
    }

    Awaitility.await().atMost(WAIT).until(() -> {
      JsonObject status = new JsonObject(ok("get", "audit", "--json")).getJsonObject("status");
      return status.getLong("delivered_lines") == 1 && status.getLong("lag_lines") == 0;
    });

    String get = ok("get", "audit");
    assertThat(get).contains("name:               audit\n")
        .contains("delivered lines:    1\n").contains("delivered batches:  1\n")
        .contains("failures in a row:  0\n").contains("failures in all:    0\n")
        .contains("last error:         -\n").contains("lag lines:          0\n")
        .containsPattern("last success:       \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d"
            + "(\\.\\d+)?Z\n")
        .contains("lag seconds:        ");
    JsonObject json = new JsonObject(ok("get", "audit", "--json"));
    assertThat(json.fieldNames()).doesNotContain("secret");
    assertThat(Instant.parse(json.getJsonObject("status").getString("last_success")))
        .isBefore(Instant.now().plusSeconds(1));
    // The secret read from the file (its line break dropped) is the one that signs.
    Receiver.Request delivery = receiver.requests.stream()
        .filter(r -> r.body().contains("hello drain")).findFirst().orElseThrow();
    assertThat(delivery.signatureValid(SECRET)).as("signature with the file's secret").isTrue();
  }

  @Test
  void updateChangesOnlyTheOptionsGiven() throws Exception {
    create("audit");

    String updated = ok("update", "audit", "--filter", "demo-model.>", "--level", "error");

    assertThat(updated).startsWith("updated drain audit (filter, min_level)\n")
        .contains("filter:             demo-model.>\n").contains("min level:          ERROR\n")
        .contains("flush interval:     100ms\n");
    JsonObject json = new JsonObject(ok("get", "audit", "--json"));
    assertThat(json.getString("filter")).isEqualTo("demo-model.>");
    assertThat(json.getString("min_level")).isEqualTo("ERROR");
    assertThat(json.getString("url")).isEqualTo(receiver.url());
    String reset = ok("update", "audit", "--level", "all", "--flush-interval", "2s");
    assertThat(reset).contains("min level:          all\n")
        .contains("flush interval:     2s\n");
  }

  @Test
  void updateWithoutChangesIsAUsageError() throws Exception {
    create("audit");

    assertUsageError(drains("update", "audit"), "update", "nothing to update");
  }

  @Test
  void testReportsTheEndpointsAnswer() throws Exception {
    create("audit");

    CliRun accepted = drains("test", "audit");
    assertThat(accepted.exitCode()).as("stderr: %s", accepted.err()).isZero();
    assertThat(accepted.out()).contains("http status:  200\n")
        .contains("detail:       HTTP 200: ok\n").containsPattern("latency:      \\d+ ms\n");
    assertThat(receiver.requests).anyMatch(r -> r.body().contains("sluice drain test")
        && r.signatureValid(SECRET));

    receiver.status = 503;
    CliRun refused = drains("test", "audit");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.out()).contains("http status:  503\n");
    assertThat(refused.err()).isEqualTo("sluice drains test: the endpoint of drain audit did "
        + "not accept the probe (HTTP 503)\n");
  }

  @Test
  void disableAndEnableSwitchDelivery() throws Exception {
    create("audit");

    assertThat(ok("disable", "audit")).isEqualTo("disabled drain audit\n");
    assertThat(ok("get", "audit")).contains("enabled:            no\n");
    assertThat(ok("list").lines().toList().get(1).split(" +")[1]).isEqualTo("no");
    assertThat(ok("enable", "audit")).isEqualTo("enabled drain audit\n");
    assertThat(ok("get", "audit")).contains("enabled:            yes\n");
  }

  @Test
  void deleteRemovesTheDrain() throws Exception {
    create("audit");

    assertThat(ok("delete", "audit")).isEqualTo("deleted drain audit\n");

    CliRun list = drains("list");
    assertThat(list.exitCode()).isZero();
    assertThat(list.out()).isEmpty();
    assertThat(list.err()).isEqualTo("sluice drains list: no drains\n");
    CliRun get = drains("get", "audit");
    assertThat(get.exitCode()).isEqualTo(1);
    assertThat(get.err()).isEqualTo("sluice drains get: drain 'audit' not found\n");
  }

  @Test
  void createOfAnExistingNameIsRefused() throws Exception {
    create("audit");

    CliRun again = drains("create", "audit", "--url", receiver.url(), "--secret-file",
        secretFile.toString());

    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.err()).isEqualTo("sluice drains create: drain 'audit' exists\n");
  }

  @Test
  void listJsonPrintsOneObjectPerDrainByName() throws Exception {
    create("zeta");
    create("alpha");

    List<JsonObject> drains = ok("list", "--json").lines().map(JsonObject::new).toList();

    assertThat(drains).extracting(d -> d.getString("name")).containsExactly("alpha", "zeta");
    assertThat(drains.get(0).getInteger("max_batch_lines")).isEqualTo(1000);
    assertThat(drains.get(0).getInteger("flush_interval_ms")).isEqualTo(100);
    assertThat(drains.get(0).getValue("min_level")).isNull();
    assertThat(drains.get(0).getJsonObject("status").getBoolean("enabled")).isTrue();
  }

  @Test
  void badOptionsExitWithTwoNamingTheOption() throws Exception {
    String file = secretFile.toString();
    String url = receiver.url();
    assertUsageError(drains("create", "audit", "--secret-file", file), "create",
        "Missing required option: '--url=URL'");
    assertUsageError(drains("create", "audit", "--url", "ftp://host/x", "--secret-file", file),
        "create", "'--url'");
    assertUsageError(drains("create", "no spaces", "--url", url, "--secret-file", file),
        "create", "NAME");
    assertUsageError(drains("create", "audit", "--url", url, "--secret-file", file,
        "--batch-lines", "0"), "create", "'--batch-lines'");
    assertUsageError(drains("create", "audit", "--url", url, "--secret-file", file,
        "--flush-interval", "10ms"), "create", "'--flush-interval'");
    assertUsageError(drains("create", "audit", "--url", url, "--secret-file", file,
        "--flush-interval", "soon"), "create", "'--flush-interval'");
    assertUsageError(drains("create", "audit", "--url", url, "--secret-file", file,
        "--level", "loud"), "create", "'--level'");
    assertUsageError(drains("create", "audit", "--url", url, "--secret-file", file,
        "--filter", "a..b"), "create", "'--filter'");
    assertUsageError(drains("create", "audit", "--url", url, "--secret-file",
        dir.resolve("absent").toString()), "create", "--secret-file: cannot read");
    assertUsageError(drains("create", "audit", "--url", url, "--secret-env",
        "SLUICE_TEST_SURELY_UNSET_VARIABLE"), "create", "--secret-env: environment variable "
        + "SLUICE_TEST_SURELY_UNSET_VARIABLE is not set");
    assertUsageError(drains("create", "audit", "--url", url, "--secret-file", file,
        "--secret-env", "HOME"), "create", "--secret-file and --secret-env: give one of them");
    assertUsageError(drains("update", "audit", "--batch-lines", "5001"), "update",
        "'--batch-lines'");
    assertUsageError(drains("create", "audit", "--url", url, "--secret", SECRET), "create",
        "'--secret'");
    assertThat(ok("list")).as("nothing was created").isEmpty();
  }

  @Test
  void shortSecretIsRefusedWithTheBrokersMessage() throws Exception {
    Path shortSecret = dir.resolve("short.secret");
    Files.writeString(shortSecret, SECRET.substring(0, 63));

    CliRun run = drains("create", "audit", "--url", receiver.url(), "--secret-file",
        shortSecret.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("sluice drains create: invalid request: secret: 63 "
        + "characters (expected: at least 64)\n");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void refusesTokensWithoutTheAdminRole(@TempDir Path dataDir) throws Exception {
    KeyPair issuer = IssuerKeys.generate();
    IssuerKeys.write(issuer, dataDir);
    try (Broker secured = Broker.start(BrokerConfig.defaults().withGrpcPort(0)
        .withDataDir(dataDir).withDrains(LOCAL_HTTP))) {
      String target = "127.0.0.1:" + secured.grpcPort();

      CliRun member = CliRun.start("drains", "list", "--target", target, "--token",
          mint(issuer, Role.MEMBER));
      assertThat(member.exitCode()).isEqualTo(1);
      assertThat(member.err()).isEqualTo("sluice drains list: permission denied: managing "
          + "drains needs the role admin; this token's role is member\n");

      CliRun admin = CliRun.start("drains", "create", "audit", "--url", receiver.url(),
          "--secret-file", secretFile.toString(), "--target", target, "--token",
          mint(issuer, Role.ADMIN));
      runs.add(admin);
      assertThat(admin.exitCode()).as("stderr: %s", admin.err()).isZero();
    }
  }

  @Test
  void unreachableBrokerExitsWithOne() throws Exception {
    int port = SluiceBroker.freePort();

    CliRun run = CliRun.start("drains", "list", "--target", "127.0.0.1:" + port);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith("sluice drains list: cannot reach the broker at 127.0.0.1:"
        + port);
  }

  @Test
  void secretComesFromEnvironmentOrPipedStdinButNotATerminal() {
    UnaryOperator<String> env = Map.of("DRAIN_SECRET", SECRET)::get;
    assertThat(DrainSecret.read(null, "DRAIN_SECRET", env, stdin(false, ""), true))
        .isEqualTo(SECRET);
    assertThat(DrainSecret.read(null, null, env, stdin(false, SECRET + "\r\n"), true))
        .isEqualTo(SECRET);
    assertThat(DrainSecret.read(Path.of("-"), null, env, stdin(false, SECRET), false))
        .isEqualTo(SECRET);
    assertThat(DrainSecret.read(null, null, env, stdin(false, SECRET), false))
        .as("update without a secret option reads nothing").isNull();
    assertThatThrownBy(() -> DrainSecret.read(null, null, env, stdin(true, SECRET), true))
        .hasMessage("no secret: stdin is a terminal, where a typed secret would show (give "
            + "--secret-file FILE or --secret-env VAR, or pipe the secret on stdin)");
    assertThatThrownBy(() -> DrainSecret.read(null, null, env, stdin(false, ""), true))
        .hasMessageStartingWith("no secret (stdin): empty");
    assertThatThrownBy(() -> DrainSecret.read(null, null, env,
        stdin(false, SECRET + "\n" + SECRET), true))
        .hasMessageStartingWith("no secret (stdin): more than one line")
        .message().doesNotContain(SECRET_PART);
  }

  // ---- helpers ----

  /** Creates drain {@code name} to the receiver, flushing every 100 ms. */
  private void create(String name) throws Exception {
    ok("create", name, "--url", receiver.url(), "--secret-file", secretFile.toString(),
        "--flush-interval", "100ms");
  }

  private CliRun drains(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "drains";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--target";
    all[args.length + 2] = broker.target();
    CliRun run = CliRun.start(all);
    runs.add(run);
    return run;
  }

  /** Runs, expects exit 0, returns stdout. */
  private String ok(String... args) throws Exception {
    CliRun run = drains(args);
    assertThat(run.exitCode()).as("exit code of %s; stderr: %s", List.of(args), run.err())
        .isZero();
    return run.out();
  }

  private static void assertUsageError(CliRun run, String command, String message)
      throws Exception {
    assertThat(run.exitCode()).as("exit code; stderr: %s", run.err()).isEqualTo(2);
    assertThat(run.err()).startsWith("sluice drains " + command + ": ").contains(message)
        .contains("Try 'sluice drains " + command + " --help'");
    assertThat(run.out()).isEmpty();
  }

  private static DrainSecret.Stdin stdin(boolean terminal, String content) {
    return new DrainSecret.Stdin() {
      @Override
      public boolean isTerminal() {
        return terminal;
      }

      @Override
      public InputStream stream() {
        return new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8));
      }
    };
  }

  private static String mint(KeyPair issuer, Role role) {
    return Tokens.mint(Tokens.claims("ops", "acme", role, "", Duration.ofHours(1),
        Instant.now()), issuer.getPrivate(), issuer.getPublic());
  }

  /** A plain-HTTP intake on 127.0.0.1 (JDK server): records requests, answers {@code status}. */
  private static final class Receiver implements AutoCloseable {
    record Request(String timestamp, String batchId, String signature, String body) {
      boolean signatureValid(String secret) {
        try {
          Mac mac = Mac.getInstance("HmacSHA256");
          mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
          mac.update((timestamp + "." + batchId + ".").getBytes(StandardCharsets.UTF_8));
          String expected = "v1=" + HexFormat.of().formatHex(
              mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
          return List.of(signature.split(",")).contains(expected);
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile int status = 200;
    private final HttpServer server;

    private Receiver(HttpServer server) {
      this.server = server;
    }

    static Receiver start() throws IOException {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      Receiver receiver = new Receiver(server);
      server.createContext("/intake", exchange -> {
        try (exchange) {
          String body = new String(exchange.getRequestBody().readAllBytes(),
              StandardCharsets.UTF_8);
          var headers = exchange.getRequestHeaders();
          receiver.requests.add(new Request(headers.getFirst("X-Sluice-Timestamp"),
              headers.getFirst("X-Sluice-Batch-Id"), headers.getFirst("X-Sluice-Signature"),
              body));
          byte[] answer = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(receiver.status, answer.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
          }
        }
      });
      server.start();
      return receiver;
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/intake";
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
