package dev.sluice.broker.plugin.drain;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTPS intake on 127.0.0.1 for drain tests (certificate from a Bouncy Castle test CA
 * the broker is told to trust): records every request with the status it answered, answers
 * scripted statuses first and then a default one.
 */
final class Receiver implements AutoCloseable {
  /** One request as received, and what it was answered. */
  record Request(Map<String, String> headers, byte[] body, int status, long receivedNanos) {
    String header(String name) {
      return headers.get(name.toLowerCase());
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final ArrayDeque<Integer> script = new ArrayDeque<>();
  private volatile int defaultStatus = 200;
  private volatile boolean silent;
  private volatile String retryAfter;
  private volatile boolean stallBody;
  private HttpServer server;

  private boolean tls;

  /** One CA for the test JVM: every HTTPS receiver's certificate comes from it. */
  private static final class Shared {
    static final TlsCa CA;
    static final Path CA_FILE;

    static {
      try {
        CA = TlsCa.create("Sluice Drain Tests CA");
        Path dir = Files.createTempDirectory("sluice-drain-ca");
        CA_FILE = CA.writeCaPem(dir);
      } catch (Exception e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }

  /**
   * Drain settings for tests: trust the shared test CA (as an operator would with
   * --drain-ca-file), allow 127.0.0.1, retry fast.
   */
  static DrainSettings settings() {
    return DrainSettings.DEFAULTS.withCaFile(Shared.CA_FILE)
        .withAllowAddresses(List.of("127.0.0.1/32"))
        .withRetry(java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(100));
  }

  /** An HTTPS receiver with a certificate from the shared test CA. */
  static Receiver start() throws Exception {
    return startTls(Shared.CA.serverPem());
  }

  /** A plain HTTP receiver (for the development flag's tests). */
  static Receiver startPlain() throws Exception {
    return start(new HttpServerOptions());
  }

  /** An HTTPS receiver presenting {@code certAndKey} (PEM certificate, PEM key). */
  static Receiver startTls(String[] certAndKey) throws Exception {
    Receiver r = start(new HttpServerOptions().setSsl(true).setKeyCertOptions(
        new PemKeyCertOptions().setCertValue(Buffer.buffer(certAndKey[0]))
            .setKeyValue(Buffer.buffer(certAndKey[1]))));
    r.tls = true;
    return r;
  }

  private static Receiver start(HttpServerOptions options) throws Exception {
    Receiver r = new Receiver();
    r.server = r.vertx.createHttpServer(options.setHost("127.0.0.1"))
        .requestHandler(req -> req.body().onSuccess(body -> {
          if (r.silent) {
            return; // never answer: the client's timeout must fire
          }
          Map<String, String> headers = new TreeMap<>();
          req.headers().forEach(e -> headers.put(e.getKey().toLowerCase(), e.getValue()));
          if (r.stallBody) {
            // Headers and a first chunk, then nothing: only a bound on the whole exchange helps.
            // The batch did arrive: a retry under the same id is a repeat to drop.
            r.requests.add(new Request(headers, body.getBytes(), 200, System.nanoTime()));
            req.response().setChunked(true).setStatusCode(200).write("partial");
            return;
          }
          int status;
          synchronized (r.script) {
            status = r.script.isEmpty() ? r.defaultStatus : r.script.poll();
          }
          r.requests.add(new Request(headers, body.getBytes(), status, System.nanoTime()));
          if (status == 429 && r.retryAfter != null) {
            req.response().putHeader("Retry-After", r.retryAfter);
          }
          if (status / 100 == 3) {
            req.response().putHeader("Location", r.redirectTo);
          }
          req.response().setStatusCode(status).end();
        }))
        .listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return r;
  }

  private volatile String redirectTo = "https://169.254.169.254/latest/meta-data";

  String url() {
    return (tls ? "https" : "http") + "://127.0.0.1:" + server.actualPort() + "/intake";
  }

  /** The next requests are answered with these statuses, in order. */
  void script(int... statuses) {
    synchronized (script) {
      for (int s : statuses) {
        script.add(s);
      }
    }
  }

  /** Answers 200 and a first chunk, then never ends the body. */
  void stallBody(boolean value) {
    stallBody = value;
  }

  /** Sends this Retry-After with every 429. */
  void retryAfter(String value) {
    retryAfter = value;
  }

  void setDefault(int status) {
    defaultStatus = status;
  }

  /** Stops answering at all (a dead endpoint that accepts connections). */
  void silent(boolean value) {
    silent = value;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
